#pragma once
// Byte-level BPE as llama.cpp runs it: within one pre-tokenized word (already mapped to GPT-2's
// byte characters), repeatedly merge the adjacent pair with the lowest merge rank (leftmost on
// ties). Merges are checked at load time to join two tokens into a token, so they work on ids.
#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tokenizer/vocab.h"

namespace lowbit {
class GgufFile;
}

namespace lowbit::tok {

class BpeMerges {
  public:
    // Reads tokenizer.ggml.merges; FormatError when absent or when a merge is malformed or joins
    // texts that are not tokens.
    BpeMerges(const GgufFile& file, const Vocab& vocab);

    struct Merge {
        int32_t rank;
        int32_t result;
    };
    const Merge* find(int32_t left, int32_t right) const {
        auto it = merges_.find(key(left, right));
        return it == merges_.end() ? nullptr : &it->second;
    }
    size_t size() const { return merges_.size(); }

  private:
    static uint64_t key(int32_t l, int32_t r) { return (uint64_t(uint32_t(l)) << 32) | uint32_t(r); }
    std::unordered_map<uint64_t, Merge> merges_;
};

// Tokenizes one byte-encoded word and appends the ids to `out`.
void bpe_tokenize_word(const Vocab& vocab, const BpeMerges& merges, std::string_view word,
                       std::vector<int32_t>& out);

}  // namespace lowbit::tok
