#pragma once
// Readers for tokenizer test vectors: llama.cpp's .inp/.out pairs and this suite's .tsv files.
#include <cstdint>
#include <string>
#include <vector>

namespace lowbit::test {

struct TokenizerVector {
    std::string text;
    std::vector<int32_t> ids;
    bool add_special = false;
    bool parse_special = false;
    int line = 0;  // 1-based position in the file, for messages
};

// llama.cpp's tests/test-tokenizer-0 format: the .inp file holds the strings separated by
// "\n__ggml_vocab_test__\n" (the separator's newlines are not part of the strings; the file ends
// with one), the .out file one line of space-separated ids per string, without BOS. llama.cpp
// tokenizes them with add_special = false and parse_special = false.
std::vector<TokenizerVector> read_ggml_vocab_test(const std::string& inp_path, const std::string& out_path);

// This suite's extra vectors: one per line, "ADD PARSE<TAB>TEXT<TAB>[id, id, ...]" where ADD and
// PARSE are 0/1 and TEXT has "\\" for a backslash and "\xHH" for control characters and for
// bytes that are not valid UTF-8.
std::vector<TokenizerVector> read_tsv_vectors(const std::string& path);

std::string escape_for_display(const std::string& s);

}  // namespace lowbit::test
