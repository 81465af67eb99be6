#pragma once
// The vocabulary as llama.cpp reads it from tokenizer.ggml.*: token texts, scores, attributes,
// special ids and the flags that steer tokenization. Loading validates everything tokenization
// relies on, so a damaged file gives a lowbit::FormatError instead of a crash later.
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "lowbit/tokenizer.h"

namespace lowbit {
class GgufFile;
}

namespace lowbit::tok {

struct TokenData {
    std::string text;
    float score = 0.0f;
    uint32_t flags = token_flag::kNormal;  // token_flag bits (llama.cpp's llama_token_attr)
    TokenAttr type = TokenAttr::Normal;    // as written in tokenizer.ggml.token_type
};

struct Vocab {
    TokenizerKind kind = TokenizerKind::Llama;
    std::string model;  // tokenizer.ggml.model
    std::string pre = "default";

    std::vector<TokenData> tokens;
    // Filled in id order like llama.cpp's map, so iterating it visits tokens in the same order
    // (it decides which of several end-of-turn texts becomes the EOT id).
    std::unordered_map<std::string, int32_t> ids;

    int32_t bos = -1, eos = -1, eot = -1, eom = -1, unk = -1, pad = -1, sep = -1;
    int32_t fim_pre = -1, fim_suf = -1, fim_mid = -1, fim_pad = -1, fim_rep = -1, fim_sep = -1;
    bool add_bos = false, add_eos = false;
    bool add_space_prefix = false;  // SentencePiece's dummy prefix
    bool ignore_merges = false;     // a word that is a token is not merged (LLaMA 3)
    bool clean_spaces = false;      // detokenize() removes spaces before punctuation
    std::vector<int32_t> eog;       // sorted
    // Control, user-defined and unknown tokens, longest text first: the order in which their
    // texts are cut out of the input.
    std::vector<int32_t> special_by_length;
    std::vector<std::string> pieces;  // token_to_piece(id, special = true)

    int32_t find(std::string_view text) const {
        auto it = ids.find(std::string(text));
        return it == ids.end() ? -1 : it->second;
    }
    int32_t n() const { return static_cast<int32_t>(tokens.size()); }
};

// Reads and checks the vocabulary; the per-kind parts (merges) are read by the tokenizers.
Vocab load_vocab(const GgufFile& file);

}  // namespace lowbit::tok
