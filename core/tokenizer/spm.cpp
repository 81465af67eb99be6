#include "tokenizer/spm.h"

#include <queue>
#include <string>

#include "tokenizer/unicode.h"

namespace lowbit::tok {

std::array<int32_t, 256> spm_byte_tokens(const Vocab& vocab) {
    std::array<int32_t, 256> out{};
    static const char* hex = "0123456789ABCDEF";
    for (int b = 0; b < 256; ++b) {
        const char name[7] = {'<', '0', 'x', hex[b >> 4], hex[b & 15], '>', 0};
        int32_t id = vocab.find(name);
        if (id < 0) id = vocab.find(std::string(1, static_cast<char>(b)));
        out[b] = id;
    }
    return out;
}

namespace {

struct Symbol {
    int prev, next;
    uint32_t start, n;  // bytes of the text; n == 0 once merged into the left neighbour
    int32_t id;         // the token this symbol is, or -1
};

struct Bigram {
    float score;
    int left, right;
    uint32_t size;
    int32_t id;
};

// Highest score first, then leftmost.
struct BigramOrder {
    bool operator()(const Bigram& a, const Bigram& b) const {
        return a.score < b.score || (a.score == b.score && a.left > b.left);
    }
};

}  // namespace

void spm_tokenize(const Vocab& vocab, const std::array<int32_t, 256>& byte_tokens, std::string_view text,
                  std::vector<int32_t>& out) {
    if (text.empty()) return;
    std::vector<Symbol> symbols;
    symbols.reserve(text.size());
    std::string key;
    for (size_t off = 0; off < text.size();) {
        // Characters by their lead byte, as llama.cpp cuts them (also for invalid UTF-8).
        const size_t len = std::min(utf8_sequence_length(static_cast<uint8_t>(text[off])), text.size() - off);
        const int index = static_cast<int>(symbols.size());
        symbols.push_back({index - 1, off + len == text.size() ? -1 : index + 1, static_cast<uint32_t>(off),
                           static_cast<uint32_t>(len), vocab.find(text.substr(off, len))});
        off += len;
    }

    std::priority_queue<Bigram, std::vector<Bigram>, BigramOrder> queue;
    auto try_add = [&](int left, int right) {
        if (left < 0 || right < 0) return;
        const Symbol& l = symbols[left];
        const Symbol& r = symbols[right];
        const uint32_t size = l.n + r.n;
        key.assign(text.data() + l.start, size);
        auto it = vocab.ids.find(key);
        if (it == vocab.ids.end()) return;
        queue.push({vocab.tokens[it->second].score, left, right, size, it->second});
    };
    for (int i = 1; i < static_cast<int>(symbols.size()); ++i) try_add(i - 1, i);

    while (!queue.empty()) {
        const Bigram b = queue.top();
        queue.pop();
        Symbol& l = symbols[b.left];
        Symbol& r = symbols[b.right];
        if (l.n == 0 || r.n == 0 || l.n + r.n != b.size) continue;  // outdated
        l.n += r.n;
        l.id = b.id;
        r.n = 0;
        l.next = r.next;
        if (r.next >= 0) symbols[r.next].prev = b.left;
        try_add(l.prev, b.left);
        try_add(b.left, l.next);
    }

    for (int i = 0; i != -1; i = symbols[i].next) {
        const Symbol& s = symbols[i];
        if (s.id >= 0) {
            out.push_back(s.id);
            continue;
        }
        // Byte fallback. llama.cpp aborts when a byte has no token; the unknown token is used.
        for (uint32_t k = 0; k < s.n; ++k) {
            const int32_t id = byte_tokens[static_cast<uint8_t>(text[s.start + k])];
            if (id >= 0) {
                out.push_back(id);
            } else if (vocab.unk >= 0) {
                out.push_back(vocab.unk);
            }
        }
    }
}

}  // namespace lowbit::tok
