#include "tokenizer/bpe.h"

#include <queue>
#include <string>

#include "lowbit/error.h"
#include "lowbit/gguf.h"
#include "tokenizer/unicode.h"

namespace lowbit::tok {

BpeMerges::BpeMerges(const GgufFile& file, const Vocab& vocab) {
    const GgufValue* v = file.find("tokenizer.ggml.merges");
    if (!v)
        throw FormatError(
            "tokenizer metadata: tokenizer.ggml.merges is missing (needed by a gpt2 tokenizer)");
    if (!v->is_array() || v->elem_type() != GgufType::STRING) {
        throw FormatError("tokenizer metadata: tokenizer.ggml.merges is not an array of strings");
    }
    const auto& list = v->strings();
    merges_.reserve(list.size());
    for (size_t i = 0; i < list.size(); ++i) {
        const std::string& m = list[i];
        auto bad = [&](const std::string& why) {
            return FormatError("tokenizer metadata: merge " + std::to_string(i) + " '" + m + "' " + why);
        };
        // "left right"; the search starts at 1 like llama.cpp's.
        const size_t space = m.find(' ', 1);
        if (space == std::string::npos) throw bad("has no space between its two parts");
        const std::string left = m.substr(0, space), right = m.substr(space + 1);
        const int32_t l = vocab.find(left), r = vocab.find(right), joined = vocab.find(left + right);
        if (l < 0) throw bad("refers to '" + left + "', which is not a token");
        if (r < 0) throw bad("refers to '" + right + "', which is not a token");
        if (joined < 0) throw bad("makes '" + left + right + "', which is not a token");
        // The first occurrence of a pair keeps its rank, as in llama.cpp.
        merges_.emplace(key(l, r), Merge{static_cast<int32_t>(i), joined});
    }
}

namespace {

struct Symbol {
    int prev, next;
    uint32_t start, n;  // bytes of the word; n == 0 once merged into the left neighbour
    int32_t id;         // -1 for a character that is not a token (it never merges)
};

struct Bigram {
    int32_t rank;
    int left, right;
    int32_t left_id, right_id, result;
};

// Lowest rank first, then leftmost.
struct BigramOrder {
    bool operator()(const Bigram& a, const Bigram& b) const {
        return a.rank > b.rank || (a.rank == b.rank && a.left > b.left);
    }
};

}  // namespace

void bpe_tokenize_word(const Vocab& vocab, const BpeMerges& merges, std::string_view word,
                       std::vector<int32_t>& out) {
    if (word.empty()) return;
    if (vocab.ignore_merges) {
        if (int32_t id = vocab.find(word); id >= 0) {
            out.push_back(id);
            return;
        }
    }
    std::vector<Symbol> symbols;
    symbols.reserve(word.size());
    for (size_t off = 0; off < word.size();) {
        const size_t len = std::min(utf8_sequence_length(static_cast<uint8_t>(word[off])), word.size() - off);
        const int index = static_cast<int>(symbols.size());
        symbols.push_back({index - 1, off + len == word.size() ? -1 : index + 1, static_cast<uint32_t>(off),
                           static_cast<uint32_t>(len), vocab.find(word.substr(off, len))});
        off += len;
    }

    std::priority_queue<Bigram, std::vector<Bigram>, BigramOrder> queue;
    auto try_add = [&](int left, int right) {
        if (left < 0 || right < 0) return;
        const int32_t l = symbols[left].id, r = symbols[right].id;
        if (l < 0 || r < 0) return;
        if (const BpeMerges::Merge* m = merges.find(l, r))
            queue.push({m->rank, left, right, l, r, m->result});
    };
    for (int i = 1; i < static_cast<int>(symbols.size()); ++i) try_add(i - 1, i);

    while (!queue.empty()) {
        const Bigram b = queue.top();
        queue.pop();
        Symbol& l = symbols[b.left];
        Symbol& r = symbols[b.right];
        // Outdated when either side has merged since (its id changed, or it is gone).
        if (l.n == 0 || r.n == 0 || l.id != b.left_id || r.id != b.right_id) continue;
        l.n += r.n;
        l.id = b.result;
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
        // A character the vocabulary lacks: llama.cpp tries each of its bytes as a one-byte text
        // and drops those that are no token either.
        for (uint32_t k = 0; k < s.n; ++k) {
            if (int32_t id = vocab.find(word.substr(s.start + k, 1)); id >= 0) out.push_back(id);
        }
    }
}

}  // namespace lowbit::tok
