#pragma once
// The tokenizer of a Hugging Face model folder as GGUF metadata (tokenizer.ggml.*), readable by
// our tokenizer and llama.cpp's:
//   - SentencePiece vocabularies (LLaMA 1/2, TinyLlama, 1bitLLM bitnet_b1_58): model "llama",
//     from tokenizer.model when present (exact scores and types, as llama.cpp prefers it), else
//     from a tokenizer.json of type BPE with byte_fallback. A tokenizer.json has no scores, so
//     they are derived from the merge list: a token made by the merge of rank r scores -r, which
//     keeps SentencePiece's priority order (HF wrote the merges sorted by the original scores).
//   - Byte-level BPE (LLaMA 3, Qwen2, SmolLM, GPT-2): model "gpt2" with merges; the
//     pre-tokenizer name ("llama-bpe", "qwen2", "smollm", "gpt-2") is chosen from the structure
//     and regex of tokenizer.json's pre_tokenizer instead of llama.cpp's hash of sample output.
// Special tokens and add_bos/add_eos follow gguf-py's SpecialVocab (tokenizer_config.json, the
// post-processor template, config.json ids); the chat template comes from tokenizer_config.json
// or chat_template.jinja / chat_template.json.
#include <cstdint>
#include <string>
#include <vector>

#include "convert/hf_config.h"

namespace lowbit::conv {

struct TokenizerMetadata {
    Metadata kv;
    int64_t n_tokens = 0;
    std::string summary;  // e.g. "byte-level BPE (pre-tokenizer qwen2), 151936 tokens"
    std::vector<std::string> warnings;
};

// n_vocab: rows of the token embedding; the vocabulary is padded to it with "[PADi]" tokens
// (as llama.cpp does) and a tokenizer with more tokens is an error.
TokenizerMetadata read_hf_tokenizer(const std::string& dir, const HfConfig& cfg, int64_t n_vocab);

// The tokenizer.ggml.pre name for a tokenizer.json pre_tokenizer (JSON text), or "" when unknown.
std::string classify_pre_tokenizer(const std::string& pre_tokenizer_json);

}  // namespace lowbit::conv
