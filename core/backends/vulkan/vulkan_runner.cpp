// The forward pass on a Vulkan GPU: the same graph as the CPU runner (core/backends/cpu/cpu_runner.cpp),
// recorded into one command buffer per batch of tokens and submitted once; only the logits
// come back to the host.
//
//   x = embed(tokens)
//   per layer:  h = rmsnorm(x)·attn_norm;  q,k,v = h·Wq,Wk,Wv (+bias);  rope(q,k);  cache k,v (F16)
//               o = softmax(q·Kᵀ/√d, causal)·V  [BitNet: o = rmsnorm(o)·attn_sub_norm]
//               x += o·Wo
//               h = rmsnorm(x)·ffn_norm;  a = act(h·Wgate) ⊙ (h·Wup)  [BitNet: rmsnorm·ffn_sub_norm]
//               x += a·Wdown
//   logits = rmsnorm(x)·output_norm · Wout   (only for the rows whose logits are wanted)
#include "backends/vulkan/vulkan_runner.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "backends/cpu/ops.h"
#include "backends/vulkan/command_stream.h"
#include "backends/vulkan/context.h"
#include "backends/vulkan/gpu_weights.h"
#include "backends/vulkan/kernels.h"
#include "backends/vulkan/profiler.h"
#include "lowbit/error.h"
#include "lowbit/model.h"
#include "lowbit/vulkan.h"

namespace lowbit {
namespace vulkan {
namespace {

struct GpuLayer {
    GpuVector attn_norm, ffn_norm, attn_sub_norm, ffn_sub_norm, bq, bk, bv;
    GpuMatrix wq, wk, wv, wo, gate, up, down;
    Allocation k_cache, v_cache;
};

bool env_flag(const char* name) {
    const char* v = std::getenv(name);
    return v && *v && std::strcmp(v, "0") != 0;
}

class VulkanRunner final : public Runner {
  public:
    VulkanRunner(const Model& model, const RunnerOptions& opt) : model_(model), hp_(model.hparams()) {
        const DeviceSpec spec = parse_device_spec(opt.device);
        if (spec.cpu) throw Error("the Vulkan runner was asked for the CPU");
        n_ctx_ = opt.n_ctx > 0 ? opt.n_ctx : static_cast<int>(std::min<int64_t>(hp_.n_ctx_train, 4096));
        if (n_ctx_ <= 0) n_ctx_ = 4096;
        n_batch_ = std::max(1, std::min(opt.n_batch > 0 ? opt.n_batch : 256, n_ctx_));
        check_supported();  // before touching the GPU: unsupported models fall back cheaply

        ContextOptions co;
        co.device_index = spec.vulkan_index;
        ctx_ = Context::create(co);
        kern_ = std::make_unique<Kernels>(*ctx_);
        stream_ = std::make_unique<CommandStream>(*ctx_);
        if (env_flag("LOWBIT_VK_PROFILE")) profiler_ = std::make_unique<Profiler>(*ctx_);
        upload_model();
        allocate_buffers();
    }

    ~VulkanRunner() override {
        if (profiler_ && !profiler_->totals().empty())
            std::fprintf(stderr, "%s", profiler_->report().c_str());
    }

    std::string device_name() const override {
        return "Vulkan: " + ctx_->info().name + (ctx_->ext_kernels() ? "" : " (plain kernels)");
    }
    const Model& model() const override { return model_; }
    int n_ctx() const override { return n_ctx_; }
    int n_past() const override { return n_past_; }
    void truncate(int n_keep) override { n_past_ = std::clamp(n_keep, 0, n_past_); }

    MemoryStats memory() const override {
        MemoryStats m;
        m.weight_bytes = weight_bytes_;
        m.kv_bytes = kv_bytes_;
        m.scratch_bytes = scratch_bytes_;
        const MemoryStatsVk s = ctx_->memory().stats();
        m.device_bytes = s.device_bytes;
        m.device_budget_bytes = s.device_budget;
        return m;
    }

    void eval(std::span<const int32_t> tokens, int n_logits, float* logits) override {
        if (lost_) throw DeviceLostError("the GPU was lost earlier; reload the model");
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
        try {
            for (int64_t b0 = 0; b0 < n; b0 += n_batch_) {
                const int64_t nb = std::min<int64_t>(n_batch_, n - b0);
                const int64_t first_wanted = n - n_logits;
                const int64_t lo = std::max(b0, first_wanted);
                const int64_t n_out = std::max<int64_t>(0, b0 + nb - lo);
                float* out = n_out > 0 ? logits + (lo - first_wanted) * hp_.n_vocab : nullptr;
                forward_batch(tokens.subspan(static_cast<size_t>(b0), static_cast<size_t>(nb)), n_out, out);
            }
        } catch (const DeviceLostError& e) {
            lost_ = true;
            throw DeviceLostError("the GPU '" + ctx_->info().name + "' was lost while evaluating (" +
                                  e.what() + "); reload the model, or use --device cpu");
        }
    }

  private:
    void check_supported() const {
        auto check = [&](const Weight& w) {
            if (!w) return;
            const std::string why = gpu_unsupported_reason(w);
            if (!why.empty()) throw UnsupportedError("Vulkan backend: " + why);
        };
        check(model_.output());
        for (const auto& L : model_.layers())
            for (const Weight* w : {&L.wq, &L.wk, &L.wv, &L.wo, &L.ffn_gate, &L.ffn_up, &L.ffn_down})
                check(*w);
        check(model_.token_embd());
        const GpuLayout* el = gpu_layout(model_.token_embd().type);
        if (!el || !el->rows_shader)
            throw UnsupportedError("Vulkan backend: no embedding lookup for token_embd of type " +
                                   std::string(type_name(model_.token_embd().type)));
        if (hp_.head_dim > 256 || hp_.head_dim % 2 || hp_.n_head_kv <= 0 || hp_.n_head % hp_.n_head_kv)
            throw UnsupportedError("Vulkan backend: attention with head size " +
                                   std::to_string(hp_.head_dim) + " and " + std::to_string(hp_.n_head) + "/" +
                                   std::to_string(hp_.n_head_kv) + " heads is not supported");
        if (hp_.n_rot > hp_.head_dim || hp_.n_rot % 2)
            throw UnsupportedError("Vulkan backend: rope.dimension_count " + std::to_string(hp_.n_rot) +
                                   " not supported");
    }

    void upload_model() {
        Context& c = *ctx_;
        embd_ = upload_matrix(c, model_.token_embd());
        weight_bytes_ += embd_.device_bytes;
        if (!hp_.tied_embeddings) {
            output_ = upload_matrix(c, model_.output());
            weight_bytes_ += output_->device_bytes;
        }
        output_norm_ = upload_vector(c, model_.output_norm());
        weight_bytes_ += output_norm_.alloc.size();
        for (const auto& L : model_.layers()) {
            GpuLayer g;
            g.attn_norm = upload_vector(c, L.attn_norm);
            g.ffn_norm = upload_vector(c, L.ffn_norm);
            g.attn_sub_norm = upload_vector(c, L.attn_sub_norm);
            g.ffn_sub_norm = upload_vector(c, L.ffn_sub_norm);
            g.bq = upload_vector(c, L.bq);
            g.bk = upload_vector(c, L.bk);
            g.bv = upload_vector(c, L.bv);
            g.wq = upload_matrix(c, L.wq);
            g.wk = upload_matrix(c, L.wk);
            g.wv = upload_matrix(c, L.wv);
            g.wo = upload_matrix(c, L.wo);
            g.gate = upload_matrix(c, L.ffn_gate);
            g.up = upload_matrix(c, L.ffn_up);
            g.down = upload_matrix(c, L.ffn_down);
            for (const GpuMatrix* m : {&g.wq, &g.wk, &g.wv, &g.wo, &g.gate, &g.up, &g.down})
                weight_bytes_ += m->device_bytes;
            for (const GpuVector* v :
                 {&g.attn_norm, &g.ffn_norm, &g.attn_sub_norm, &g.ffn_sub_norm, &g.bq, &g.bk, &g.bv})
                if (*v) weight_bytes_ += v->alloc.size();
            layers_.push_back(std::move(g));
        }
        // RoPE angles for every position, computed by the CPU backend's function.
        std::vector<float> freq_factors;
        if (const GgufTensorInfo* ff = model_.gguf().find_tensor("rope_freqs.weight")) {
            if (ff->type != TensorType::F32 || ff->n_elements() != hp_.n_rot / 2)
                throw FormatError("'" + model_.path() + "': rope_freqs.weight has the wrong type or size");
            const float* p = reinterpret_cast<const float*>(ff->data);
            freq_factors.assign(p, p + ff->n_elements());
        }
        const cpu::RopeParams rp{hp_.n_rot, hp_.rope_freq_base, hp_.rope_freq_scale, hp_.rope_type,
                                 freq_factors.empty() ? nullptr : freq_factors.data()};
        std::vector<float> table(static_cast<size_t>(n_ctx_) * static_cast<size_t>(hp_.n_rot));
        for (int pos = 0; pos < n_ctx_; ++pos)
            cpu::rope_cache(rp, pos, table.data() + static_cast<size_t>(pos) * hp_.n_rot);
        if (table.size() * 4 > ctx_->max_binding_bytes())
            throw UnsupportedError(
                "Vulkan backend: the RoPE table for " + std::to_string(n_ctx_) +
                " positions exceeds a shader binding on this device; use a shorter context");
        rope_table_ = upload_floats(c, table.data(), static_cast<int64_t>(table.size()), "RoPE table");
    }

    Allocation scratch(size_t bytes, const char* what) {
        if (bytes > ctx_->max_binding_bytes())
            throw UnsupportedError(
                std::string("Vulkan backend: the ") + what +
                " buffer exceeds a shader binding on this device; use a smaller batch (-b)");
        Allocation a = ctx_->memory().allocate(bytes, MemoryKind::Device, what);
        scratch_bytes_ += a.size();
        return a;
    }

    void allocate_buffers() {
        const size_t nb = static_cast<size_t>(n_batch_);
        const size_t d = static_cast<size_t>(hp_.n_embd), dq = static_cast<size_t>(hp_.n_embd_q()),
                     dkv = static_cast<size_t>(hp_.n_embd_kv()), ff = static_cast<size_t>(hp_.n_ff);
        const size_t kv_row = dkv * 2;
        if (static_cast<size_t>(n_ctx_) * kv_row > ctx_->max_binding_bytes())
            throw UnsupportedError(
                "Vulkan backend: a KV cache of " + std::to_string(n_ctx_) +
                " positions exceeds a shader binding on this device; use a shorter context");
        for (GpuLayer& g : layers_) {
            g.k_cache =
                ctx_->memory().allocate(static_cast<size_t>(n_ctx_) * kv_row, MemoryKind::Device, "K cache");
            g.v_cache =
                ctx_->memory().allocate(static_cast<size_t>(n_ctx_) * kv_row, MemoryKind::Device, "V cache");
            kv_bytes_ += g.k_cache.size() + g.v_cache.size();
        }
        x_ = scratch(nb * d * 4, "activation");
        h_ = scratch(nb * std::max(d, dq) * 4, "activation");
        q_ = scratch(nb * dq * 4, "query");
        k_ = scratch(nb * dkv * 4, "key");
        v_ = scratch(nb * dkv * 4, "value");
        o_ = scratch(nb * dq * 4, "attention output");
        gate_ = scratch(nb * ff * 4, "FFN gate");
        up_ = scratch(nb * ff * 4, "FFN up");
        const size_t kmax = std::max({d, dq, ff});
        act_qs_ = scratch(nb * kmax, "quantized activation");
        act_d_ = scratch(nb * (kmax / 32) * 4, "activation scale");
        tokens_ = ctx_->memory().allocate(nb * 4, MemoryKind::Upload, "tokens");
        // Logits: as many rows as one binding holds (one row per decoded token).
        const size_t row = static_cast<size_t>(hp_.n_vocab) * 4;
        logit_rows_ =
            static_cast<int64_t>(std::min<size_t>(nb, std::max<size_t>(1, ctx_->max_binding_bytes() / row)));
        logits_ = scratch(static_cast<size_t>(logit_rows_) * row, "logits");
        readback_ = ctx_->memory().allocate(static_cast<size_t>(logit_rows_) * row, MemoryKind::Readback,
                                            "logits readback");
        scratch_bytes_ += readback_.size();
    }

    // Quantizes `x` for a weight unless the same rows were already quantized to that format.
    const QuantizedActs* acts_for(CommandStream& cs, const GpuMatrix& w, const BufferRange& x,
                                  uint32_t stride, uint32_t row0, uint32_t n,
                                  std::optional<ActFormat>& cached) {
        const ActFormat f = act_format(w, hp_.quantize_activations);
        if (f == ActFormat::Float) return nullptr;
        if (!cached || *cached != f) {
            kern_->quantize(cs, f, x, static_cast<uint32_t>(w.ne0), n, stride, row0, qa_);
            cached = f;
        }
        return &qa_;
    }

    void matmul(CommandStream& cs, const GpuMatrix& w, const BufferRange& x, uint32_t x_stride,
                uint32_t x_row0, uint32_t n, const BufferRange& y, const GpuVector* bias,
                std::optional<ActFormat>& cached) {
        MatmulArgs a;
        a.n_tokens = n;
        a.x = x;
        a.x_stride = x_stride;
        a.x_row0 = x_row0;
        a.xq = acts_for(cs, w, x, x_stride, x_row0, n, cached);
        a.y = y;
        a.y_stride = static_cast<uint32_t>(w.rows);
        if (bias && *bias) a.bias = bias->range();
        kern_->matmul(cs, w, a);
    }

    void forward_batch(std::span<const int32_t> tokens, int64_t n_out, float* logits) {
        const uint32_t n = static_cast<uint32_t>(tokens.size());
        const uint32_t d = static_cast<uint32_t>(hp_.n_embd), dq = static_cast<uint32_t>(hp_.n_embd_q()),
                       dkv = static_cast<uint32_t>(hp_.n_embd_kv()), ff = static_cast<uint32_t>(hp_.n_ff);
        const uint32_t hd = static_cast<uint32_t>(hp_.head_dim);
        const uint32_t pos0 = static_cast<uint32_t>(n_past_);
        const float eps = hp_.norm_eps;
        const bool neox = hp_.rope_type == RopeType::NeoX;
        const bool relu2 = hp_.ffn_act == FfnActivation::ReLU2;
        qa_ = {act_qs_.range(), act_d_.range()};
        std::memcpy(tokens_.mapped(), tokens.data(), tokens.size() * 4);

        CommandStream& cs = *stream_;
        cs.begin(profiler_.get());
        kern_->get_rows(cs, embd_, tokens_.range(), n, x_.range(), d);
        for (GpuLayer& L : layers_) {
            // Attention block.
            std::optional<ActFormat> hq;  // what h_ is quantized to in act_qs_
            kern_->rms_norm(cs, x_.range(), d, 0, n, d, L.attn_norm.range(), h_.range(), d, eps);
            matmul(cs, L.wq, h_.range(), d, 0, n, q_.range(), &L.bq, hq);
            matmul(cs, L.wk, h_.range(), d, 0, n, k_.range(), &L.bk, hq);
            matmul(cs, L.wv, h_.range(), d, 0, n, v_.range(), &L.bv, hq);
            kern_->rope(cs, q_.range(), n, static_cast<uint32_t>(hp_.n_head), hd,
                        static_cast<uint32_t>(hp_.n_rot), dq, pos0, neox, rope_table_.range());
            kern_->rope(cs, k_.range(), n, static_cast<uint32_t>(hp_.n_head_kv), hd,
                        static_cast<uint32_t>(hp_.n_rot), dkv, pos0, neox, rope_table_.range());
            kern_->kv_store(cs, k_.range(), v_.range(), n, dkv, dkv, pos0, L.k_cache.range(),
                            L.v_cache.range());
            Kernels::AttentionArgs at;
            at.q = q_.range();
            at.k_cache = L.k_cache.range();
            at.v_cache = L.v_cache.range();
            at.o = o_.range();
            at.n_tokens = n;
            at.n_head = static_cast<uint32_t>(hp_.n_head);
            at.n_head_kv = static_cast<uint32_t>(hp_.n_head_kv);
            at.head_dim = hd;
            at.q_stride = dq;
            at.o_stride = dq;
            at.pos0 = pos0;
            at.scale = 1.0f / std::sqrt(static_cast<float>(hd));
            at.f16_numerics = n < Kernels::kTiledAttentionRows;  // the CPU backend's choice
            kern_->attention(cs, at);
            if (L.attn_sub_norm)
                kern_->rms_norm(cs, o_.range(), dq, 0, n, dq, L.attn_sub_norm.range(), o_.range(), dq, eps);
            std::optional<ActFormat> oq;
            matmul(cs, L.wo, o_.range(), dq, 0, n, h_.range(), nullptr, oq);
            kern_->add(cs, x_.range(), h_.range(), x_.range(), n * d);

            // Feed-forward block.
            std::optional<ActFormat> fq;
            kern_->rms_norm(cs, x_.range(), d, 0, n, d, L.ffn_norm.range(), h_.range(), d, eps);
            matmul(cs, L.gate, h_.range(), d, 0, n, gate_.range(), nullptr, fq);
            matmul(cs, L.up, h_.range(), d, 0, n, up_.range(), nullptr, fq);
            kern_->glu(cs, gate_.range(), up_.range(), gate_.range(), n * ff, relu2);
            if (L.ffn_sub_norm)
                kern_->rms_norm(cs, gate_.range(), ff, 0, n, ff, L.ffn_sub_norm.range(), gate_.range(), ff,
                                eps);
            std::optional<ActFormat> gq;
            matmul(cs, L.down, gate_.range(), ff, 0, n, h_.range(), nullptr, gq);
            kern_->add(cs, x_.range(), h_.range(), x_.range(), n * d);
        }

        const GpuMatrix& out_w = output_ ? *output_ : embd_;
        const size_t row_bytes = static_cast<size_t>(hp_.n_vocab) * 4;
        int64_t done = 0;
        // Usually one group (all wanted rows fit the logits buffer): one submission per batch.
        do {
            const int64_t rows = std::min<int64_t>(logit_rows_, n_out - done);
            if (rows > 0) {
                const uint32_t row0 = static_cast<uint32_t>(n - n_out + done);
                std::optional<ActFormat> lq;
                kern_->rms_norm(cs, x_.range(), d, row0, static_cast<uint32_t>(rows), d, output_norm_.range(),
                                h_.range(), d, eps);
                matmul(cs, out_w, h_.range(), d, 0, static_cast<uint32_t>(rows), logits_.range(), nullptr,
                       lq);
                cs.copy(logits_.range(), readback_.range(), static_cast<size_t>(rows) * row_bytes);
            }
            cs.submit_and_wait();
            if (rows > 0)
                std::memcpy(logits + done * hp_.n_vocab, readback_.mapped(),
                            static_cast<size_t>(rows) * row_bytes);
            done += std::max<int64_t>(rows, 0);
            if (done < n_out) cs.begin(profiler_.get());
        } while (done < n_out);
        n_past_ += static_cast<int>(n);
    }

    const Model& model_;
    const HParams& hp_;
    int n_ctx_ = 0, n_batch_ = 0, n_past_ = 0;
    bool lost_ = false;
    std::unique_ptr<Context> ctx_;  // first member with GPU objects: destroyed last
    std::unique_ptr<Kernels> kern_;
    std::unique_ptr<CommandStream> stream_;
    std::unique_ptr<Profiler> profiler_;
    GpuMatrix embd_;
    std::optional<GpuMatrix> output_;  // absent when tied to token_embd
    GpuVector output_norm_;
    GpuVector rope_table_;
    std::vector<GpuLayer> layers_;
    Allocation x_, h_, q_, k_, v_, o_, gate_, up_, act_qs_, act_d_, tokens_, logits_, readback_;
    QuantizedActs qa_;
    int64_t logit_rows_ = 1;
    size_t weight_bytes_ = 0, kv_bytes_ = 0, scratch_bytes_ = 0;
};

}  // namespace
}  // namespace vulkan

std::unique_ptr<Runner> make_vulkan_runner(const Model& model, const RunnerOptions& options) {
    return std::make_unique<vulkan::VulkanRunner>(model, options);
}

}  // namespace lowbit
