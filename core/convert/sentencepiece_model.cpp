// Protobuf wire format (the parts ModelProto uses): each field is a varint key
// (field_number << 3 | wire_type) followed by a varint (0), 8 bytes (1), a varint length and that
// many bytes (2), or 4 bytes (5). ModelProto.pieces = 1 (message SentencePiece {piece = 1 string,
// score = 2 float, type = 3 enum}), ModelProto.trainer_spec = 2 (TrainerSpec.model_type = 3).
#include "convert/sentencepiece_model.h"

#include <cstring>

#include "convert/json_file.h"
#include "lowbit/error.h"

namespace lowbit::conv {

namespace {

class Reader {
  public:
    Reader(const uint8_t* p, size_t n, const std::string& what) : p_(p), end_(p + n), what_(what) {}
    bool done() const { return p_ == end_; }

    [[noreturn]] void fail(const std::string& why) const {
        throw FormatError("'" + what_ + "' is not a valid SentencePiece model: " + why);
    }
    uint64_t varint() {
        uint64_t v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (p_ == end_) fail("truncated varint");
            const uint8_t b = *p_++;
            v |= static_cast<uint64_t>(b & 0x7f) << shift;
            if (!(b & 0x80)) return v;
        }
        fail("varint longer than 10 bytes");
    }
    // Returns {field, wire type}.
    std::pair<uint32_t, uint32_t> key() {
        const uint64_t k = varint();
        if ((k >> 3) == 0 || (k >> 3) > 0x1fffffff) fail("bad field number");
        return {static_cast<uint32_t>(k >> 3), static_cast<uint32_t>(k & 7)};
    }
    Reader sub() {
        const uint64_t n = varint();
        if (n > static_cast<uint64_t>(end_ - p_)) fail("a length-delimited field runs past the end");
        Reader r(p_, static_cast<size_t>(n), what_);
        p_ += n;
        return r;
    }
    std::string bytes() {
        Reader r = sub();
        return std::string(reinterpret_cast<const char*>(r.p_), static_cast<size_t>(r.end_ - r.p_));
    }
    float fixed32_float() {
        if (end_ - p_ < 4) fail("truncated fixed32");
        float f;
        std::memcpy(&f, p_, 4);
        p_ += 4;
        return f;
    }
    void skip(uint32_t wire) {
        switch (wire) {
            case 0:
                varint();
                return;
            case 1:
                if (end_ - p_ < 8) fail("truncated fixed64");
                p_ += 8;
                return;
            case 2:
                sub();
                return;
            case 5:
                if (end_ - p_ < 4) fail("truncated fixed32");
                p_ += 4;
                return;
            default:
                fail("unsupported wire type " + std::to_string(wire));
        }
    }

  private:
    const uint8_t* p_;
    const uint8_t* end_;
    const std::string& what_;
};

}  // namespace

SentencePieceModel parse_sentencepiece_model(const uint8_t* data, size_t size, const std::string& what) {
    SentencePieceModel m;
    Reader r(data, size, what);
    while (!r.done()) {
        auto [field, wire] = r.key();
        if (field == 1 && wire == 2) {
            Reader pr = r.sub();
            SentencePiece sp;
            bool has_piece = false;
            while (!pr.done()) {
                auto [f, w] = pr.key();
                if (f == 1 && w == 2) {
                    sp.piece = pr.bytes();
                    has_piece = true;
                } else if (f == 2 && w == 5) {
                    sp.score = pr.fixed32_float();
                } else if (f == 3 && w == 0) {
                    const uint64_t t = pr.varint();
                    if (t < 1 || t > 6)
                        pr.fail("piece " + std::to_string(m.pieces.size()) + " has unknown type " +
                                std::to_string(t));
                    sp.type = static_cast<int32_t>(t);
                } else {
                    pr.skip(w);
                }
            }
            if (!has_piece) r.fail("piece " + std::to_string(m.pieces.size()) + " has no text");
            m.pieces.push_back(std::move(sp));
            if (m.pieces.size() > (1u << 24)) r.fail("more than 16M pieces");
        } else if (field == 2 && wire == 2) {
            Reader tr = r.sub();
            while (!tr.done()) {
                auto [f, w] = tr.key();
                if (f == 3 && w == 0)
                    m.model_type = static_cast<int32_t>(tr.varint());
                else
                    tr.skip(w);
            }
        } else {
            r.skip(wire);
        }
    }
    if (m.pieces.empty()) r.fail("it has no pieces");
    return m;
}

SentencePieceModel read_sentencepiece_model(const std::string& path) {
    const std::string bytes = read_text_file(path, size_t(256) << 20);
    return parse_sentencepiece_model(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), path);
}

}  // namespace lowbit::conv
