#include "tokenizer/special_split.h"

namespace lowbit::tok {

namespace {
// C isspace: the ASCII whitespace llama.cpp strips next to lstrip/rstrip tokens.
bool is_c_space(char c) {
    return c == ' ' || (c >= '\t' && c <= '\r');
}
}  // namespace

std::vector<Fragment> split_special(const Vocab& vocab, std::string_view text, bool parse_special) {
    using namespace token_flag;
    std::vector<Fragment> frags;
    if (text.empty()) return frags;
    frags.push_back({-1, 0, text.size()});

    std::vector<Fragment> next;
    for (int32_t id : vocab.special_by_length) {
        const TokenData& tok = vocab.tokens[id];
        // Control and unknown tokens only with parse_special; user-defined ones always (as
        // Hugging Face tokenizers do for added tokens).
        if (!parse_special && (tok.flags & (kControl | kUnknown))) continue;
        const std::string_view needle = tok.text;

        next.clear();
        bool changed = false;
        for (const Fragment& f : frags) {
            if (f.token >= 0) {
                next.push_back(f);
                continue;
            }
            size_t off = f.offset, len = f.length;
            while (true) {
                const size_t match = text.substr(0, off + len).find(needle, off);
                if (match == std::string_view::npos) {
                    if (len > 0) next.push_back({-1, off, len});
                    break;
                }
                changed = true;
                size_t left_len = match - off;
                if (tok.flags & kLstrip) {
                    while (left_len > 0 && is_c_space(text[off + left_len - 1])) --left_len;
                }
                if (left_len > 0) next.push_back({-1, off, left_len});
                next.push_back({id, 0, 0});
                const size_t end = match + needle.size();
                if (end >= off + len) break;
                size_t right_off = end, right_len = off + len - end;
                if (tok.flags & kRstrip) {
                    while (right_len > 0 && is_c_space(text[right_off])) {
                        ++right_off;
                        --right_len;
                    }
                }
                off = right_off;
                len = right_len;
            }
        }
        if (changed) frags.swap(next);
    }
    return frags;
}

}  // namespace lowbit::tok
