#pragma once
// Cuts the texts of special tokens out of the input before the model's tokenizer sees it, the
// way llama.cpp does (tokenizer_st_partition): tokens longest first, each occurrence left to
// right; lstrip/rstrip tokens swallow the whitespace before/after them.
#include <cstdint>
#include <string_view>
#include <vector>

#include "tokenizer/vocab.h"

namespace lowbit::tok {

struct Fragment {
    int32_t token = -1;  // >= 0: a special token; -1: text[offset, offset + length)
    size_t offset = 0;
    size_t length = 0;
};

std::vector<Fragment> split_special(const Vocab& vocab, std::string_view text, bool parse_special);

}  // namespace lowbit::tok
