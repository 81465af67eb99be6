#pragma once
// SentencePiece BPE as llama.cpp runs it: start from UTF-8 characters, repeatedly merge the
// adjacent pair whose concatenation is the highest-scoring token (leftmost on ties), and write
// characters that never became a token as byte tokens (<0xXX>).
#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "tokenizer/vocab.h"

namespace lowbit::tok {

// byte_tokens[b]: the token for byte b ("<0xXX>", else the one-byte text), or -1.
std::array<int32_t, 256> spm_byte_tokens(const Vocab& vocab);

// Tokenizes `text` (spaces already escaped as U+2581) and appends the ids to `out`.
void spm_tokenize(const Vocab& vocab, const std::array<int32_t, 256>& byte_tokens, std::string_view text,
                  std::vector<int32_t>& out);

}  // namespace lowbit::tok
