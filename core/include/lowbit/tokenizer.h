#pragma once
// Tokenizers built from GGUF metadata (tokenizer.ggml.*): "llama" (SentencePiece BPE with
// scores and byte fallback) and "gpt2" (byte-level BPE with merges and a pre-tokenizer chosen
// by tokenizer.ggml.pre). Token ids equal llama.cpp's for the same file and text.
//
// Reproducing `llama-tokenize -m MODEL -p TEXT --ids` (its defaults: BOS when the model asks for
// it, special-token texts parsed) is
//     tok->encode(text, /*add_special=*/tok->add_bos(), /*parse_special=*/true)
// (llama-tokenize passes the model's add_bos flag as add_special, so EOS is only added when the
// model asks for BOS too). encode(text, true, true) differs from it only for a model that asks
// for EOS but not BOS. `--no-bos` is add_special = false, `--no-parse-special` parse_special = false.
// llama.cpp's test vectors (tests/test-tokenizer-0) use encode(text, false, false).
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

// Effective token attributes as bits (llama.cpp's llama_token_attr): the GGUF type, plus what the
// loader derives, e.g. kControl for end-of-turn texts typed as normal, kRstrip for Phi-3's
// special tokens (whitespace after them is dropped when they are cut out of the input).
namespace token_flag {
constexpr uint32_t kUndefined = 0;
constexpr uint32_t kUnknown = 1u << 0;
constexpr uint32_t kUnused = 1u << 1;
constexpr uint32_t kNormal = 1u << 2;
constexpr uint32_t kControl = 1u << 3;
constexpr uint32_t kUserDefined = 1u << 4;
constexpr uint32_t kByte = 1u << 5;
constexpr uint32_t kNormalized = 1u << 6;
constexpr uint32_t kLstrip = 1u << 7;
constexpr uint32_t kRstrip = 1u << 8;
constexpr uint32_t kSingleWord = 1u << 9;
}  // namespace token_flag

class Tokenizer {
  public:
    virtual ~Tokenizer() = default;

    // Builds the tokenizer the file describes. Throws lowbit::FormatError when the metadata is
    // missing or inconsistent, lowbit::UnsupportedError for an unknown model or pre-tokenizer.
    static std::unique_ptr<Tokenizer> from_gguf(const GgufFile& file);

    // add_special: add BOS/EOS as the model's metadata asks (add_bos_token / add_eos_token).
    // parse_special: recognise control and user-defined token texts (e.g. "<|im_start|>") in the
    // input instead of tokenizing them as plain text. As in llama.cpp, user-defined tokens (e.g.
    // Qwen2's "[PAD151646]") are recognised even when parse_special is false; control and
    // unknown ones only when it is true. Invalid UTF-8 never throws: SentencePiece keeps the bytes
    // (byte fallback; characters are cut by their lead byte, as llama.cpp does); byte-level BPE
    // sees each invalid byte as U+FFFD, like llama.cpp.
    virtual std::vector<int32_t> encode(std::string_view text, bool add_special,
                                        bool parse_special) const = 0;

    // The bytes a token stands for (byte-fallback and byte-level tokens decoded, SentencePiece's
    // "▁" turned into a space). Control tokens give their text only when `special` is true.
    // This is llama.cpp's llama_token_to_piece(lstrip = 0), which llama-simple prints: the pieces
    // of [BOS, "▁Once"] are "<s>" and " Once". Throws lowbit::Error for an id out of range.
    virtual std::string token_to_piece(int32_t id, bool special) const = 0;
    // Concatenated pieces: exactly the bytes that were tokenized, for valid UTF-8 input without
    // special tokens (plus the space SentencePiece puts in front). Use StreamDecoder to print
    // tokens as they come.
    std::string decode(std::span<const int32_t> ids, bool special) const;
    // llama.cpp's llama_detokenize: drops the leading space SentencePiece added (unless the first
    // token is BOS and remove_special is set), drops BOS/EOS when remove_special, and for vocabularies
    // with clean_up_tokenization_spaces (GPT-2, LLaMA 3) removes spaces before ?!., and
    // contractions. detokenize(encode(text, false, false), false, false) == text for SentencePiece
    // vocabularies and valid UTF-8 text.
    virtual std::string detokenize(std::span<const int32_t> ids, bool remove_special,
                                   bool unparse_special) const = 0;

    virtual TokenizerKind kind() const = 0;
    virtual const std::string& pre_tokenizer() const = 0;  // tokenizer.ggml.pre, or "default"
    virtual int32_t n_vocab() const = 0;
    virtual const std::string& token_text(int32_t id) const = 0;  // the raw vocabulary entry
    virtual TokenAttr token_attr(int32_t id) const = 0;           // the type written in the file
    virtual uint32_t token_flags(int32_t id) const = 0;           // token_flag bits in effect
    virtual float token_score(int32_t id) const = 0;
    // The id of a token with exactly this text, or -1.
    virtual int32_t find_token(std::string_view text) const = 0;

    virtual int32_t bos() const = 0;  // -1 when the model has none
    virtual int32_t eos() const = 0;
    virtual int32_t eot() const = 0;  // end of turn (e.g. <|eot_id|>, <|im_end|>), or -1
    virtual int32_t eom() const = 0;  // end of message (<|eom_id|>), or -1
    virtual int32_t unk() const = 0;
    virtual int32_t pad() const = 0;
    virtual bool add_bos() const = 0;
    virtual bool add_eos() const = 0;
    virtual bool add_space_prefix() const = 0;
    // End-of-generation tokens: EOS, EOT, <|im_end|>, <|eot_id|>, <end_of_turn>, ... .
    virtual bool is_eog(int32_t id) const = 0;
    virtual const std::vector<int32_t>& eog_tokens() const = 0;  // sorted ids
    virtual bool is_control(int32_t id) const = 0;
};

// Turns a stream of token ids into text without ever emitting a partial UTF-8 sequence:
// bytes of a character split across tokens are held back until the character is complete.
// Bytes that can never start or continue a valid character are replaced by U+FFFD as soon as
// that is certain (one U+FFFD per maximal invalid subpart, as Unicode recommends).
class StreamDecoder {
  public:
    explicit StreamDecoder(const Tokenizer& tok, bool special = false) : tok_(tok), special_(special) {}
    // Returns the text that became complete with this token (possibly empty).
    std::string feed(int32_t id);
    // Returns whatever is still held back (invalid UTF-8 is replaced by U+FFFD) and resets.
    std::string flush();

  private:
    const Tokenizer& tok_;
    bool special_;
    std::string pending_;
};

}  // namespace lowbit
