#include "tokenizer/unicode.h"

#include <algorithm>

namespace lowbit::tok {

namespace {

struct ClassRange {
    char32_t first;
    uint8_t cls;
};
#include "tokenizer/unicode_classes.inc"

bool is_continuation(uint8_t b) {
    return (b & 0xC0) == 0x80;
}

}  // namespace

std::vector<char32_t> decode_utf8_lenient(std::string_view text) {
    std::vector<char32_t> out;
    out.reserve(text.size());
    const auto* s = reinterpret_cast<const uint8_t*>(text.data());
    const size_t n = text.size();
    size_t i = 0;
    while (i < n) {
        const uint8_t b0 = s[i];
        if (b0 < 0x80) {
            out.push_back(b0);
            ++i;
            continue;
        }
        size_t len = 0;
        char32_t cp = 0;
        if ((b0 & 0xE0) == 0xC0) {
            len = 2;
            cp = b0 & 0x1F;
        } else if ((b0 & 0xF0) == 0xE0) {
            len = 3;
            cp = b0 & 0x0F;
        } else if ((b0 & 0xF8) == 0xF0) {
            len = 4;
            cp = b0 & 0x07;
        }
        // A sequence must fit in the text and have only continuation bytes. Like llama.cpp, no
        // check for overlong forms or surrogates: they decode to what their bits say.
        bool ok = len != 0 && i + len <= n;
        for (size_t k = 1; ok && k < len; ++k) {
            ok = is_continuation(s[i + k]);
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        // llama.cpp aborts on code points past U+10FFFF; they are treated as invalid bytes here.
        if (!ok || cp > 0x10FFFF) {
            out.push_back(kReplacementChar);
            ++i;
            continue;
        }
        out.push_back(cp);
        i += len;
    }
    return out;
}

void append_utf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | ((cp >> 18) & 0x07)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

UnicodeClass unicode_class(char32_t cp) {
    if (cp > 0x10FFFF) return UnicodeClass::Other;
    const auto* end = std::end(kClassRanges);
    const auto* it = std::upper_bound(std::begin(kClassRanges), end, cp,
                                      [](char32_t c, const ClassRange& r) { return c < r.first; });
    return static_cast<UnicodeClass>((it - 1)->cls);
}

bool unicode_is_whitespace(char32_t cp) {
    return std::binary_search(std::begin(kWhiteSpace), std::end(kWhiteSpace), cp);
}

namespace {

// GPT-2's table: printable Latin-1 bytes stand for themselves, the other 68 bytes are given the
// code points 256, 257, ... in byte order.
bool byte_is_printable(int b) {
    return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
}

struct ByteTables {
    std::array<std::string, 256> utf8;
    std::array<char32_t, 256> cp;
    ByteTables() {
        char32_t next = 256;
        for (int b = 0; b < 256; ++b) {
            cp[b] = byte_is_printable(b) ? static_cast<char32_t>(b) : next++;
            append_utf8(utf8[b], cp[b]);
        }
    }
};

const ByteTables& byte_tables() {
    static const ByteTables tables;
    return tables;
}

}  // namespace

const std::string& byte_to_unicode_utf8(uint8_t byte) {
    return byte_tables().utf8[byte];
}

int unicode_to_byte(char32_t cp) {
    if (cp < 256) return byte_is_printable(static_cast<int>(cp)) ? static_cast<int>(cp) : -1;
    if (cp >= 256 + 68) return -1;
    const auto& t = byte_tables().cp;
    for (int b = 0; b < 256; ++b) {
        if (t[b] == cp) return b;
    }
    return -1;
}

namespace {
// Length of a valid sequence starting at s[0] (0 if invalid, -1 if valid so far but cut short).
int valid_sequence_length(std::string_view s) {
    const auto b0 = static_cast<uint8_t>(s[0]);
    if (b0 < 0x80) return 1;
    int len;
    uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        len = 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        len = 3;
        if (b0 == 0xE0) lo = 0xA0;  // no overlong forms
        if (b0 == 0xED) hi = 0x9F;  // no surrogates
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        len = 4;
        if (b0 == 0xF0) lo = 0x90;
        if (b0 == 0xF4) hi = 0x8F;  // nothing past U+10FFFF
    } else {
        return 0;
    }
    for (int k = 1; k < len; ++k) {
        if (static_cast<size_t>(k) >= s.size()) return -1;
        const auto b = static_cast<uint8_t>(s[k]);
        const uint8_t l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
        if (b < l || b > h) return 0;
    }
    return len;
}
}  // namespace

Utf8Scan scan_utf8(std::string_view s) {
    Utf8Scan r;
    while (r.complete < s.size()) {
        const int len = valid_sequence_length(s.substr(r.complete));
        if (len == 0) {
            r.invalid = true;
            return r;
        }
        if (len < 0) return r;  // an unfinished sequence: wait for more bytes
        r.complete += static_cast<size_t>(len);
    }
    return r;
}

size_t utf8_invalid_prefix_length(std::string_view s) {
    // The longest prefix that is the valid start of some sequence, but at least one byte.
    for (size_t k = std::min<size_t>(s.size(), 3); k >= 2; --k) {
        if (valid_sequence_length(s.substr(0, k)) == -1) return k;
    }
    return 1;
}

}  // namespace lowbit::tok
