#include "lowbit/tokenizer.h"

#include <algorithm>
#include <array>
#include <climits>
#include <optional>
#include <unordered_map>

#include "lowbit/error.h"
#include "lowbit/gguf.h"
#include "tokenizer/bpe.h"
#include "tokenizer/pretokenizer.h"
#include "tokenizer/special_split.h"
#include "tokenizer/spm.h"
#include "tokenizer/unicode.h"
#include "tokenizer/vocab.h"

namespace lowbit {

namespace {

using namespace tok;
using namespace token_flag;

// Both kinds share the vocabulary, special-token handling and decoding; they differ in how a
// stretch of plain text becomes ids.
class VocabTokenizer final : public Tokenizer {
  public:
    explicit VocabTokenizer(const GgufFile& file) : v_(load_vocab(file)) {
        if (v_.kind == TokenizerKind::Llama) {
            byte_tokens_ = spm_byte_tokens(v_);
        } else {
            merges_.emplace(file, v_);
            pre_ = std::make_unique<PreTokenizer>(v_.pre);
        }
    }

    std::vector<int32_t> encode(std::string_view text, bool add_special, bool parse_special) const override {
        // Symbol positions are 32-bit: texts beyond 2 GiB are refused rather than mangled.
        if (text.size() > size_t(INT32_MAX)) throw Error("text too long to tokenize (over 2 GiB)");
        std::vector<int32_t> out;
        out.reserve(text.size() / 3 + 2);
        const std::vector<Fragment> frags = split_special(v_, text, parse_special);
        if (add_special && v_.add_bos) out.push_back(v_.bos);
        if (v_.kind == TokenizerKind::Llama) {
            encode_spm(text, frags, out);
        } else {
            encode_bpe(text, frags, out);
        }
        if (add_special && v_.add_eos) out.push_back(v_.eos);
        return out;
    }

    std::string token_to_piece(int32_t id, bool special) const override {
        check(id);
        if (!special && (v_.tokens[id].flags & (kUnknown | kControl))) return {};
        return v_.pieces[id];
    }

    std::string detokenize(std::span<const int32_t> ids, bool remove_special,
                           bool unparse_special) const override;

    TokenizerKind kind() const override { return v_.kind; }
    const std::string& pre_tokenizer() const override { return v_.pre; }
    int32_t n_vocab() const override { return v_.n(); }
    const std::string& token_text(int32_t id) const override { return v_.tokens[check(id)].text; }
    TokenAttr token_attr(int32_t id) const override { return v_.tokens[check(id)].type; }
    uint32_t token_flags(int32_t id) const override { return v_.tokens[check(id)].flags; }
    float token_score(int32_t id) const override { return v_.tokens[check(id)].score; }
    int32_t find_token(std::string_view text) const override { return v_.find(text); }
    int32_t bos() const override { return v_.bos; }
    int32_t eos() const override { return v_.eos; }
    int32_t eot() const override { return v_.eot; }
    int32_t eom() const override { return v_.eom; }
    int32_t unk() const override { return v_.unk; }
    int32_t pad() const override { return v_.pad; }
    bool add_bos() const override { return v_.add_bos; }
    bool add_eos() const override { return v_.add_eos; }
    bool add_space_prefix() const override { return v_.add_space_prefix; }
    bool is_eog(int32_t id) const override { return std::binary_search(v_.eog.begin(), v_.eog.end(), id); }
    const std::vector<int32_t>& eog_tokens() const override { return v_.eog; }
    bool is_control(int32_t id) const override {
        return id >= 0 && id < v_.n() && (v_.tokens[id].flags & kControl) != 0;
    }

  private:
    int32_t check(int32_t id) const {
        if (id < 0 || id >= v_.n()) {
            throw Error("token id " + std::to_string(id) + " is outside the vocabulary (" +
                        std::to_string(v_.n()) + " tokens)");
        }
        return id;
    }

    void encode_spm(std::string_view text, const std::vector<Fragment>& frags,
                    std::vector<int32_t>& out) const {
        // SentencePiece's dummy prefix: a space before the text and, as llama.cpp does, before
        // every stretch of text that follows a special token.
        bool prev_special = true;
        std::string escaped;
        for (const Fragment& f : frags) {
            if (f.token >= 0) {
                out.push_back(f.token);
                prev_special = true;
                continue;
            }
            escaped.clear();
            if (v_.add_space_prefix && prev_special) escaped += "\xE2\x96\x81";
            for (char c : text.substr(f.offset, f.length)) {
                if (c == ' ') {
                    escaped += "\xE2\x96\x81";
                } else {
                    escaped.push_back(c);
                }
            }
            spm_tokenize(v_, byte_tokens_, escaped, out);
            prev_special = false;
        }
    }

    void encode_bpe(std::string_view text, const std::vector<Fragment>& frags,
                    std::vector<int32_t>& out) const {
        // Words repeat a lot in real text; their ids are computed once per call.
        std::unordered_map<std::string, std::vector<int32_t>> cache;
        std::string encoded;
        for (const Fragment& f : frags) {
            if (f.token >= 0) {
                out.push_back(f.token);
                continue;
            }
            for (const std::string& word : pre_->split(text.substr(f.offset, f.length))) {
                auto it = cache.find(word);
                if (it == cache.end()) {
                    encoded.clear();
                    for (unsigned char c : word) encoded += byte_to_unicode_utf8(c);
                    std::vector<int32_t> ids;
                    bpe_tokenize_word(v_, *merges_, encoded, ids);
                    it = cache.emplace(word, std::move(ids)).first;
                }
                out.insert(out.end(), it->second.begin(), it->second.end());
            }
        }
    }

    Vocab v_;
    std::array<int32_t, 256> byte_tokens_{};
    std::optional<BpeMerges> merges_;
    std::unique_ptr<PreTokenizer> pre_;
};

std::string VocabTokenizer::detokenize(std::span<const int32_t> ids, bool remove_special,
                                       bool unparse_special) const {
    std::string text;
    bool remove_space = v_.add_space_prefix;
    if (remove_special && v_.add_bos && !ids.empty() && ids.front() == v_.bos) {
        remove_space = false;
        ids = ids.subspan(1);
    }
    if (remove_special && v_.add_eos && !ids.empty() && ids.back() == v_.eos) ids = ids.first(ids.size() - 1);
    for (int32_t id : ids) {
        std::string piece = token_to_piece(id, unparse_special);
        if (remove_space && !piece.empty() && piece.front() == ' ') piece.erase(0, 1);
        remove_space = false;
        text += piece;
    }
    if (!v_.clean_spaces || text.empty()) return text;

    // clean_up_tokenization_spaces, in llama.cpp's three passes.
    std::string a;  // " ?", " !", " .", " ," lose the space
    a.push_back(text[0]);
    for (size_t i = 1; i < text.size(); ++i) {
        const char x = text[i];
        if (text[i - 1] == ' ' && (x == '?' || x == '!' || x == '.' || x == ',')) a.pop_back();
        a.push_back(x);
    }
    // " ' " becomes "'"; like llama.cpp's in-place pass, the dropped space after it no longer
    // counts as a space before the next character.
    std::string b;
    b.push_back(a[0]);
    for (size_t i = 1; i < a.size(); ++i) {
        const char x = a[i];
        if (x == '\'' && i + 1 < a.size() && a[i - 1] == ' ' && a[i + 1] == ' ') {
            b.pop_back();
            a[++i] = '\0';
        }
        b.push_back(x);
    }
    std::string c;  // " 's", " 'm", " 're", " 've" lose the space
    c.push_back(b[0]);
    for (size_t i = 1; i < b.size(); ++i) {
        const char x = b[i];
        if (b[i - 1] == ' ' && x == '\'' && i + 1 < b.size()) {
            const char x1 = b[i + 1];
            if (x1 == 's' || x1 == 'm') {
                c.pop_back();
            } else if (i + 2 < b.size()) {
                const char x2 = b[i + 2];
                if ((x1 == 'r' && x2 == 'e') || (x1 == 'v' && x2 == 'e')) c.pop_back();
            }
        }
        c.push_back(x);
    }
    return c;
}

}  // namespace

std::unique_ptr<Tokenizer> Tokenizer::from_gguf(const GgufFile& file) {
    return std::make_unique<VocabTokenizer>(file);
}

std::string Tokenizer::decode(std::span<const int32_t> ids, bool special) const {
    std::string out;
    for (int32_t id : ids) out += token_to_piece(id, special);
    return out;
}

std::string StreamDecoder::feed(int32_t id) {
    pending_ += tok_.token_to_piece(id, special_);
    std::string out;
    size_t pos = 0;
    while (pos < pending_.size()) {
        const std::string_view rest = std::string_view(pending_).substr(pos);
        const Utf8Scan scan = scan_utf8(rest);
        out.append(rest.substr(0, scan.complete));
        pos += scan.complete;
        if (!scan.invalid) break;  // the rest is the start of a character still to come
        out += "\xEF\xBF\xBD";
        pos += utf8_invalid_prefix_length(rest.substr(scan.complete));
    }
    pending_.erase(0, pos);
    return out;
}

std::string StreamDecoder::flush() {
    std::string out;
    // What is held back is an unfinished character: it will never be completed now.
    if (!pending_.empty()) out = "\xEF\xBF\xBD";
    pending_.clear();
    return out;
}

}  // namespace lowbit
