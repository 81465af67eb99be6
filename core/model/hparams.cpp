// Hyper-parameters from GGUF metadata ("<arch>.embedding_length", ...), validated so the
// forward pass can trust them.
#include <cmath>

#include "lowbit/error.h"
#include "model/model_loader.h"

namespace lowbit {

const char* arch_name(Arch a) {
    switch (a) {
        case Arch::Llama: return "llama";
        case Arch::Qwen2: return "qwen2";
        case Arch::Bitnet: return "bitnet";
        case Arch::Bitnet158: return "bitnet-b1.58";
    }
    return "unknown";
}

namespace {

struct KeyReader {
    const GgufFile& f;
    const std::string& arch;

    [[noreturn]] void fail(const std::string& what) const {
        throw FormatError("'" + f.path() + "': " + what);
    }
    int64_t require_int(const char* suffix) const {
        const std::string key = arch + "." + suffix;
        auto v = f.get_int(key);
        if (!v) fail("metadata '" + key + "' is missing");
        return *v;
    }
    int64_t int_or(const char* suffix, int64_t fallback) const {
        auto v = f.get_int(arch + "." + suffix);
        return v ? *v : fallback;
    }
    double number_or(const char* suffix, double fallback) const {
        auto v = f.get_number(arch + "." + suffix);
        return v ? *v : fallback;
    }
    void check_range(const char* suffix, int64_t v, int64_t lo, int64_t hi) const {
        if (v < lo || v > hi)
            fail("metadata '" + arch + "." + suffix + "' = " + std::to_string(v) + " is out of range [" +
                 std::to_string(lo) + ", " + std::to_string(hi) + "]");
    }
};

}  // namespace

HParams read_hparams(const GgufFile& f) {
    HParams hp;
    auto arch = f.get_string("general.architecture");
    if (!arch) throw FormatError("'" + f.path() + "': metadata 'general.architecture' is missing");
    hp.arch_key = *arch;
    if (*arch == "llama") {
        hp.arch = Arch::Llama;
    } else if (*arch == "qwen2") {
        hp.arch = Arch::Qwen2;
    } else if (*arch == "bitnet") {
        hp.arch = Arch::Bitnet;
    } else if (*arch == "bitnet-b1.58" || *arch == "bitnet-25") {
        hp.arch = Arch::Bitnet158;
    } else {
        throw UnsupportedError("'" + f.path() + "': architecture '" + *arch +
                               "' is not supported (supported: llama, qwen2, bitnet, bitnet-b1.58)");
    }
    const KeyReader k{f, hp.arch_key};
    constexpr int64_t kBig = int64_t(1) << 24;
    hp.n_embd = k.require_int("embedding_length");
    k.check_range("embedding_length", hp.n_embd, 1, kBig);
    hp.n_layer = k.require_int("block_count");
    k.check_range("block_count", hp.n_layer, 1, 4096);
    hp.n_ff = k.require_int("feed_forward_length");
    k.check_range("feed_forward_length", hp.n_ff, 1, kBig);
    hp.n_head = k.require_int("attention.head_count");
    k.check_range("attention.head_count", hp.n_head, 1, 4096);
    hp.n_head_kv = k.int_or("attention.head_count_kv", hp.n_head);
    k.check_range("attention.head_count_kv", hp.n_head_kv, 1, hp.n_head);
    if (hp.n_head % hp.n_head_kv != 0)
        k.fail("head_count " + std::to_string(hp.n_head) + " is not a multiple of head_count_kv " +
               std::to_string(hp.n_head_kv));
    hp.n_ctx_train = k.int_or("context_length", 2048);
    k.check_range("context_length", hp.n_ctx_train, 1, int64_t(1) << 30);
    const int64_t default_head_dim = hp.n_embd / hp.n_head;
    hp.head_dim = k.int_or("attention.key_length", default_head_dim);
    k.check_range("attention.key_length", hp.head_dim, 1, 4096);
    if (k.int_or("attention.value_length", hp.head_dim) != hp.head_dim)
        throw UnsupportedError("'" + f.path() + "': different key and value head sizes are not supported");
    if (hp.head_dim % 2 != 0) k.fail("attention head size " + std::to_string(hp.head_dim) + " is odd");
    hp.n_rot = k.int_or("rope.dimension_count", hp.head_dim);
    k.check_range("rope.dimension_count", hp.n_rot, 0, hp.head_dim);
    if (hp.n_rot % 2 != 0) k.fail("rope.dimension_count is odd");
    hp.norm_eps = static_cast<float>(k.number_or("attention.layer_norm_rms_epsilon", 1e-5));
    if (!(hp.norm_eps > 0.0f) || hp.norm_eps > 1.0f) k.fail("attention.layer_norm_rms_epsilon is out of range");
    hp.rope_freq_base = static_cast<float>(k.number_or("rope.freq_base", 10000.0));
    if (!(hp.rope_freq_base > 0.0f) || !std::isfinite(hp.rope_freq_base)) k.fail("rope.freq_base is out of range");

    // RoPE scaling: linear is supported; "none" or absent means no scaling.
    if (auto type = f.get_string(hp.arch_key + ".rope.scaling.type")) {
        if (*type == "linear") {
            const double factor = k.number_or("rope.scaling.factor", 1.0);
            if (!(factor > 0.0)) k.fail("rope.scaling.factor must be positive");
            hp.rope_freq_scale = static_cast<float>(1.0 / factor);
        } else if (*type != "none") {
            throw UnsupportedError("'" + f.path() + "': RoPE scaling '" + *type + "' is not supported");
        }
    } else if (auto factor = f.get_number(hp.arch_key + ".rope.scale_linear")) {
        if (!(*factor > 0.0)) k.fail("rope.scale_linear must be positive");
        hp.rope_freq_scale = static_cast<float>(1.0 / *factor);
    }

    switch (hp.arch) {
        case Arch::Llama: hp.rope_type = RopeType::Normal; break;
        case Arch::Qwen2:
            hp.rope_type = RopeType::NeoX;
            hp.has_qkv_bias = true;
            break;
        case Arch::Bitnet:
            hp.rope_type = RopeType::NeoX;
            hp.has_sub_norms = true;
            hp.quantize_activations = true;
            break;
        case Arch::Bitnet158:
            hp.rope_type = RopeType::NeoX;
            hp.has_sub_norms = true;
            hp.ffn_act = FfnActivation::ReLU2;
            hp.quantize_activations = true;
            break;
    }
    return hp;
}

}  // namespace lowbit
