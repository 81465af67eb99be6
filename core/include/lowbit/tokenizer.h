#pragma once
// Tokenizers built from GGUF metadata (tokenizer.ggml.*): "llama" (SentencePiece BPE with
// scores and byte fallback) and "gpt2" (byte-level BPE with merges and a pre-tokenizer chosen
// by tokenizer.ggml.pre). Token ids equal llama.cpp's for the same file and text.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lowbit {

class GgufFile;

enum class TokenizerKind { Llama, Gpt2 };

// GGUF token types (tokenizer.ggml.token_type).
enum class TokenAttr : int32_t {
    Undefined = 0,
    Normal = 1,
    Unknown = 2,
    Control = 3,
    UserDefined = 4,
    Unused = 5,
    Byte = 6,
};

class Tokenizer {
public:
    virtual ~Tokenizer() = default;

    // Builds the tokenizer the file describes. Throws lowbit::FormatError when the metadata is
    // missing or inconsistent, lowbit::UnsupportedError for an unknown model or pre-tokenizer.
    static std::unique_ptr<Tokenizer> from_gguf(const GgufFile& file);

    // add_special: add BOS/EOS as the model's metadata asks (add_bos_token / add_eos_token).
    // parse_special: recognise control and user-defined token texts (e.g. "<|im_start|>") in the
    // input instead of tokenizing them as plain text.
    virtual std::vector<int32_t> encode(std::string_view text, bool add_special, bool parse_special) const = 0;

    // The bytes a token stands for (byte-fallback and byte-level tokens decoded, SentencePiece's
    // "▁" turned into a space). Control tokens give their text only when `special` is true.
    virtual std::string token_to_piece(int32_t id, bool special) const = 0;
    // Concatenated pieces. Use StreamDecoder to print tokens as they come.
    std::string decode(std::span<const int32_t> ids, bool special) const;

    virtual TokenizerKind kind() const = 0;
    virtual const std::string& pre_tokenizer() const = 0;  // tokenizer.ggml.pre, or "default"
    virtual int32_t n_vocab() const = 0;
    virtual const std::string& token_text(int32_t id) const = 0;  // the raw vocabulary entry
    virtual TokenAttr token_attr(int32_t id) const = 0;

    virtual int32_t bos() const = 0;  // -1 when the model has none
    virtual int32_t eos() const = 0;
    virtual bool add_bos() const = 0;
    virtual bool add_eos() const = 0;
    // End-of-generation tokens: EOS, EOT, <|im_end|>, <|eot_id|>, <end_of_turn>, ... .
    virtual bool is_eog(int32_t id) const = 0;
    virtual bool is_control(int32_t id) const = 0;
};

// Turns a stream of token ids into text without ever emitting a partial UTF-8 sequence:
// bytes of a character split across tokens are held back until the character is complete.
class StreamDecoder {
public:
    explicit StreamDecoder(const Tokenizer& tok, bool special = false) : tok_(tok), special_(special) {}
    // Returns the text that became complete with this token (possibly empty).
    std::string feed(int32_t id);
    // Returns whatever is still held back (invalid UTF-8 is replaced by U+FFFD).
    std::string flush();

private:
    const Tokenizer& tok_;
    bool special_;
    std::string pending_;
};

}  // namespace lowbit
