#pragma once
// A Hugging Face model folder's config.json: which of our architectures it is, its
// hyper-parameters as GGUF metadata (the keys llama.cpp's convert_hf_to_gguf.py writes), and the
// mapping of its tensor names to GGUF names.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "lowbit/gguf.h"

namespace lowbit::conv {

using Metadata = std::vector<std::pair<std::string, GgufValue>>;

struct RopeScaling {
    std::string type;  // "" (none), "linear", "yarn", "llama3"
    double factor = 1.0;
    int64_t original_context = 0;
    double low_freq_factor = 1.0, high_freq_factor = 4.0;  // llama3
    std::optional<double> yarn_ext_factor, yarn_attn_factor, yarn_beta_fast, yarn_beta_slow;
};

struct HfConfig {
    std::string dir;
    std::string hf_arch;    // e.g. "LlamaForCausalLM"
    std::string gguf_arch;  // "llama", "qwen2", "bitnet" or "bitnet-b1.58"
    // The linear layers were trained ternary (BitNet b1.58): the converter applies the model's
    // own absmean weight quantization to them, as the model does in its forward pass.
    bool bitnet = false;
    // HF stores LLaMA's Q/K rows for the NeoX ("rotate half") RoPE; GGUF's llama graph uses the
    // interleaved layout, so those rows are permuted back (llama.cpp's LlamaModel.permute).
    bool permute_qk = false;
    bool qkv_bias = false;  // qwen2

    int64_t vocab_size = 0;  // 0 when config.json does not say
    int64_t n_embd = 0, n_layer = 0, n_ff = 0, n_head = 0, n_head_kv = 0;
    int64_t head_dim = 0;  // per head; hidden_size / heads unless config.json has head_dim
    bool explicit_head_dim = false;
    int64_t n_ctx = 0;
    std::optional<double> rms_eps, rope_theta;
    std::string hidden_act;
    std::optional<bool> tie_word_embeddings;
    RopeScaling rope;
    std::optional<int64_t> bos_id, eos_id, pad_id, unk_id;  // *_token_id when they are single integers
    std::string name;                                       // for general.name
    std::vector<std::string> warnings;
};

// Reads and checks <dir>/config.json. Throws lowbit::Error (missing file), FormatError (bad
// JSON, missing or absurd numbers) or UnsupportedError (architecture, RoPE scaling).
HfConfig read_hf_config(const std::string& dir);

// general.* and <arch>.* keys.
void add_hparams(Metadata& kv, const HfConfig& cfg);

// The GGUF name of a checkpoint tensor, or nullopt for tensors a converter drops (rotary
// inv_freq buffers). Throws UnsupportedError for a tensor the architecture does not have.
std::optional<std::string> gguf_tensor_name(const std::string& hf_name, const HfConfig& cfg);

// The checkpoint name a GGUF tensor comes from (for messages about missing tensors).
std::string hf_tensor_name_hint(const std::string& gguf_name, const HfConfig& cfg);

// True for the GGUF names of the linear layers BitNet ternarizes (attention and FFN weights).
bool is_bitnet_linear(const std::string& gguf_name);

// Every tensor the architecture needs, with its GGUF shape (ne[0] = row length).
std::vector<std::pair<std::string, std::vector<int64_t>>> expected_tensors(const HfConfig& cfg,
                                                                           int64_t n_vocab, bool with_output);

// llama.cpp's rope_freqs.weight for "llama3" RoPE scaling: one divisor per rotated pair.
std::vector<float> llama3_rope_factors(const HfConfig& cfg);

}  // namespace lowbit::conv
