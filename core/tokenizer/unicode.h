#pragma once
// UTF-8 and Unicode helpers for the tokenizers. Decoding follows llama.cpp's rules on purpose
// (each byte that does not start a complete sequence becomes U+FFFD, overlong forms are kept),
// because byte-level BPE tokenizes the re-encoded code points and ids must match its ids.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lowbit::tok {

// Length of the UTF-8 sequence a lead byte announces (1 for continuation bytes and 0xF8..0xFF).
inline size_t utf8_sequence_length(uint8_t lead) {
    static constexpr uint8_t kLength[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
    return kLength[lead >> 4];
}

constexpr char32_t kReplacementChar = 0xFFFD;

// Code points of `text`; a byte that does not begin a complete sequence gives U+FFFD and decoding
// resumes at the next byte. Sequences above U+10FFFF (leads F5..F7) count as invalid.
std::vector<char32_t> decode_utf8_lenient(std::string_view text);
void append_utf8(std::string& out, char32_t cp);

// The general-category classes the pre-tokenizer regexes ask about (Unicode 15.1, as llama.cpp).
enum class UnicodeClass : uint8_t {
    Other = 0,
    Letter = 1,
    Number = 2,
    Punctuation = 3,
    Symbol = 4,
    Mark = 5
};
UnicodeClass unicode_class(char32_t cp);
bool unicode_is_whitespace(char32_t cp);  // the White_Space property

// GPT-2's reversible byte <-> printable code point mapping used by byte-level BPE vocabularies.
const std::string& byte_to_unicode_utf8(uint8_t byte);
int unicode_to_byte(char32_t cp);  // -1 when cp stands for no byte

// Length of the longest prefix of `s` made of complete, valid UTF-8 sequences, plus what follows:
// `held` is how many bytes at the end form the valid start of an unfinished sequence.
struct Utf8Scan {
    size_t complete = 0;   // bytes that can be emitted as they are
    bool invalid = false;  // s[complete] starts an invalid sequence (not merely an unfinished one)
};
Utf8Scan scan_utf8(std::string_view s);
// Length of the maximal invalid subpart at the start of `s` (>= 1), per Unicode's
// "substitution of maximal subparts" rule, so each one becomes exactly one U+FFFD.
size_t utf8_invalid_prefix_length(std::string_view s);

}  // namespace lowbit::tok
