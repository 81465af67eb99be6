// The forward pass on the CPU. One call to eval() processes a batch of tokens through every
// layer with matrix-matrix products (prefill) or matrix-vector products (one token, decode).
//
//   x = embed(tokens)
//   per layer:  h = rmsnorm(x)·attn_norm;  q,k,v = h·Wq,Wk,Wv (+bias);  rope(q,k);  cache k,v
//               o = softmax(q·Kᵀ/√d, causal)·V  [BitNet: o = rmsnorm(o)·attn_sub_norm]
//               x += o·Wo
//               h = rmsnorm(x)·ffn_norm;  a = act(h·Wgate) ⊙ (h·Wup)  [BitNet: rmsnorm·ffn_sub_norm]
//               x += a·Wdown
//   logits = rmsnorm(x)·output_norm · Wout   (only for the rows whose logits are wanted)
#include "backends/cpu/cpu_runner.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <sstream>
#include <vector>

#include "backends/cpu/attention.h"
#include "backends/cpu/kernels.h"
#include "backends/cpu/matmul.h"
#include "backends/cpu/ops.h"
#include "backends/cpu/thread_pool.h"
#include "lowbit/error.h"
#include "lowbit/model.h"

namespace lowbit::cpu {
namespace {

// Per-layer weight vectors converted to float once (norms, biases).
struct LayerVectors {
    std::vector<float> attn_norm, ffn_norm, attn_sub_norm, ffn_sub_norm, bq, bk, bv;
};

std::vector<float> to_floats(const Weight& w) {
    std::vector<float> v;
    if (!w) return v;
    v.resize(static_cast<size_t>(w.n_elements()));
    load_vector(w, v.data());
    return v;
}

class CpuRunner final : public Runner {
  public:
    CpuRunner(const Model& model, const RunnerOptions& opt)
        : model_(model),
          hp_(model.hparams()),
          pool_(opt.n_threads > 0 ? opt.n_threads : ThreadPool::default_threads()) {
        n_ctx_ = opt.n_ctx > 0 ? opt.n_ctx : static_cast<int>(std::min<int64_t>(hp_.n_ctx_train, 4096));
        n_batch_ = std::max(1, std::min(opt.n_batch > 0 ? opt.n_batch : 256, n_ctx_));
        check_supported();
        a8_ = hp_.quantize_activations;
        sign_a8_ = a8_ || opt.onebit_int8;
        for (const auto& L : model.layers())
            for (const Weight* w : {&L.wq, &L.wk, &L.wv, &L.wo, &L.ffn_gate, &L.ffn_up, &L.ffn_down})
                has_sign_layers_ = has_sign_layers_ || w->kind != WeightKind::Plain;

        for (const auto& L : model.layers()) {
            LayerVectors v;
            v.attn_norm = to_floats(L.attn_norm);
            v.ffn_norm = to_floats(L.ffn_norm);
            v.attn_sub_norm = to_floats(L.attn_sub_norm);
            v.ffn_sub_norm = to_floats(L.ffn_sub_norm);
            v.bq = to_floats(L.bq);
            v.bk = to_floats(L.bk);
            v.bv = to_floats(L.bv);
            vectors_.push_back(std::move(v));
        }
        output_norm_ = to_floats(model.output_norm());
        if (const GgufTensorInfo* ff = model.gguf().find_tensor("rope_freqs.weight")) {
            if (ff->type != TensorType::F32 || ff->n_elements() != hp_.n_rot / 2)
                throw FormatError("'" + model.path() + "': rope_freqs.weight has the wrong type or size");
            const float* p = reinterpret_cast<const float*>(ff->data);
            freq_factors_.assign(p, p + ff->n_elements());
        }
        rope_ = RopeParams{hp_.n_rot, hp_.rope_freq_base, hp_.rope_freq_scale, hp_.rope_type,
                           freq_factors_.empty() ? nullptr : freq_factors_.data()};

        const size_t kv_elems = static_cast<size_t>(n_ctx_) * static_cast<size_t>(hp_.n_embd_kv());
        k_cache_.assign(static_cast<size_t>(hp_.n_layer), std::vector<uint16_t>(kv_elems));
        v_cache_.assign(static_cast<size_t>(hp_.n_layer), std::vector<uint16_t>(kv_elems));

        const size_t nb = static_cast<size_t>(n_batch_);
        x_.resize(nb * hp_.n_embd);
        h_.resize(nb * std::max(hp_.n_embd, hp_.n_embd_q()));
        q_.resize(nb * hp_.n_embd_q());
        k_.resize(nb * hp_.n_embd_kv());
        v_.resize(nb * hp_.n_embd_kv());
        o_.resize(nb * hp_.n_embd_q());
        gate_.resize(nb * hp_.n_ff);
        up_.resize(nb * hp_.n_ff);
        scores_.assign(static_cast<size_t>(pool_.size()),
                       std::vector<float>(static_cast<size_t>(std::max<int64_t>(n_ctx_, hp_.head_dim))));
    }

    std::string device_name() const override {
        std::ostringstream os;
        os << "CPU (" << simd_target_name() << ", " << pool_.size()
           << (pool_.size() == 1 ? " thread)" : " threads)");
        // Say so when 1-bit layers run with int8 activations by choice (BitNet graphs always do).
        if (sign_a8_ && !a8_ && has_sign_layers_) os << ", 1-bit layers W1A8";
        return os.str();
    }
    const Model& model() const override { return model_; }
    int n_ctx() const override { return n_ctx_; }
    int n_past() const override { return n_past_; }

    void truncate(int n_keep) override { n_past_ = std::clamp(n_keep, 0, n_past_); }

    MemoryStats memory() const override {
        MemoryStats m;
        m.weight_bytes = model_.stats().weight_bytes;
        m.kv_bytes = 2 * static_cast<size_t>(hp_.n_layer) * static_cast<size_t>(n_ctx_) *
                     static_cast<size_t>(hp_.n_embd_kv()) * sizeof(uint16_t);
        m.scratch_bytes = sizeof(float) * (x_.size() + h_.size() + q_.size() + k_.size() + v_.size() +
                                           o_.size() + gate_.size() + up_.size() + scores_.size() * n_ctx_);
        return m;
    }

    void eval(std::span<const int32_t> tokens, int n_logits, float* logits) override {
        const int64_t n = static_cast<int64_t>(tokens.size());
        if (n == 0) return;
        if (n_logits < 0 || n_logits > n) throw Error("eval: n_logits out of range");
        if (n_past_ + n > n_ctx_)
            throw Error("context is full: " + std::to_string(n_past_) + " + " + std::to_string(n) +
                        " tokens > " + std::to_string(n_ctx_));
        const int32_t n_vocab = static_cast<int32_t>(hp_.n_vocab);
        for (int32_t t : tokens) {
            if (t < 0 || t >= n_vocab)
                throw Error("token id " + std::to_string(t) + " is outside the vocabulary (" +
                            std::to_string(n_vocab) + ")");
        }
        for (int64_t b0 = 0; b0 < n; b0 += n_batch_) {
            const int64_t nb = std::min<int64_t>(n_batch_, n - b0);
            // Logits wanted from this batch: the overlap of [b0, b0+nb) with the last n_logits tokens.
            const int64_t first_wanted = n - n_logits;
            const int64_t lo = std::max(b0, first_wanted);
            const int64_t n_out = std::max<int64_t>(0, b0 + nb - lo);
            float* out = n_out > 0 ? logits + (lo - first_wanted) * hp_.n_vocab : nullptr;
            forward_batch(tokens.subspan(static_cast<size_t>(b0), static_cast<size_t>(nb)), n_out, out);
        }
    }

  private:
    void check_supported() const {
        auto check = [&](const Weight& w) {
            if (w && !can_matmul(w))
                throw UnsupportedError("'" + model_.path() + "': tensor '" + w.tensor->name + "' has type " +
                                       std::string(type_name(w.type)) +
                                       ", which the CPU backend cannot compute yet");
        };
        check(model_.output());
        for (const auto& L : model_.layers()) {
            for (const Weight* w : {&L.wq, &L.wk, &L.wv, &L.wo, &L.ffn_gate, &L.ffn_up, &L.ffn_down})
                check(*w);
        }
    }

    void forward_batch(std::span<const int32_t> tokens, int64_t n_out, float* logits) {
        const int64_t n = static_cast<int64_t>(tokens.size());
        const int64_t d = hp_.n_embd, dq = hp_.n_embd_q(), dkv = hp_.n_embd_kv(), ff = hp_.n_ff;
        const int64_t hd = hp_.head_dim, n_head = hp_.n_head, n_head_kv = hp_.n_head_kv;
        const int64_t pos0 = n_past_;

        pool_.run(n,
                  [&](int64_t t, int) { embedding_row(model_.token_embd(), tokens[t], x_.data() + t * d); });

        for (int64_t il = 0; il < hp_.n_layer; ++il) {
            const LayerWeights& L = model_.layers()[static_cast<size_t>(il)];
            const LayerVectors& V = vectors_[static_cast<size_t>(il)];

            // Attention block.
            norm_rows(x_.data(), V.attn_norm.data(), h_.data(), n, d);
            matmul(pool_, ws_, L.wq, h_.data(), d, n, q_.data(), dq, V.bq.empty() ? nullptr : V.bq.data(),
                   int8_acts(L.wq));
            matmul(pool_, ws_, L.wk, h_.data(), d, n, k_.data(), dkv, V.bk.empty() ? nullptr : V.bk.data(),
                   int8_acts(L.wk));
            matmul(pool_, ws_, L.wv, h_.data(), d, n, v_.data(), dkv, V.bv.empty() ? nullptr : V.bv.data(),
                   int8_acts(L.wv));

            uint16_t* kc = k_cache_[static_cast<size_t>(il)].data();
            uint16_t* vc = v_cache_[static_cast<size_t>(il)].data();
            pool_.run(n, [&](int64_t t, int) {
                float cache[1024];
                float* rc = rope_.n_rot <= 2 * 512 ? cache : nullptr;
                std::vector<float> big;
                if (!rc) {
                    big.resize(static_cast<size_t>(rope_.n_rot));
                    rc = big.data();
                }
                rope_cache(rope_, pos0 + t, rc);
                rope_apply(rope_, rc, q_.data() + t * dq, n_head, hd);
                rope_apply(rope_, rc, k_.data() + t * dkv, n_head_kv, hd);
                f32_to_f16_row(k_.data() + t * dkv, kc + (pos0 + t) * dkv, dkv);
                f32_to_f16_row(v_.data() + t * dkv, vc + (pos0 + t) * dkv, dkv);
            });

            const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
            const int64_t group = n_head / n_head_kv;
            const bool tiled = n >= kTiledRows;  // llama.cpp's numerics choice (attention.h)
            pool_.run(n * n_head, [&](int64_t task, int thread) {
                const int64_t t = task / n_head, h = task % n_head;
                const int64_t kvh = h / group;
                AttnHead head{q_.data() + t * dq + h * hd,
                              kc + kvh * hd,
                              vc + kvh * hd,
                              static_cast<size_t>(dkv),
                              hd,
                              pos0 + t + 1,
                              scale};  // causal: up to and including this token
                attention_head(head, tiled, o_.data() + t * dq + h * hd,
                               scores_[static_cast<size_t>(thread)].data());
            });
            if (!V.attn_sub_norm.empty()) norm_rows(o_.data(), V.attn_sub_norm.data(), o_.data(), n, dq);
            matmul(pool_, ws_, L.wo, o_.data(), dq, n, h_.data(), d, nullptr, int8_acts(L.wo));
            add_rows(x_.data(), h_.data(), n * d);

            // Feed-forward block.
            norm_rows(x_.data(), V.ffn_norm.data(), h_.data(), n, d);
            matmul(pool_, ws_, L.ffn_gate, h_.data(), d, n, gate_.data(), ff, nullptr, int8_acts(L.ffn_gate));
            matmul(pool_, ws_, L.ffn_up, h_.data(), d, n, up_.data(), ff, nullptr, int8_acts(L.ffn_up));
            pool_.run(n, [&](int64_t t, int) {
                float* g = gate_.data() + t * ff;
                const float* u = up_.data() + t * ff;
                if (hp_.ffn_act == FfnActivation::ReLU2) {
                    relu2_mul(g, u, g, ff);
                } else {
                    silu_mul(g, u, g, ff);
                }
                if (!V.ffn_sub_norm.empty()) rms_norm_row(g, V.ffn_sub_norm.data(), g, ff, hp_.norm_eps);
            });
            matmul(pool_, ws_, L.ffn_down, gate_.data(), ff, n, h_.data(), d, nullptr, int8_acts(L.ffn_down));
            add_rows(x_.data(), h_.data(), n * d);
        }

        n_past_ += static_cast<int>(n);
        if (n_out == 0) return;
        const float* last = x_.data() + (n - n_out) * d;
        norm_rows(last, output_norm_.data(), h_.data(), n_out, d);
        matmul(pool_, ws_, model_.output(), h_.data(), d, n_out, logits, hp_.n_vocab);
    }

    void norm_rows(const float* x, const float* w, float* y, int64_t n, int64_t dim) {
        const float eps = hp_.norm_eps;
        if (n == 1) {
            rms_norm_row(x, w, y, dim, eps);
            return;
        }
        pool_.run(n, [&](int64_t t, int) { rms_norm_row(x + t * dim, w, y + t * dim, dim, eps); });
    }

    void add_rows(float* y, const float* x, int64_t count) { add_inplace(y, x, count); }

    const Model& model_;
    const HParams& hp_;
    ThreadPool pool_;
    MatmulWorkspace ws_;
    int n_ctx_ = 0;
    int n_batch_ = 0;
    int n_past_ = 0;
    std::vector<LayerVectors> vectors_;
    std::vector<float> output_norm_;
    std::vector<float> freq_factors_;
    RopeParams rope_{};
    bool a8_ = false;       // BitNet: per-token int8 activations into the ternary layers
    bool sign_a8_ = false;  // the same for 1-bit layers (BitNet, or RunnerOptions::onebit_int8)
    bool has_sign_layers_ = false;
    // Whether a layer takes per-token int8 activations.
    bool int8_acts(const Weight& w) const { return w.kind == WeightKind::Plain ? a8_ : sign_a8_; }
    std::vector<std::vector<uint16_t>> k_cache_, v_cache_;  // per layer: [n_ctx][n_embd_kv]
    std::vector<float> x_, h_, q_, k_, v_, o_, gate_, up_;
    std::vector<std::vector<float>> scores_;  // per thread: [n_ctx]
};

}  // namespace

std::unique_ptr<Runner> make_cpu_runner(const Model& model, const RunnerOptions& options) {
    return std::make_unique<CpuRunner>(model, options);
}

}  // namespace lowbit::cpu
