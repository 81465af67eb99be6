// GGUF parsing. Layout (little-endian): magic "GGUF", u32 version, u64 tensor count, u64 kv count,
// the key/value pairs, the tensor infos, padding to general.alignment, then the tensor data.
#include <cstring>
#include <limits>
#include <sstream>

#include "lowbit/error.h"
#include "lowbit/gguf.h"

namespace lowbit {
namespace {

constexpr uint32_t kMagic = 0x46554747;  // "GGUF" read as a little-endian u32
constexpr int kMaxDims = 4;
constexpr int kMaxNesting = 8;
constexpr uint64_t kMaxStringBytes = 1ull << 30;

// Bounds-checked cursor over the mapping. Every read checks the remaining length first.
class Cursor {
public:
    Cursor(const uint8_t* data, size_t size, const std::string& path) : p_(data), size_(size), path_(path) {}

    size_t pos() const { return pos_; }
    size_t remaining() const { return size_ - pos_; }

    [[noreturn]] void fail(const std::string& what) const {
        std::ostringstream os;
        os << "'" << path_ << "' is not a valid GGUF file: " << what << " (at byte " << pos_ << " of "
           << size_ << ")";
        throw FormatError(os.str());
    }

    template <typename T>
    T read() {
        if (remaining() < sizeof(T)) fail("unexpected end of file");
        T v;
        std::memcpy(&v, p_ + pos_, sizeof(T));
        pos_ += sizeof(T);
        return v;
    }

    std::string read_string(const char* what) {
        const uint64_t n = read<uint64_t>();
        if (n > remaining() || n > kMaxStringBytes)
            fail(std::string(what) + " has length " + std::to_string(n) + ", past the end of the file");
        std::string s(reinterpret_cast<const char*>(p_ + pos_), static_cast<size_t>(n));
        pos_ += static_cast<size_t>(n);
        return s;
    }

    // Fails unless `count` elements of at least `min_bytes` each can still fit in the file.
    void check_count(uint64_t count, uint64_t min_bytes, const std::string& what) const {
        if (min_bytes > 0 && count > remaining() / min_bytes)
            fail(what + " count " + std::to_string(count) + " cannot fit in the file");
    }

private:
    const uint8_t* p_;
    size_t size_;
    size_t pos_ = 0;
    const std::string& path_;
};

size_t scalar_size(GgufType t) {
    switch (t) {
        case GgufType::UINT8:
        case GgufType::INT8:
        case GgufType::BOOL: return 1;
        case GgufType::UINT16:
        case GgufType::INT16: return 2;
        case GgufType::UINT32:
        case GgufType::INT32:
        case GgufType::FLOAT32: return 4;
        case GgufType::UINT64:
        case GgufType::INT64:
        case GgufType::FLOAT64: return 8;
        default: return 0;
    }
}

bool valid_type(uint32_t t) { return t <= static_cast<uint32_t>(GgufType::FLOAT64); }

int64_t read_int_scalar(Cursor& c, GgufType t) {
    switch (t) {
        case GgufType::UINT8: return c.read<uint8_t>();
        case GgufType::INT8: return c.read<int8_t>();
        case GgufType::BOOL: {
            const uint8_t b = c.read<uint8_t>();
            if (b > 1) c.fail("bool value " + std::to_string(b) + " is neither 0 nor 1");
            return b;
        }
        case GgufType::UINT16: return c.read<uint16_t>();
        case GgufType::INT16: return c.read<int16_t>();
        case GgufType::UINT32: return c.read<uint32_t>();
        case GgufType::INT32: return c.read<int32_t>();
        case GgufType::UINT64: return static_cast<int64_t>(c.read<uint64_t>());
        case GgufType::INT64: return c.read<int64_t>();
        default: c.fail("internal: not an integer type");
    }
}

GgufValue read_value(Cursor& c, GgufType type, int depth);

GgufValue read_array(Cursor& c, int depth) {
    if (depth > kMaxNesting) c.fail("arrays nested deeper than " + std::to_string(kMaxNesting));
    const uint32_t et = c.read<uint32_t>();
    if (!valid_type(et)) c.fail("array element type " + std::to_string(et) + " is unknown");
    const GgufType elem = static_cast<GgufType>(et);
    const uint64_t n = c.read<uint64_t>();
    if (elem == GgufType::STRING) {
        c.check_count(n, 8, "string array");
        std::vector<std::string> v;
        v.reserve(static_cast<size_t>(n));
        for (uint64_t i = 0; i < n; ++i) v.push_back(c.read_string("array string"));
        return GgufValue::make_string_array(std::move(v));
    }
    if (elem == GgufType::ARRAY) {
        c.check_count(n, 12, "nested array");
        std::vector<GgufValue> v;
        v.reserve(static_cast<size_t>(n));
        for (uint64_t i = 0; i < n; ++i) v.push_back(read_array(c, depth + 1));
        return GgufValue::make_nested_array(std::move(v));
    }
    c.check_count(n, scalar_size(elem), "array element");
    if (elem == GgufType::FLOAT32 || elem == GgufType::FLOAT64) {
        std::vector<double> v(static_cast<size_t>(n));
        for (auto& x : v) x = elem == GgufType::FLOAT32 ? c.read<float>() : c.read<double>();
        return GgufValue::make_float_array(elem, std::move(v));
    }
    std::vector<int64_t> v(static_cast<size_t>(n));
    for (auto& x : v) x = read_int_scalar(c, elem);
    return GgufValue::make_int_array(elem, std::move(v));
}

GgufValue read_value(Cursor& c, GgufType type, int depth) {
    switch (type) {
        case GgufType::STRING: return GgufValue::make_string(c.read_string("string value"));
        case GgufType::ARRAY: return read_array(c, depth + 1);
        case GgufType::FLOAT32: return GgufValue::make_float(type, c.read<float>());
        case GgufType::FLOAT64: return GgufValue::make_float(type, c.read<double>());
        default: return GgufValue::make_int(type, read_int_scalar(c, type));
    }
}

bool mul_overflows(int64_t a, int64_t b, int64_t* out) { return __builtin_mul_overflow(a, b, out); }

}  // namespace

int64_t GgufTensorInfo::n_elements() const {
    int64_t n = 1;
    for (int64_t d : ne) n *= d;
    return n;
}

std::string GgufTensorInfo::shape_string() const {
    std::string s = "[";
    for (size_t i = 0; i < ne.size(); ++i) {
        if (i) s += ", ";
        s += std::to_string(ne[i]);
    }
    return s + "]";
}

std::unique_ptr<GgufFile> GgufFile::open(const std::string& path) {
    std::unique_ptr<GgufFile> f(new GgufFile());
    f->map_ = MappedFile(path);
    f->parse();
    return f;
}

void GgufFile::parse() {
    Cursor c(map_.data(), map_.size(), map_.path());
    if (map_.size() < 4) c.fail("the file is too small to hold a GGUF header");
    const uint32_t magic = c.read<uint32_t>();
    if (magic != kMagic) c.fail("bad magic (expected 'GGUF')");
    version_ = c.read<uint32_t>();
    if (version_ == 1) c.fail("GGUF version 1 is obsolete and not supported (re-convert the model)");
    if (version_ != 2 && version_ != 3) {
        if ((version_ & 0xffff) == 0 && version_ != 0) c.fail("big-endian GGUF files are not supported");
        c.fail("unsupported GGUF version " + std::to_string(version_));
    }
    const uint64_t n_tensors = c.read<uint64_t>();
    const uint64_t n_kv = c.read<uint64_t>();
    c.check_count(n_kv, 8 + 4 + 1, "metadata key");
    c.check_count(n_tensors, 8 + 4 + 4 + 8, "tensor");

    kv_.reserve(static_cast<size_t>(n_kv));
    for (uint64_t i = 0; i < n_kv; ++i) {
        std::string key = c.read_string("metadata key");
        if (key.empty()) c.fail("empty metadata key");
        const uint32_t t = c.read<uint32_t>();
        if (!valid_type(t)) c.fail("metadata '" + key + "' has unknown value type " + std::to_string(t));
        GgufValue v = read_value(c, static_cast<GgufType>(t), 0);
        if (kv_index_.count(key)) c.fail("duplicate metadata key '" + key + "'");
        kv_index_.emplace(key, kv_.size());
        kv_.emplace_back(std::move(key), std::move(v));
    }

    if (const GgufValue* a = find("general.alignment")) {
        if (!a->is_integer()) c.fail("general.alignment is not an integer");
        const int64_t al = a->as_int();
        if (al <= 0 || al > (1 << 20) || (al & (al - 1)) != 0)
            c.fail("general.alignment " + std::to_string(al) + " is not a power of two");
        alignment_ = static_cast<size_t>(al);
    }

    tensors_.reserve(static_cast<size_t>(n_tensors));
    for (uint64_t i = 0; i < n_tensors; ++i) {
        GgufTensorInfo ti;
        ti.name = c.read_string("tensor name");
        if (ti.name.empty()) c.fail("tensor " + std::to_string(i) + " has an empty name");
        const uint32_t n_dims = c.read<uint32_t>();
        if (n_dims == 0 || n_dims > kMaxDims)
            c.fail("tensor '" + ti.name + "' has " + std::to_string(n_dims) + " dimensions (1 to 4 allowed)");
        int64_t n_elem = 1;
        for (uint32_t d = 0; d < n_dims; ++d) {
            const uint64_t dim = c.read<uint64_t>();
            if (dim == 0 || dim > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
                c.fail("tensor '" + ti.name + "' has invalid dimension " + std::to_string(dim));
            ti.ne.push_back(static_cast<int64_t>(dim));
            if (mul_overflows(n_elem, static_cast<int64_t>(dim), &n_elem))
                c.fail("tensor '" + ti.name + "' has too many elements");
        }
        const uint32_t type = c.read<uint32_t>();
        const TypeTraits* traits = find_type_traits(type);
        if (!traits) c.fail("tensor '" + ti.name + "' has unknown type id " + std::to_string(type));
        ti.type = traits->type;
        if (ti.ne[0] % traits->block_size != 0)
            c.fail("tensor '" + ti.name + "' row length " + std::to_string(ti.ne[0]) +
                   " is not a multiple of the " + std::string(traits->name) + " block size " +
                   std::to_string(traits->block_size));
        int64_t bytes = 0;
        if (mul_overflows(n_elem / traits->block_size, static_cast<int64_t>(traits->block_bytes), &bytes))
            c.fail("tensor '" + ti.name + "' is too large");
        ti.nbytes = tensor_bytes(ti.type, ti.ne[0], n_elem);
        ti.offset = c.read<uint64_t>();
        if (ti.offset % alignment_ != 0)
            c.fail("tensor '" + ti.name + "' offset " + std::to_string(ti.offset) + " is not aligned to " +
                   std::to_string(alignment_));
        if (tensor_index_.count(ti.name)) c.fail("duplicate tensor name '" + ti.name + "'");
        tensor_index_.emplace(ti.name, tensors_.size());
        tensors_.push_back(std::move(ti));
    }

    // The data section starts at the next multiple of the alignment.
    const uint64_t pos = c.pos();
    data_offset_ = static_cast<size_t>((pos + alignment_ - 1) / alignment_ * alignment_);
    const uint64_t size = map_.size();
    if (n_tensors > 0 && data_offset_ > size) c.fail("the tensor data section is missing");
    for (auto& ti : tensors_) {
        const uint64_t avail = size - data_offset_;
        if (ti.offset > avail || ti.nbytes > avail - ti.offset) {
            std::ostringstream os;
            os << "tensor '" << ti.name << "' (" << ti.nbytes << " bytes at offset " << ti.offset
               << ") extends past the end of the file; the file is truncated or corrupt";
            throw FormatError("'" + map_.path() + "' is not a valid GGUF file: " + os.str());
        }
        ti.data = map_.data() + data_offset_ + ti.offset;
    }
}

const GgufValue* GgufFile::find(std::string_view key) const {
    auto it = kv_index_.find(std::string(key));
    return it == kv_index_.end() ? nullptr : &kv_[it->second].second;
}

namespace {
[[noreturn]] void key_error(const std::string& path, std::string_view key, const std::exception& e) {
    throw FormatError("'" + path + "': metadata '" + std::string(key) + "': " + e.what());
}
}  // namespace

std::optional<int64_t> GgufFile::get_int(std::string_view key) const {
    const GgufValue* v = find(key);
    if (!v) return std::nullopt;
    try {
        return v->as_int();
    } catch (const Error& e) {
        key_error(path(), key, e);
    }
}

std::optional<double> GgufFile::get_number(std::string_view key) const {
    const GgufValue* v = find(key);
    if (!v) return std::nullopt;
    try {
        return v->as_number();
    } catch (const Error& e) {
        key_error(path(), key, e);
    }
}

std::optional<bool> GgufFile::get_bool(std::string_view key) const {
    const GgufValue* v = find(key);
    if (!v) return std::nullopt;
    try {
        return v->as_bool();
    } catch (const Error& e) {
        key_error(path(), key, e);
    }
}

std::optional<std::string> GgufFile::get_string(std::string_view key) const {
    const GgufValue* v = find(key);
    if (!v) return std::nullopt;
    try {
        return v->as_string();
    } catch (const Error& e) {
        key_error(path(), key, e);
    }
}

const GgufTensorInfo* GgufFile::find_tensor(std::string_view name) const {
    auto it = tensor_index_.find(std::string(name));
    return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

}  // namespace lowbit
