#include "tokenizer/pretokenizer.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>
#include <utility>

#include "lowbit/error.h"
#include "tokenizer/unicode.h"

namespace lowbit::tok {

namespace {

// The regexes, as llama.cpp writes them (its adapted forms without "(?i:" groups).
constexpr const char* kGpt2 = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S))";
constexpr const char* kLlama3 =
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* kQwen2 =
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

struct PreTokenizerSpec {
    std::vector<const char*> names;
    std::vector<const char*> regexes;
};

const std::vector<PreTokenizerSpec>& specs() {
    static const std::vector<PreTokenizerSpec> kSpecs = {
        {{"llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2",
          "jina-v5-nano", "dbrx", "smaug-bpe", "glm4", "chatglm-bpe"},
         {kLlama3}},
        {{"qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "megrez", "stablelm2", "hunyuan", "solar-open",
          "grok-2"},
         {kQwen2}},
        {{"gpt-2", "phi-2", "gigachat", "a.x-4.0", "mellum", "mpt", "olmo", "jais", "trillion",
          "granite-docling", "exaone4"},
         {kGpt2}},
        {{"smollm", "starcoder", "refact", "command-r", "codeshell", "exaone", "minerva-7b", "mellum2"},
         {R"(\p{N})", kGpt2}},
        {{"falcon"}, {R"([\p{P}\$\+<=>\^~\|`]+)", kGpt2, "[0-9][0-9][0-9]"}},
        // llama.cpp's rules for "default" (also used when tokenizer.ggml.pre is absent).
        {{"default"}, {R"([\p{P}\$\+<=>\^~\|]+)", kGpt2, R"(\p{N}+)", "[0-9][0-9][0-9]"}},
    };
    return kSpecs;
}

// One representative per class, each a character whose class is the same in every Unicode
// version PCRE2 may know, so the regex sees the class our table (Unicode 15.1) gives.
char32_t representative(char32_t cp) {
    if (cp < 0x80) return cp;
    if (unicode_is_whitespace(cp)) return 0x0B;  // vertical tab: \s, not [\r\n], not a space
    switch (unicode_class(cp)) {
        case UnicodeClass::Letter:
            return 0xAA;  // FEMININE ORDINAL INDICATOR, Lo
        case UnicodeClass::Number:
            return 0xB2;  // SUPERSCRIPT TWO, No
        case UnicodeClass::Punctuation:
            return 0xA1;  // INVERTED EXCLAMATION MARK, Po
        case UnicodeClass::Symbol:
            return 0xA2;  // CENT SIGN, Sc
        case UnicodeClass::Mark:
            return 0x300;  // COMBINING GRAVE ACCENT, Mn
        case UnicodeClass::Other:
            break;
    }
    return 0x80;  // a C1 control, Cc: none of \s \p{L} \p{N} \p{P} \p{S} \p{M}
}

}  // namespace

class CompiledRegex {
  public:
    explicit CompiledRegex(const char* pattern) {
        int error = 0;
        PCRE2_SIZE offset = 0;
        code_ = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern), PCRE2_ZERO_TERMINATED,
                              PCRE2_UTF | PCRE2_UCP | PCRE2_NO_UTF_CHECK, &error, &offset, nullptr);
        if (!code_) {
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(error, msg, sizeof(msg));
            throw Error(std::string("pre-tokenizer regex does not compile: ") + reinterpret_cast<char*>(msg));
        }
        // The JIT is an optimisation: without it (not built in, no executable memory) the
        // interpreter gives the same matches.
#ifndef LOWBIT_TOKENIZER_NO_JIT
        jit_ = pcre2_jit_compile(code_, PCRE2_JIT_COMPLETE) == 0;
#endif
    }
    ~CompiledRegex() {
        pcre2_code_free(code_);
    }
    CompiledRegex(const CompiledRegex&) = delete;
    CompiledRegex& operator=(const CompiledRegex&) = delete;

    // Appends to `out` the lengths (in bytes of `subject`) of the pieces `subject` splits into.
    void split(std::string_view subject, pcre2_match_data* md, std::vector<size_t>& out) const {
        const auto* s = reinterpret_cast<PCRE2_SPTR>(subject.data());
        size_t pos = 0, last = 0;
        while (pos <= subject.size()) {
            int rc = jit_ ? pcre2_jit_match(code_, s, subject.size(), pos, 0, md, nullptr)
                          : PCRE2_ERROR_JIT_BADOPTION;
            // Without the JIT, or when a match needs more than its stack, the interpreter (which
            // keeps its backtracking state on the heap) gives the same match.
            if (rc == PCRE2_ERROR_JIT_BADOPTION || rc == PCRE2_ERROR_JIT_STACKLIMIT) {
                rc = pcre2_match(code_, s, subject.size(), pos, PCRE2_NO_UTF_CHECK, md, nullptr);
            }
            if (rc == PCRE2_ERROR_NOMATCH) break;
            if (rc < 0) throw Error("pre-tokenizer regex failed (PCRE2 error " + std::to_string(rc) + ")");
            const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
            const size_t begin = ov[0], end = ov[1];
            if (begin > last) out.push_back(begin - last);
            if (end > begin) {
                out.push_back(end - begin);
                pos = end;
            } else {
                // An empty match (none of the regexes above has one): step over one character.
                pos = end + 1;
                while (pos < subject.size() && (static_cast<uint8_t>(subject[pos]) & 0xC0) == 0x80) ++pos;
                continue;
            }
            last = end;
        }
        if (subject.size() > last) out.push_back(subject.size() - last);
    }

    const pcre2_code* code() const {
        return code_;
    }

  private:
    pcre2_code* code_ = nullptr;
    bool jit_ = false;
};

PreTokenizer::PreTokenizer(const std::string& name) {
    for (const auto& spec : specs()) {
        if (std::find(spec.names.begin(), spec.names.end(), name) != spec.names.end()) {
            for (const char* re : spec.regexes) regexes_.push_back(std::make_unique<CompiledRegex>(re));
            return;
        }
    }
    std::string list;
    for (const auto& n : known_names()) list += (list.empty() ? "" : ", ") + n;
    throw UnsupportedError("tokenizer.ggml.pre '" + name + "' is not supported (known: " + list + ")");
}

PreTokenizer::~PreTokenizer() = default;

std::vector<std::string> PreTokenizer::known_names() {
    std::vector<std::string> out;
    for (const auto& spec : specs()) out.insert(out.end(), spec.names.begin(), spec.names.end());
    return out;
}

std::vector<std::string> PreTokenizer::split(std::string_view text) const {
    const std::vector<char32_t> cps = decode_utf8_lenient(text);

    // The subject PCRE2 sees, and where each code point starts in it.
    std::string subject;
    subject.reserve(cps.size() * 2);
    std::vector<uint32_t> cp_at_byte;  // code point index of each subject byte, plus the end
    cp_at_byte.reserve(cps.size() * 2 + 1);
    for (size_t i = 0; i < cps.size(); ++i) {
        const size_t before = subject.size();
        append_utf8(subject, representative(cps[i]));
        cp_at_byte.insert(cp_at_byte.end(), subject.size() - before, static_cast<uint32_t>(i));
    }
    cp_at_byte.push_back(static_cast<uint32_t>(cps.size()));

    // Pieces as byte lengths within the subject; each regex refines the previous split.
    std::vector<size_t> pieces{subject.size()}, next;
    if (subject.empty()) pieces.clear();
    struct MatchData {
        pcre2_match_data* md;
        explicit MatchData(const pcre2_code* code) : md(pcre2_match_data_create_from_pattern(code, nullptr)) {
            if (!md) throw Error("out of memory for a regex match");
        }
        ~MatchData() { pcre2_match_data_free(md); }
    };
    for (const auto& re : regexes_) {
        MatchData md(re->code());
        next.clear();
        size_t start = 0;
        for (size_t len : pieces) {
            re->split(std::string_view(subject).substr(start, len), md.md, next);
            start += len;
        }
        pieces.swap(next);
    }

    std::vector<std::string> words;
    words.reserve(pieces.size());
    size_t start = 0;
    for (size_t len : pieces) {
        std::string w;
        for (uint32_t i = cp_at_byte[start]; i < cp_at_byte[start + len]; ++i) append_utf8(w, cps[i]);
        words.push_back(std::move(w));
        start += len;
    }
    return words;
}

}  // namespace lowbit::tok
