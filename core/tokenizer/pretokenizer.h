#pragma once
// Splits text into the "words" byte-level BPE merges within, with the regexes llama.cpp uses for
// each tokenizer.ggml.pre name, run by PCRE2 (UTF + UCP).
//
// Several regexes are applied in a row: each one splits every piece left by the previous one into
// its matches and the unmatched text between them (llama.cpp's rule). To classify code points by
// the same Unicode version as llama.cpp (15.1; Debian's PCRE2 knows 14), the text handed to PCRE2
// has every non-ASCII code point replaced by one representative of its class (letter, number,
// punctuation, symbol, mark, white space, other); match offsets map back one to one.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace lowbit::tok {

class CompiledRegex;

class PreTokenizer {
  public:
    // Throws lowbit::UnsupportedError for a name this engine does not know: falling back to
    // another pre-tokenizer would silently give ids the model was not trained on.
    explicit PreTokenizer(const std::string& name);
    ~PreTokenizer();
    PreTokenizer(const PreTokenizer&) = delete;
    PreTokenizer& operator=(const PreTokenizer&) = delete;

    // The words of `text`, each as UTF-8 of the decoded code points (invalid bytes become U+FFFD).
    std::vector<std::string> split(std::string_view text) const;

    // Names understood, for error messages and docs.
    static std::vector<std::string> known_names();

  private:
    std::vector<std::unique_ptr<CompiledRegex>> regexes_;
};

}  // namespace lowbit::tok
