#pragma once
// Builds Hugging Face model folders for the converter tests from the shared GGUF models: the
// inverse of what the converter does (GGUF names -> HF names, ne -> [out, in], Q/K rows put back in
// HF's NeoX order, tokenizer.json / tokenizer.model / tokenizer_config.json from the GGUF
// vocabulary), so converting the folder back must reproduce the original file.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace lowbit {
class GgufFile;
}

namespace lowbit::test {

struct StTensor {
    std::string name;
    std::string dtype;  // "F32", "F16", "BF16", "U8", ...
    std::vector<int64_t> shape;
    std::string bytes;
};

// The bytes of a safetensors file (header padded to 8 bytes as the reference writer does).
std::string safetensors_bytes(const std::vector<StTensor>& tensors,
                              const std::map<std::string, std::string>& meta = {});
void write_file(const std::string& path, const std::string& bytes);
void write_safetensors(const std::string& path, const std::vector<StTensor>& tensors,
                       const std::map<std::string, std::string>& meta = {});

enum class TokenizerFiles { Json, Model, Both };

struct HfOptions {
    std::string hf_arch = "LlamaForCausalLM";  // or Qwen2ForCausalLM, BitnetForCausalLM, BitNetForCausalLM
    std::string hidden_act = "silu";
    int shards = 2;                // 1: model.safetensors, >1: model-0000i-of-0000n + index
    bool second_shard_f32 = true;  // F16 tensors of the later shards are written as F32 (exact)
    TokenizerFiles tokenizer = TokenizerFiles::Json;
    bool permute_qk = true;  // LlamaForCausalLM: store Q/K rows in HF's order
    bool tied = false;       // drop lm_head and say tie_word_embeddings
    // Empty: the GGUF's tokenizer.chat_template, or a small template when it has none.
    std::string chat_template;
    // Replaces every weight of the linear layers by this function of (tensor index, element) when set.
    float (*linear_override)(int64_t tensor, int64_t i) = nullptr;
};

// Writes config.json, tokenizer files and safetensors shards into `dir` (which must exist).
void make_hf_folder(const std::string& dir, const std::string& gguf_path, const HfOptions& o);

// A SentencePiece ModelProto (tokenizer.model) with the pieces of a GGUF "llama" vocabulary.
std::string sentencepiece_model_bytes(const GgufFile& f);

// GGUF row r of a permuted Q/K matrix comes from this HF row (llama.cpp's permute).
int64_t hf_row_of(int64_t gguf_row, int64_t rows, int64_t heads);

}  // namespace lowbit::test
