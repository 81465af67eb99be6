#include "lowbit/dummy_model.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <cmath>
#include <random>

#include "lowbit/error.h"
#include "lowbit/fp16.h"
#include "lowbit/gguf.h"
#include "lowbit/quant.h"
#include "lowbit/system_info.h"

namespace lowbit {

const std::vector<DummyShape>& dummy_shapes() {
    // Shapes of published models; FFN sizes are kept multiples of 256 so every block type
    // (k-quants, TQ) can store them.
    static const std::vector<DummyShape> kShapes = {
        {"125m", "GPT-3 small-like: 768 x 12 layers", 32000, 768, 12, 12, 12, 2048},
        {"700m", "bitnet_b1_58-large: 1536 x 24 layers, FFN 4096", 32000, 1536, 24, 12, 12, 4096},
        {"1.3b", "bitnet_b1_58-xl-like: 2048 x 24 layers, FFN 5632", 32000, 2048, 24, 16, 16, 5632},
        {"2b4t", "BitNet b1.58 2B4T: 2560 x 30 layers, GQA 20/5, FFN 6912, vocab 128256", 128256, 2560, 30, 20, 5,
         6912},
        {"3b", "3B llama: 3072 x 26 layers, FFN 8192", 32000, 3072, 26, 24, 24, 8192},
        {"7b", "LLaMA 7B: 4096 x 32 layers, FFN 11008", 32000, 4096, 32, 32, 32, 11008},
        {"tiny", "test model: 256 x 2 layers, GQA 4/2", 2048, 256, 2, 4, 2, 768},
        {"tiny-bitnet", "test model, bitnet graph (sub-norms, tied output)", 2048, 256, 2, 4, 2, 768, "bitnet"},
        {"tiny-bitnet-b1.58", "test model, BitNet b1.58 2B4T graph (squared ReLU)", 2048, 256, 2, 4, 2, 768,
         "bitnet-b1.58"},
    };
    return kShapes;
}

std::optional<DummyShape> find_dummy_shape(const std::string& name) {
    for (const auto& s : dummy_shapes()) {
        if (s.name == name) return s;
    }
    return std::nullopt;
}

namespace {

struct TensorPlan {
    std::string name;
    TensorType type;
    std::vector<int64_t> ne;
};

bool is_bitnet(const DummyShape& s) { return s.arch.rfind("bitnet", 0) == 0; }

std::vector<TensorPlan> plan(const DummyShape& s, const DummyOptions& o) {
    const int64_t head_dim = s.n_embd / s.n_head, n_kv = s.n_head_kv * head_dim;
    std::vector<TensorPlan> t;
    t.push_back({"token_embd.weight", o.embd_type, {s.n_embd, s.n_vocab}});
    for (int64_t l = 0; l < s.n_layer; ++l) {
        const std::string p = "blk." + std::to_string(l) + ".";
        t.push_back({p + "attn_norm.weight", TensorType::F32, {s.n_embd}});
        t.push_back({p + "attn_q.weight", o.type, {s.n_embd, s.n_embd}});
        t.push_back({p + "attn_k.weight", o.type, {s.n_embd, n_kv}});
        t.push_back({p + "attn_v.weight", o.type, {s.n_embd, n_kv}});
        t.push_back({p + "attn_output.weight", o.type, {s.n_embd, s.n_embd}});
        if (is_bitnet(s)) t.push_back({p + "attn_sub_norm.weight", TensorType::F32, {s.n_embd}});
        t.push_back({p + "ffn_norm.weight", TensorType::F32, {s.n_embd}});
        t.push_back({p + "ffn_gate.weight", o.type, {s.n_embd, s.n_ff}});
        t.push_back({p + "ffn_up.weight", o.type, {s.n_embd, s.n_ff}});
        t.push_back({p + "ffn_down.weight", o.type, {s.n_ff, s.n_embd}});
        if (is_bitnet(s)) t.push_back({p + "ffn_sub_norm.weight", TensorType::F32, {s.n_ff}});
    }
    t.push_back({"output_norm.weight", TensorType::F32, {s.n_embd}});
    // llama.cpp's "bitnet" graph multiplies with token_embd (tied output); the others have one.
    if (s.arch != "bitnet") t.push_back({"output.weight", o.output_type, {s.n_embd, s.n_vocab}});
    for (const auto& p : t) {
        const TypeTraits& tt = type_traits(p.type);
        if (p.ne[0] % tt.block_size != 0)
            throw Error("dummy model: " + p.name + " has rows of " + std::to_string(p.ne[0]) +
                        " elements, not a multiple of the " + std::string(tt.name) + " block size");
    }
    return t;
}

void set_metadata(GgufWriter& w, const DummyShape& s) {
    const std::string& a = s.arch;
    w.set("general.architecture", GgufValue::make_string(a));
    w.set("general.name", GgufValue::make_string("lowbit-dummy-" + s.name));
    w.set(a + ".context_length", GgufValue::u32(4096));
    w.set(a + ".embedding_length", GgufValue::u32(static_cast<uint32_t>(s.n_embd)));
    w.set(a + ".block_count", GgufValue::u32(static_cast<uint32_t>(s.n_layer)));
    w.set(a + ".feed_forward_length", GgufValue::u32(static_cast<uint32_t>(s.n_ff)));
    w.set(a + ".attention.head_count", GgufValue::u32(static_cast<uint32_t>(s.n_head)));
    w.set(a + ".attention.head_count_kv", GgufValue::u32(static_cast<uint32_t>(s.n_head_kv)));
    w.set(a + ".attention.layer_norm_rms_epsilon", GgufValue::f32(1e-5f));
    w.set(a + ".rope.freq_base", GgufValue::f32(10000.0f));
    // A valid SentencePiece vocabulary: control tokens, the 256 byte tokens, then fillers.
    std::vector<std::string> tokens;
    std::vector<double> scores;
    std::vector<int64_t> types;
    tokens = {"<unk>", "<s>", "</s>"};
    types = {2, 3, 3};
    char buf[16];
    for (int b = 0; b < 256; ++b) {
        std::snprintf(buf, sizeof buf, "<0x%02X>", b);
        tokens.push_back(buf);
        types.push_back(6);
    }
    while (static_cast<int64_t>(tokens.size()) < s.n_vocab) {
        tokens.push_back("\xe2\x96\x81t" + std::to_string(tokens.size()));
        types.push_back(1);
    }
    scores.assign(tokens.size(), 0.0);
    w.set("tokenizer.ggml.model", GgufValue::make_string("llama"));
    w.set("tokenizer.ggml.tokens", GgufValue::make_string_array(std::move(tokens)));
    w.set("tokenizer.ggml.scores", GgufValue::make_float_array(GgufType::FLOAT32, std::move(scores)));
    w.set("tokenizer.ggml.token_type", GgufValue::make_int_array(GgufType::INT32, std::move(types)));
    w.set("tokenizer.ggml.bos_token_id", GgufValue::u32(1));
    w.set("tokenizer.ggml.eos_token_id", GgufValue::u32(2));
    w.set("tokenizer.ggml.unknown_token_id", GgufValue::u32(0));
}

// Streams random tensors: a pool of random rows is quantized once per type and shape, and the
// tensors are filled with randomly chosen pool rows, so building a 7B model costs memory
// bandwidth, not quantization time.
void write_model(GgufWriter& w, const DummyShape& s, const DummyOptions& o) {
    const auto tensors = plan(s, o);
    set_metadata(w, s);
    for (const auto& t : tensors) w.add_tensor(t.name, t.type, t.ne);
    w.begin();
    // std::normal_distribution differs between standard libraries; this one is the same everywhere.
    std::mt19937 rng(o.seed);
    auto uniform01 = [&] { return (static_cast<double>(rng()) + 0.5) / 4294967296.0; };
    auto normal = [&](std::mt19937&) {
        const double u1 = uniform01(), u2 = uniform01();
        return static_cast<float>(0.02 * std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2));
    };
    constexpr int64_t kPoolRows = 64;
    for (const auto& t : tensors) {
        const int64_t ne0 = t.ne[0];
        const int64_t rows = t.ne.size() > 1 ? t.ne[1] : 1;
        if (t.type == TensorType::F32 && rows == 1) {  // norm weights: near 1
            std::vector<float> v(static_cast<size_t>(ne0));
            for (auto& x : v) x = 1.0f + normal(rng);
            w.write_data(v.data(), v.size() * sizeof(float));
            continue;
        }
        const int64_t pool_rows = std::min(kPoolRows, rows);
        std::vector<float> src(static_cast<size_t>(ne0 * pool_rows));
        for (auto& x : src) x = normal(rng);
        std::vector<uint8_t> pool(tensor_bytes(t.type, ne0, ne0 * pool_rows));
        if (t.type == TensorType::F32) {
            std::memcpy(pool.data(), src.data(), pool.size());
        } else if (t.type == TensorType::F16) {
            auto* h = reinterpret_cast<uint16_t*>(pool.data());
            for (size_t i = 0; i < src.size(); ++i) h[i] = fp32_to_fp16(src[i]);
        } else {
            quant::quantize_tensor(t.type, src.data(), pool.data(), ne0, pool_rows);
        }
        if (t.type == TensorType::I2_S) {
            // Codes of whole rows repeat freely; the tensor's single scale goes after all codes.
            const size_t rb = static_cast<size_t>(ne0 / 4);
            for (int64_t r = 0; r < rows; ++r) w.write_data(pool.data() + (rng() % pool_rows) * rb, rb);
            w.write_data(pool.data() + rb * static_cast<size_t>(pool_rows), 32);
            continue;
        }
        const size_t rb = row_bytes(t.type, ne0);
        for (int64_t r = 0; r < rows; ++r) w.write_data(pool.data() + (rng() % pool_rows) * rb, rb);
    }
    w.commit();
}

}  // namespace

size_t dummy_model_bytes(const DummyShape& shape, const DummyOptions& options) {
    size_t n = 0;
    for (const auto& t : plan(shape, options)) {
        int64_t elems = 1;
        for (int64_t d : t.ne) elems *= d;
        n += tensor_bytes(t.type, t.ne[0], elems);
    }
    return n;
}

std::unique_ptr<DummyModel> DummyModel::create(const DummyShape& shape, const DummyOptions& options) {
    const size_t bytes = dummy_model_bytes(shape, options);
    const size_t avail = available_memory_bytes();
    if (avail > 0 && bytes + bytes / 8 > avail)
        throw Error("the " + shape.name + " model in " + std::string(type_name(options.type)) + " needs " +
                    std::to_string(bytes >> 20) + " MiB but only " + std::to_string(avail >> 20) +
                    " MiB of memory are available; choose a smaller shape or type");
    std::unique_ptr<DummyModel> d(new DummyModel());
    d->fd_ = ::memfd_create("lowbit-dummy-model", MFD_CLOEXEC);
    if (d->fd_ < 0) throw Error(std::string("cannot create an in-memory file: ") + std::strerror(errno));
    const int dup_fd = ::dup(d->fd_);
    std::FILE* stream = dup_fd >= 0 ? ::fdopen(dup_fd, "wb") : nullptr;
    if (!stream) throw Error(std::string("cannot open the in-memory file: ") + std::strerror(errno));
    try {
        GgufWriter w(stream);
        write_model(w, shape, options);
    } catch (...) {
        std::fclose(stream);
        throw;
    }
    std::fclose(stream);
    d->model_ = Model::load("/proc/self/fd/" + std::to_string(d->fd_));
    return d;
}

void DummyModel::write(const std::string& path, const DummyShape& shape, const DummyOptions& options) {
    GgufWriter w(path);
    write_model(w, shape, options);
}

DummyModel::~DummyModel() {
    model_.reset();
    if (fd_ >= 0) ::close(fd_);
}

}  // namespace lowbit
