#pragma once
// The vocabulary of a SentencePiece model file (tokenizer.model, a serialized protobuf
// ModelProto), read with a small validating protobuf wire-format decoder: only the pieces
// (text, score, type) and the trainer's model type are needed.
#include <cstdint>
#include <string>
#include <vector>

namespace lowbit::conv {

struct SentencePiece {
    std::string piece;
    float score = 0.0f;
    int32_t type = 1;  // NORMAL=1 UNKNOWN=2 CONTROL=3 USER_DEFINED=4 UNUSED=5 BYTE=6 (= GGUF token types)
};

struct SentencePieceModel {
    std::vector<SentencePiece> pieces;
    int32_t model_type = 0;  // TrainerSpec.model_type when present: UNIGRAM=1 BPE=2 WORD=3 CHAR=4
};

// Throws lowbit::FormatError naming the file for anything malformed.
SentencePieceModel read_sentencepiece_model(const std::string& path);
// Decodes from memory (for tests); `what` names the source in errors.
SentencePieceModel parse_sentencepiece_model(const uint8_t* data, size_t size, const std::string& what);

}  // namespace lowbit::conv
