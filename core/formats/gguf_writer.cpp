// Streaming GGUF v3 writer. Tensor sizes are known from type and shape, so the header with
// every offset is written first and the data can then be streamed tensor by tensor with
// bounded memory. Writes go to a temporary file that commit() renames into place.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "lowbit/error.h"
#include "lowbit/gguf.h"

namespace lowbit {
namespace {

constexpr uint32_t kMagic = 0x46554747;
constexpr uint32_t kVersion = 3;

uint64_t align_up(uint64_t x, uint64_t a) { return (x + a - 1) / a * a; }

uint64_t string_size(const std::string& s) { return 8 + s.size(); }

uint64_t value_payload_size(const GgufValue& v);

uint64_t array_payload_size(const GgufValue& v) {
    uint64_t n = 4 + 8;  // element type + count
    switch (v.elem_type()) {
        case GgufType::STRING:
            for (const auto& s : v.strings()) n += string_size(s);
            return n;
        case GgufType::ARRAY:
            for (const auto& a : v.arrays()) n += array_payload_size(a);
            return n;
        case GgufType::FLOAT32: return n + 4 * v.size();
        case GgufType::FLOAT64: return n + 8 * v.size();
        case GgufType::UINT8:
        case GgufType::INT8:
        case GgufType::BOOL: return n + v.size();
        case GgufType::UINT16:
        case GgufType::INT16: return n + 2 * v.size();
        case GgufType::UINT32:
        case GgufType::INT32: return n + 4 * v.size();
        default: return n + 8 * v.size();
    }
}

uint64_t value_payload_size(const GgufValue& v) {
    switch (v.type()) {
        case GgufType::STRING: return string_size(v.as_string());
        case GgufType::ARRAY: return array_payload_size(v);
        case GgufType::UINT8:
        case GgufType::INT8:
        case GgufType::BOOL: return 1;
        case GgufType::UINT16:
        case GgufType::INT16: return 2;
        case GgufType::UINT32:
        case GgufType::INT32:
        case GgufType::FLOAT32: return 4;
        default: return 8;
    }
}

}  // namespace

GgufWriter::GgufWriter(std::string path, size_t alignment)
    : path_(std::move(path)), tmp_path_(path_ + ".tmp"), alignment_(alignment) {
    if (alignment_ == 0 || (alignment_ & (alignment_ - 1)) != 0) throw Error("GGUF alignment must be a power of two");
    set("general.alignment", GgufValue::u32(static_cast<uint32_t>(alignment_)));
}

GgufWriter::GgufWriter(std::FILE* stream, size_t alignment)
    : path_("(stream)"), tmp_path_("(stream)"), alignment_(alignment), file_(stream), external_stream_(true) {
    if (!stream) throw Error("GgufWriter: null stream");
    if (alignment_ == 0 || (alignment_ & (alignment_ - 1)) != 0) throw Error("GGUF alignment must be a power of two");
    set("general.alignment", GgufValue::u32(static_cast<uint32_t>(alignment_)));
}

GgufWriter::~GgufWriter() {
    if (external_stream_) return;
    if (file_) std::fclose(file_);
    if (!committed_ && pos_ > 0) std::remove(tmp_path_.c_str());
}

void GgufWriter::set(const std::string& key, GgufValue value) {
    if (began_) throw Error("GgufWriter::set after begin()");
    for (auto& kv : kv_) {
        if (kv.first == key) {
            kv.second = std::move(value);
            return;
        }
    }
    kv_.emplace_back(key, std::move(value));
}

void GgufWriter::remove(const std::string& key) {
    if (began_) throw Error("GgufWriter::remove after begin()");
    std::erase_if(kv_, [&](const auto& kv) { return kv.first == key; });
}

size_t GgufWriter::add_tensor(const std::string& name, TensorType type, const std::vector<int64_t>& ne) {
    if (began_) throw Error("GgufWriter::add_tensor after begin()");
    if (ne.empty() || ne.size() > 4) throw Error("tensor '" + name + "' must have 1 to 4 dimensions");
    for (const auto& t : tensors_) {
        if (t.name == name) throw Error("duplicate tensor name '" + name + "'");
    }
    const TypeTraits& tt = type_traits(type);
    if (ne[0] % tt.block_size != 0)
        throw Error("tensor '" + name + "': row length " + std::to_string(ne[0]) + " is not a multiple of the " +
                    std::string(tt.name) + " block size " + std::to_string(tt.block_size));
    GgufTensorInfo ti;
    ti.name = name;
    ti.type = type;
    ti.ne = ne;
    ti.nbytes = tensor_bytes(type, ne[0], ti.n_elements());
    ti.offset = data_size_;
    data_size_ += align_up(ti.nbytes, alignment_);
    tensors_.push_back(std::move(ti));
    return tensors_.size() - 1;
}

uint64_t GgufWriter::expected_file_size() const {
    uint64_t n = 4 + 4 + 8 + 8;
    for (const auto& kv : kv_) n += string_size(kv.first) + 4 + value_payload_size(kv.second);
    for (const auto& t : tensors_) n += string_size(t.name) + 4 + 8 * t.ne.size() + 4 + 8;
    return align_up(n, alignment_) + data_size_;
}

void GgufWriter::put(const void* p, size_t n) {
    if (n == 0) return;
    if (std::fwrite(p, 1, n, file_) != n) {
        const int e = errno;
        throw Error("cannot write '" + tmp_path_ + "': " + std::strerror(e ? e : EIO));
    }
    pos_ += n;
}

void GgufWriter::pad_to(uint64_t target) {
    static const uint8_t zeros[64] = {};
    while (pos_ < target) put(zeros, static_cast<size_t>(std::min<uint64_t>(sizeof zeros, target - pos_)));
}

void GgufWriter::begin() {
    if (began_) throw Error("GgufWriter::begin called twice");
    if (!external_stream_) {
        file_ = std::fopen(tmp_path_.c_str(), "wb");
        if (!file_) throw Error("cannot create '" + tmp_path_ + "': " + std::strerror(errno));
    }
    began_ = true;
    pos_ = 0;
    auto put_u32 = [&](uint32_t v) { put(&v, 4); };
    auto put_u64 = [&](uint64_t v) { put(&v, 8); };
    auto put_str = [&](const std::string& s) {
        put_u64(s.size());
        put(s.data(), s.size());
    };
    // Scalars are written at their declared width.
    auto put_int = [&](GgufType t, int64_t v) {
        switch (t) {
            case GgufType::UINT8:
            case GgufType::INT8:
            case GgufType::BOOL: {
                const uint8_t b = static_cast<uint8_t>(v);
                put(&b, 1);
                break;
            }
            case GgufType::UINT16:
            case GgufType::INT16: {
                const uint16_t b = static_cast<uint16_t>(v);
                put(&b, 2);
                break;
            }
            case GgufType::UINT32:
            case GgufType::INT32: put_u32(static_cast<uint32_t>(v)); break;
            default: put_u64(static_cast<uint64_t>(v)); break;
        }
    };
    std::function<void(const GgufValue&)> put_array = [&](const GgufValue& v) {
        put_u32(static_cast<uint32_t>(v.elem_type()));
        put_u64(v.size());
        switch (v.elem_type()) {
            case GgufType::STRING:
                for (const auto& s : v.strings()) put_str(s);
                break;
            case GgufType::ARRAY:
                for (const auto& a : v.arrays()) put_array(a);
                break;
            case GgufType::FLOAT32:
                for (double d : v.floats()) {
                    const float f = static_cast<float>(d);
                    put(&f, 4);
                }
                break;
            case GgufType::FLOAT64:
                for (double d : v.floats()) put(&d, 8);
                break;
            default:
                for (int64_t i : v.ints()) put_int(v.elem_type(), i);
                break;
        }
    };

    put_u32(kMagic);
    put_u32(kVersion);
    put_u64(tensors_.size());
    put_u64(kv_.size());
    for (const auto& [key, v] : kv_) {
        put_str(key);
        put_u32(static_cast<uint32_t>(v.type()));
        switch (v.type()) {
            case GgufType::STRING: put_str(v.as_string()); break;
            case GgufType::ARRAY: put_array(v); break;
            case GgufType::FLOAT32: {
                const float f = static_cast<float>(v.as_number());
                put(&f, 4);
                break;
            }
            case GgufType::FLOAT64: {
                const double d = v.as_number();
                put(&d, 8);
                break;
            }
            default: put_int(v.type(), v.as_int()); break;
        }
    }
    for (const auto& t : tensors_) {
        put_str(t.name);
        put_u32(static_cast<uint32_t>(t.ne.size()));
        for (int64_t d : t.ne) put_u64(static_cast<uint64_t>(d));
        put_u32(static_cast<uint32_t>(t.type));
        put_u64(t.offset);
    }
    pad_to(align_up(pos_, alignment_));
    data_start_ = pos_;
    current_ = 0;
    current_written_ = 0;
}

void GgufWriter::write_data(const void* data, size_t n) {
    if (!began_) throw Error("GgufWriter::write_data before begin()");
    const uint8_t* p = static_cast<const uint8_t*>(data);
    while (n > 0) {
        if (current_ >= tensors_.size()) throw Error("GgufWriter: more tensor data than declared");
        const GgufTensorInfo& t = tensors_[current_];
        const uint64_t left = t.nbytes - current_written_;
        const size_t take = static_cast<size_t>(std::min<uint64_t>(left, n));
        put(p, take);
        p += take;
        n -= take;
        current_written_ += take;
        finish_tensor_if_complete();
    }
}

void GgufWriter::finish_tensor_if_complete() {
    while (current_ < tensors_.size() && current_written_ == tensors_[current_].nbytes) {
        pad_to(data_start_ + tensors_[current_].offset + align_up(tensors_[current_].nbytes, alignment_));
        ++current_;
        current_written_ = 0;
    }
}

void GgufWriter::commit() {
    if (!began_ || !file_) throw Error("GgufWriter::commit before begin()");
    finish_tensor_if_complete();
    if (current_ != tensors_.size())
        throw Error("GgufWriter: tensor '" + tensors_[current_].name + "' was not completely written");
    if (external_stream_) {
        if (std::fflush(file_) != 0) throw Error(std::string("cannot write GGUF stream: ") + std::strerror(errno));
        committed_ = true;
        return;
    }
    if (std::fflush(file_) != 0 || ::fsync(fileno(file_)) != 0) {
        const int e = errno;
        throw Error("cannot write '" + tmp_path_ + "': " + std::strerror(e));
    }
    if (std::fclose(file_) != 0) {
        file_ = nullptr;
        throw Error("cannot close '" + tmp_path_ + "': " + std::strerror(errno));
    }
    file_ = nullptr;
    if (std::rename(tmp_path_.c_str(), path_.c_str()) != 0)
        throw Error("cannot rename '" + tmp_path_ + "' to '" + path_ + "': " + std::strerror(errno));
    committed_ = true;
}

}  // namespace lowbit
