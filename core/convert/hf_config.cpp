// config.json -> architecture, GGUF hyper-parameter keys, tensor names. The keys and their
// meaning follow llama.cpp's convert_hf_to_gguf.py (TextModel.set_gguf_parameters and the
// llama / qwen2 / bitnet model classes), read as facts; the code is ours.
#include "convert/hf_config.h"

#include <charconv>
#include <cmath>
#include <filesystem>
#include <numbers>

#include "convert/json_file.h"
#include "lowbit/error.h"

namespace lowbit::conv {

namespace {

const char* const kSupported =
    "LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM, BitnetForCausalLM, BitNetForCausalLM";

int64_t require_int(const nlohmann::json& j, const char* key, const std::string& file, int64_t lo,
                    int64_t hi) {
    auto v = json_int(j, key, file);
    if (!v) throw FormatError("'" + file + "': '" + key + "' is missing");
    if (*v < lo || *v > hi)
        throw FormatError("'" + file + "': '" + key + "' = " + std::to_string(*v) + " is out of range [" +
                          std::to_string(lo) + ", " + std::to_string(hi) + "]");
    return *v;
}

std::optional<int64_t> single_id(const nlohmann::json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_number_integer()) return std::nullopt;  // absent, null or a list
    const int64_t v = it->get<int64_t>();
    return v >= 0 ? std::optional<int64_t>(v) : std::nullopt;
}

void read_rope_scaling(HfConfig& c, const nlohmann::json& j, const std::string& file) {
    auto it = j.find("rope_scaling");
    if (it == j.end()) it = j.find("rope_parameters");
    if (it == j.end() || it->is_null()) return;
    if (!it->is_object()) throw FormatError("'" + file + "': rope_scaling is not an object");
    const nlohmann::json& r = *it;
    std::string type = json_string(r, "rope_type").value_or(json_string(r, "type").value_or(""));
    for (char& ch : type) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    const std::optional<double> factor = json_number(r, "factor", file);
    if (type.empty() || type == "default" || type == "none") return;
    if (type == "dynamic") {
        // Dynamic NTK scaling only changes RoPE beyond the trained context; llama.cpp ignores it too.
        c.warnings.push_back(
            "RoPE scaling 'dynamic' is not written (it only acts beyond the trained context)");
        return;
    }
    if (type == "linear") {
        if (!factor || !(*factor > 0.0))
            throw FormatError("'" + file + "': linear rope_scaling needs a positive factor");
        c.rope.type = "linear";
        c.rope.factor = *factor;
        return;
    }
    if (type == "llama3") {
        c.rope.type = "llama3";
        c.rope.factor = factor.value_or(8.0);
        c.rope.low_freq_factor = json_number(r, "low_freq_factor", file).value_or(1.0);
        c.rope.high_freq_factor = json_number(r, "high_freq_factor", file).value_or(4.0);
        c.rope.original_context = json_int(r, "original_max_position_embeddings", file).value_or(8192);
        if (!(c.rope.factor > 0.0) || !(c.rope.low_freq_factor > 0.0) ||
            !(c.rope.high_freq_factor > c.rope.low_freq_factor) || c.rope.original_context <= 0)
            throw FormatError("'" + file + "': llama3 rope_scaling has inconsistent factors");
        return;
    }
    if (type == "yarn") {
        if (!factor || !(*factor > 0.0))
            throw FormatError("'" + file + "': yarn rope_scaling needs a positive factor");
        c.rope.type = "yarn";
        c.rope.factor = *factor;
        c.rope.original_context = json_int(r, "original_max_position_embeddings", file).value_or(0);
        c.rope.yarn_ext_factor = json_number(r, "extrapolation_factor", file);
        c.rope.yarn_attn_factor = json_number(r, "attention_factor", file);
        if (!c.rope.yarn_attn_factor) c.rope.yarn_attn_factor = json_number(r, "attn_factor", file);
        c.rope.yarn_beta_fast = json_number(r, "beta_fast", file);
        c.rope.yarn_beta_slow = json_number(r, "beta_slow", file);
        c.warnings.push_back(
            "RoPE scaling 'yarn' is written as llama.cpp does, but the lowbit engine does not run "
            "YaRN yet (the file will load in llama.cpp)");
        return;
    }
    throw UnsupportedError("'" + file + "': RoPE scaling '" + type +
                           "' is not supported (supported: linear, llama3, yarn, dynamic)");
}

}  // namespace

HfConfig read_hf_config(const std::string& dir) {
    namespace fs = std::filesystem;
    HfConfig c;
    c.dir = dir;
    const std::string file = (fs::path(dir) / "config.json").string();
    auto parsed = read_json_file(file, 16u << 20);
    if (!parsed)
        throw Error("'" + dir +
                    "' has no config.json: a Hugging Face model folder needs config.json, tokenizer.json "
                    "and *.safetensors");
    const nlohmann::json& j = *parsed;
    if (!j.is_object()) throw FormatError("'" + file + "' is not a JSON object");

    std::string model_type = json_string(j, "model_type").value_or("");
    if (auto a = j.find("architectures"); a != j.end() && a->is_array() && !a->empty() && (*a)[0].is_string())
        c.hf_arch = (*a)[0].get<std::string>();
    if (c.hf_arch.empty()) {
        // Old configs only name the model type.
        if (model_type == "llama")
            c.hf_arch = "LlamaForCausalLM";
        else if (model_type == "qwen2")
            c.hf_arch = "Qwen2ForCausalLM";
        else if (model_type == "bitnet")
            c.hf_arch = "BitNetForCausalLM";
        else
            throw UnsupportedError("'" + file + "' names no architecture (supported: " + kSupported + ")");
    }

    c.n_embd = require_int(j, "hidden_size", file, 1, int64_t(1) << 20);
    c.n_layer = require_int(j, "num_hidden_layers", file, 1, 4096);
    c.n_ff = require_int(j, "intermediate_size", file, 1, int64_t(1) << 22);
    c.n_head = require_int(j, "num_attention_heads", file, 1, 4096);
    c.n_head_kv = json_int(j, "num_key_value_heads", file).value_or(c.n_head);
    if (c.n_head_kv < 1 || c.n_head_kv > c.n_head || c.n_head % c.n_head_kv != 0)
        throw FormatError("'" + file + "': num_key_value_heads = " + std::to_string(c.n_head_kv) +
                          " does not divide num_attention_heads = " + std::to_string(c.n_head));
    if (auto hd = json_int(j, "head_dim", file)) {
        c.head_dim = *hd;
        c.explicit_head_dim = *hd != c.n_embd / c.n_head;
    } else {
        if (c.n_embd % c.n_head != 0)
            throw FormatError("'" + file + "': hidden_size is not a multiple of num_attention_heads");
        c.head_dim = c.n_embd / c.n_head;
    }
    if (c.head_dim < 2 || c.head_dim % 2 != 0 || c.head_dim > 4096)
        throw FormatError("'" + file + "': the attention head size " + std::to_string(c.head_dim) +
                          " is not usable");
    c.vocab_size = json_int(j, "vocab_size", file).value_or(0);
    if (c.vocab_size < 0 || c.vocab_size > (int64_t(1) << 24))
        throw FormatError("'" + file + "': vocab_size is out of range");
    c.n_ctx = json_int(j, "max_position_embeddings", file).value_or(0);
    c.rms_eps = json_number(j, "rms_norm_eps", file);
    if (c.rms_eps && !(*c.rms_eps > 0.0 && *c.rms_eps < 1.0))
        throw FormatError("'" + file + "': rms_norm_eps is out of range");
    c.rope_theta = json_number(j, "rope_theta", file);
    if (!c.rope_theta) {
        if (auto rp = j.find("rope_parameters"); rp != j.end() && rp->is_object())
            c.rope_theta = json_number(*rp, "rope_theta", file);
    }
    if (c.rope_theta && !(*c.rope_theta > 0.0))
        throw FormatError("'" + file + "': rope_theta must be positive");
    c.hidden_act =
        json_string(j, "hidden_act").value_or(json_string(j, "hidden_activation").value_or("silu"));
    c.tie_word_embeddings = json_bool(j, "tie_word_embeddings");
    c.bos_id = single_id(j, "bos_token_id");
    c.eos_id = single_id(j, "eos_token_id");
    c.pad_id = single_id(j, "pad_token_id");
    c.unk_id = single_id(j, "unk_token_id");
    read_rope_scaling(c, j, file);

    if (c.hf_arch == "LlamaForCausalLM" || c.hf_arch == "MistralForCausalLM") {
        c.gguf_arch = "llama";
        c.permute_qk = true;
        if (c.hidden_act != "silu")
            throw UnsupportedError("'" + file + "': " + c.hf_arch + " with hidden_act '" + c.hidden_act +
                                   "' is not supported (only silu)");
        if (json_bool(j, "attention_bias").value_or(false) || json_bool(j, "mlp_bias").value_or(false))
            throw UnsupportedError("'" + file +
                                   "': LLaMA models with attention or MLP biases are not supported");
        if (auto sw = json_int(j, "sliding_window", file); sw && *sw > 0 && c.n_ctx > *sw)
            c.warnings.push_back(
                "sliding_window " + std::to_string(*sw) +
                " is ignored: attention stays full over the context (as llama.cpp's llama graph)");
    } else if (c.hf_arch == "Qwen2ForCausalLM") {
        c.gguf_arch = "qwen2";
        c.qkv_bias = true;
        if (c.hidden_act != "silu")
            throw UnsupportedError("'" + file + "': Qwen2 with hidden_act '" + c.hidden_act +
                                   "' is not supported");
        if (json_bool(j, "use_sliding_window").value_or(false))
            c.warnings.push_back(
                "use_sliding_window is set; the converted model attends over the full context");
    } else if (c.hf_arch == "BitnetForCausalLM" || c.hf_arch == "BitNetForCausalLM") {
        c.bitnet = true;
        if (c.hidden_act == "relu2") {
            c.gguf_arch = "bitnet-b1.58";  // BitNet b1.58 2B4T: squared-ReLU GLU, LLaMA 3 tokenizer
        } else if (c.hidden_act == "silu") {
            c.gguf_arch = "bitnet";  // 1bitLLM bitnet_b1_58-* reproductions
        } else {
            throw UnsupportedError("'" + file + "': BitNet with hidden_act '" + c.hidden_act +
                                   "' is not supported (silu: bitnet_b1_58, relu2: BitNet b1.58 2B4T)");
        }
        if (auto q = j.find("quantization_config"); q != j.end() && q->is_object()) {
            // microsoft/bitnet-b1.58-2B-4T ships packed uint8 weights; its -bf16 sibling has the
            // master weights this converter reads. The dtype check on the tensors reports it too.
            if (json_string(*q, "quant_method").value_or("") == "bitnet")
                c.warnings.push_back(
                    "config.json declares BitNet packed weights; if the tensors are uint8, use the "
                    "'-bf16' repository (master weights) or the published GGUF instead");
        }
    } else {
        throw UnsupportedError("'" + file + "': architecture '" + c.hf_arch +
                               "' is not supported (supported: " + kSupported + ")");
    }
    if (c.rope.type == "llama3" && c.gguf_arch != "llama")
        throw UnsupportedError("'" + file + "': llama3 RoPE scaling is only supported for LLaMA models");

    c.name = fs::path(dir).filename().string();
    if (c.name.empty() || c.name == ".") c.name = fs::absolute(dir).parent_path().filename().string();
    return c;
}

void add_hparams(Metadata& kv, const HfConfig& c) {
    const std::string& a = c.gguf_arch;
    auto set = [&](const std::string& k, GgufValue v) { kv.emplace_back(k, std::move(v)); };
    set("general.architecture", GgufValue::make_string(a));
    set("general.name", GgufValue::make_string(c.name));
    if (c.n_ctx > 0) set(a + ".context_length", GgufValue::u32(static_cast<uint32_t>(c.n_ctx)));
    set(a + ".embedding_length", GgufValue::u32(static_cast<uint32_t>(c.n_embd)));
    set(a + ".block_count", GgufValue::u32(static_cast<uint32_t>(c.n_layer)));
    set(a + ".feed_forward_length", GgufValue::u32(static_cast<uint32_t>(c.n_ff)));
    set(a + ".attention.head_count", GgufValue::u32(static_cast<uint32_t>(c.n_head)));
    set(a + ".attention.head_count_kv", GgufValue::u32(static_cast<uint32_t>(c.n_head_kv)));
    if (c.rope_theta) set(a + ".rope.freq_base", GgufValue::f32(static_cast<float>(*c.rope_theta)));
    if (c.rms_eps)
        set(a + ".attention.layer_norm_rms_epsilon", GgufValue::f32(static_cast<float>(*c.rms_eps)));
    if (c.explicit_head_dim) {
        set(a + ".attention.key_length", GgufValue::u32(static_cast<uint32_t>(c.head_dim)));
        set(a + ".attention.value_length", GgufValue::u32(static_cast<uint32_t>(c.head_dim)));
    }
    if (a == "llama") {
        if (c.vocab_size > 0) set(a + ".vocab_size", GgufValue::u32(static_cast<uint32_t>(c.vocab_size)));
        set(a + ".rope.dimension_count", GgufValue::u32(static_cast<uint32_t>(c.head_dim)));
    }
    if (c.rope.type == "linear") {
        set(a + ".rope.scaling.type", GgufValue::make_string("linear"));
        set(a + ".rope.scaling.factor", GgufValue::f32(static_cast<float>(c.rope.factor)));
    } else if (c.rope.type == "yarn") {
        set(a + ".rope.scaling.type", GgufValue::make_string("yarn"));
        set(a + ".rope.scaling.factor", GgufValue::f32(static_cast<float>(c.rope.factor)));
        if (c.rope.original_context > 0)
            set(a + ".rope.scaling.original_context_length",
                GgufValue::u32(static_cast<uint32_t>(c.rope.original_context)));
        if (c.rope.yarn_ext_factor)
            set(a + ".rope.scaling.yarn_ext_factor",
                GgufValue::f32(static_cast<float>(*c.rope.yarn_ext_factor)));
        if (c.rope.yarn_attn_factor)
            set(a + ".rope.scaling.yarn_attn_factor",
                GgufValue::f32(static_cast<float>(*c.rope.yarn_attn_factor)));
        if (c.rope.yarn_beta_fast)
            set(a + ".rope.scaling.yarn_beta_fast",
                GgufValue::f32(static_cast<float>(*c.rope.yarn_beta_fast)));
        if (c.rope.yarn_beta_slow)
            set(a + ".rope.scaling.yarn_beta_slow",
                GgufValue::f32(static_cast<float>(*c.rope.yarn_beta_slow)));
    } else if (c.bitnet && c.rope.type.empty()) {
        // llama.cpp's BitNet converter writes an explicit linear scaling of 1.
        set(a + ".rope.scaling.type", GgufValue::make_string("linear"));
        set(a + ".rope.scaling.factor", GgufValue::f32(1.0f));
    }
}

namespace {

bool parse_layer(const std::string& s, size_t& pos, int64_t& layer) {
    const size_t dot = s.find('.', pos);
    if (dot == std::string::npos || dot == pos) return false;
    auto [p, ec] = std::from_chars(s.data() + pos, s.data() + dot, layer);
    if (ec != std::errc() || p != s.data() + dot) return false;
    pos = dot + 1;
    return true;
}

struct Entry {
    const char* hf;
    const char* gguf;
};
const Entry kCommon[] = {
    {"input_layernorm.weight", "attn_norm.weight"},    {"self_attn.q_proj.weight", "attn_q.weight"},
    {"self_attn.k_proj.weight", "attn_k.weight"},      {"self_attn.v_proj.weight", "attn_v.weight"},
    {"self_attn.o_proj.weight", "attn_output.weight"}, {"post_attention_layernorm.weight", "ffn_norm.weight"},
    {"mlp.gate_proj.weight", "ffn_gate.weight"},       {"mlp.up_proj.weight", "ffn_up.weight"},
    {"mlp.down_proj.weight", "ffn_down.weight"},
};
const Entry kBias[] = {
    {"self_attn.q_proj.bias", "attn_q.bias"},
    {"self_attn.k_proj.bias", "attn_k.bias"},
    {"self_attn.v_proj.bias", "attn_v.bias"},
};
const Entry kBitnet[] = {
    {"self_attn.inner_attn_ln.weight", "attn_sub_norm.weight"},  // 1bitLLM
    {"self_attn.attn_sub_norm.weight", "attn_sub_norm.weight"},  // BitNet b1.58 2B4T
    {"mlp.ffn_layernorm.weight", "ffn_sub_norm.weight"},         // 1bitLLM
    {"mlp.ffn_sub_norm.weight", "ffn_sub_norm.weight"},          // BitNet b1.58 2B4T
};

}  // namespace

std::optional<std::string> gguf_tensor_name(const std::string& hf, const HfConfig& c) {
    auto unexpected = [&]() -> std::optional<std::string> {
        throw UnsupportedError("tensor '" + hf + "' is not part of the " + c.gguf_arch +
                               " graph this converter knows (" + c.hf_arch + ")");
    };
    if (hf == "model.embed_tokens.weight") return std::string("token_embd.weight");
    if (hf == "model.norm.weight") return std::string("output_norm.weight");
    if (hf == "lm_head.weight") return std::string("output.weight");
    const std::string prefix = "model.layers.";
    if (hf.rfind(prefix, 0) != 0) return unexpected();
    size_t pos = prefix.size();
    int64_t layer = -1;
    if (!parse_layer(hf, pos, layer) || layer < 0) return unexpected();
    if (layer >= c.n_layer)
        throw FormatError("tensor '" + hf + "' belongs to layer " + std::to_string(layer) +
                          " but config.json has " + std::to_string(c.n_layer) + " layers");
    const std::string rest = hf.substr(pos);
    const std::string blk = "blk." + std::to_string(layer) + ".";
    for (const auto& e : kCommon)
        if (rest == e.hf) return blk + e.gguf;
    if (c.qkv_bias)
        for (const auto& e : kBias)
            if (rest == e.hf) return blk + e.gguf;
    if (c.bitnet)
        for (const auto& e : kBitnet)
            if (rest == e.hf) return blk + e.gguf;
    if (rest == "self_attn.rotary_emb.inv_freq") return std::nullopt;  // a buffer, recomputed by every engine
    return unexpected();
}

std::string hf_tensor_name_hint(const std::string& gguf, const HfConfig& c) {
    if (gguf == "token_embd.weight") return "model.embed_tokens.weight";
    if (gguf == "output_norm.weight") return "model.norm.weight";
    if (gguf == "output.weight") return "lm_head.weight";
    if (gguf.rfind("blk.", 0) != 0) return gguf;
    const size_t dot = gguf.find('.', 4);
    if (dot == std::string::npos) return gguf;
    const std::string rest = gguf.substr(dot + 1);
    const std::string layer = "model.layers." + gguf.substr(4, dot - 4) + ".";
    for (const auto& e : kCommon)
        if (rest == e.gguf) return layer + e.hf;
    for (const auto& e : kBias)
        if (rest == e.gguf) return layer + e.hf;
    const bool ms = c.hf_arch == "BitNetForCausalLM";  // microsoft's names, else 1bitLLM's
    for (const auto& e : kBitnet)
        if (rest == e.gguf && (std::string(e.hf).find("sub_norm") != std::string::npos) == ms)
            return layer + e.hf;
    return gguf;
}

bool is_bitnet_linear(const std::string& n) {
    if (n.rfind("blk.", 0) != 0) return false;
    for (const char* s : {".attn_q.weight", ".attn_k.weight", ".attn_v.weight", ".attn_output.weight",
                          ".ffn_gate.weight", ".ffn_up.weight", ".ffn_down.weight"}) {
        const std::string suffix(s);
        if (n.size() > suffix.size() && n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0)
            return true;
    }
    return false;
}

std::vector<std::pair<std::string, std::vector<int64_t>>> expected_tensors(const HfConfig& c, int64_t n_vocab,
                                                                           bool with_output) {
    std::vector<std::pair<std::string, std::vector<int64_t>>> t;
    const int64_t nq = c.n_head * c.head_dim, nkv = c.n_head_kv * c.head_dim;
    t.push_back({"token_embd.weight", {c.n_embd, n_vocab}});
    for (int64_t il = 0; il < c.n_layer; ++il) {
        const std::string p = "blk." + std::to_string(il) + ".";
        t.push_back({p + "attn_norm.weight", {c.n_embd}});
        t.push_back({p + "attn_q.weight", {c.n_embd, nq}});
        t.push_back({p + "attn_k.weight", {c.n_embd, nkv}});
        t.push_back({p + "attn_v.weight", {c.n_embd, nkv}});
        if (c.qkv_bias) {
            t.push_back({p + "attn_q.bias", {nq}});
            t.push_back({p + "attn_k.bias", {nkv}});
            t.push_back({p + "attn_v.bias", {nkv}});
        }
        t.push_back({p + "attn_output.weight", {nq, c.n_embd}});
        if (c.bitnet) t.push_back({p + "attn_sub_norm.weight", {c.n_embd}});
        t.push_back({p + "ffn_norm.weight", {c.n_embd}});
        t.push_back({p + "ffn_gate.weight", {c.n_embd, c.n_ff}});
        t.push_back({p + "ffn_up.weight", {c.n_embd, c.n_ff}});
        t.push_back({p + "ffn_down.weight", {c.n_ff, c.n_embd}});
        if (c.bitnet) t.push_back({p + "ffn_sub_norm.weight", {c.n_ff}});
    }
    t.push_back({"output_norm.weight", {c.n_embd}});
    if (with_output) t.push_back({"output.weight", {c.n_embd, n_vocab}});
    return t;
}

std::vector<float> llama3_rope_factors(const HfConfig& c) {
    // Per rotated pair i with frequency f_i = base^(-2i/d): wavelengths shorter than
    // original_context / high_freq_factor keep their frequency (factor 1), longer than
    // original_context / low_freq_factor are divided by `factor`, and the band between is
    // interpolated smoothly (Llama 3.1's scheme; llama.cpp stores the divisors).
    const double base = c.rope_theta.value_or(10000.0);
    const int64_t d = c.head_dim;
    const double lo_wavelen = static_cast<double>(c.rope.original_context) / c.rope.low_freq_factor;
    const double hi_wavelen = static_cast<double>(c.rope.original_context) / c.rope.high_freq_factor;
    std::vector<float> out;
    for (int64_t i = 0; i < d; i += 2) {
        // torch computes the frequency in float32: 1 / base ** (arange(0, d, 2) / d)
        const float expo = static_cast<float>(i) / static_cast<float>(d);
        const float freq = static_cast<float>(1.0 / std::pow(base, static_cast<double>(expo)));
        const double wavelen = 2.0 * std::numbers::pi / freq;
        double f;
        if (wavelen < hi_wavelen) {
            f = 1.0;
        } else if (wavelen > lo_wavelen) {
            f = c.rope.factor;
        } else {
            const double smooth =
                (static_cast<double>(c.rope.original_context) / wavelen - c.rope.low_freq_factor) /
                (c.rope.high_freq_factor - c.rope.low_freq_factor);
            f = 1.0 / ((1.0 - smooth) / c.rope.factor + smooth);
        }
        out.push_back(static_cast<float>(f));
    }
    return out;
}

}  // namespace lowbit::conv
