#pragma once
// GGUF v2/v3 reading (over a read-only memory map) and writing (streamed, atomic).
// The reader validates every count, length, size and offset against the file before using
// it, so a corrupt or hostile file gives a lowbit::FormatError and never a crash.
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "lowbit/mapped_file.h"
#include "lowbit/tensor_type.h"

namespace lowbit {

enum class GgufType : uint32_t {
    UINT8 = 0,
    INT8 = 1,
    UINT16 = 2,
    INT16 = 3,
    UINT32 = 4,
    INT32 = 5,
    FLOAT32 = 6,
    BOOL = 7,
    STRING = 8,
    ARRAY = 9,
    UINT64 = 10,
    INT64 = 11,
    FLOAT64 = 12,
};
std::string_view gguf_type_name(GgufType t);

// One metadata value: a scalar, a string, or a (possibly nested) array.
// Array elements are stored by kind: integers (UINT64 kept as its bit pattern), floats, strings,
// or nested arrays, so a 150k-entry vocabulary costs one vector, not 150k values.
class GgufValue {
public:
    GgufValue() = default;
    static GgufValue make_int(GgufType type, int64_t v);  // any integer type or BOOL
    static GgufValue make_float(GgufType type, double v);  // FLOAT32 or FLOAT64
    static GgufValue make_string(std::string v);
    static GgufValue make_int_array(GgufType elem_type, std::vector<int64_t> v);
    static GgufValue make_float_array(GgufType elem_type, std::vector<double> v);
    static GgufValue make_string_array(std::vector<std::string> v);
    static GgufValue make_nested_array(std::vector<GgufValue> arrays);  // each must be an array

    static GgufValue u32(uint32_t v) { return make_int(GgufType::UINT32, v); }
    static GgufValue i32(int32_t v) { return make_int(GgufType::INT32, v); }
    static GgufValue u64(uint64_t v) { return make_int(GgufType::UINT64, static_cast<int64_t>(v)); }
    static GgufValue f32(float v) { return make_float(GgufType::FLOAT32, v); }
    static GgufValue boolean(bool v) { return make_int(GgufType::BOOL, v ? 1 : 0); }

    GgufType type() const { return type_; }
    bool is_integer() const;  // integer types and BOOL
    bool is_float() const { return type_ == GgufType::FLOAT32 || type_ == GgufType::FLOAT64; }
    bool is_string() const { return type_ == GgufType::STRING; }
    bool is_array() const { return type_ == GgufType::ARRAY; }

    // Scalar access; throws lowbit::FormatError naming the expected kind on a mismatch.
    int64_t as_int() const;
    uint64_t as_uint() const;
    double as_number() const;  // integers or floats
    bool as_bool() const;
    const std::string& as_string() const;

    // Array access.
    GgufType elem_type() const { return elem_type_; }
    size_t size() const;
    const std::vector<int64_t>& ints() const;
    const std::vector<double>& floats() const;
    const std::vector<std::string>& strings() const;
    const std::vector<GgufValue>& arrays() const;

    // Short human-readable rendering (arrays abbreviated) for `lowbit info`.
    std::string to_display_string(size_t max_items = 8) const;

private:
    GgufType type_ = GgufType::UINT8;
    GgufType elem_type_ = GgufType::UINT8;
    int64_t int_ = 0;
    double float_ = 0.0;
    std::string string_;
    std::vector<int64_t> ints_;
    std::vector<double> floats_;
    std::vector<std::string> strings_;
    std::vector<GgufValue> arrays_;
};

struct GgufTensorInfo {
    std::string name;
    TensorType type = TensorType::F32;
    std::vector<int64_t> ne;  // ne[0] is the row length (innermost), as in ggml
    uint64_t offset = 0;      // relative to the start of the data section
    size_t nbytes = 0;
    const uint8_t* data = nullptr;  // points into the mapping (reader only)

    int64_t n_elements() const;
    int64_t rows() const { return ne.empty() ? 0 : n_elements() / ne[0]; }
    std::string shape_string() const;  // e.g. "[256, 32000]"
};

class GgufFile {
public:
    // Maps and parses the file. Throws lowbit::Error / FormatError with the file name and reason.
    static std::unique_ptr<GgufFile> open(const std::string& path);

    uint32_t version() const { return version_; }
    size_t alignment() const { return alignment_; }
    size_t data_offset() const { return data_offset_; }
    size_t file_size() const { return map_.size(); }
    const std::string& path() const { return map_.path(); }

    const std::vector<std::pair<std::string, GgufValue>>& metadata() const { return kv_; }
    const GgufValue* find(std::string_view key) const;
    // Typed getters: nullopt when the key is absent, FormatError when it has the wrong kind.
    std::optional<int64_t> get_int(std::string_view key) const;
    std::optional<double> get_number(std::string_view key) const;
    std::optional<bool> get_bool(std::string_view key) const;
    std::optional<std::string> get_string(std::string_view key) const;

    const std::vector<GgufTensorInfo>& tensors() const { return tensors_; }
    const GgufTensorInfo* find_tensor(std::string_view name) const;

private:
    GgufFile() = default;
    void parse();

    MappedFile map_;
    uint32_t version_ = 0;
    size_t alignment_ = 32;
    size_t data_offset_ = 0;
    std::vector<std::pair<std::string, GgufValue>> kv_;
    std::unordered_map<std::string, size_t> kv_index_;
    std::vector<GgufTensorInfo> tensors_;
    std::unordered_map<std::string, size_t> tensor_index_;
};

// Writes a GGUF v3 file. Declare metadata and tensors first, then call begin(), then give
// every tensor's bytes in declaration order (in one or several pieces), then commit().
// The file is written to "<path>.tmp" and renamed into place by commit(), so an interrupted or
// failed write never leaves a half file under the final name. I/O errors (disk full) throw.
class GgufWriter {
public:
    explicit GgufWriter(std::string path, size_t alignment = 32);
    // Writes into an already open stream (e.g. an in-memory file) that the caller owns; commit()
    // flushes it but renames nothing.
    explicit GgufWriter(std::FILE* stream, size_t alignment = 32);
    ~GgufWriter();  // removes the temporary file unless commit() succeeded
    GgufWriter(const GgufWriter&) = delete;
    GgufWriter& operator=(const GgufWriter&) = delete;

    void set(const std::string& key, GgufValue value);  // replaces an existing key in place
    void remove(const std::string& key);
    // Declares a tensor; returns its index. ne[0] must be a multiple of the type's block size.
    size_t add_tensor(const std::string& name, TensorType type, const std::vector<int64_t>& ne);
    size_t tensor_count() const { return tensors_.size(); }
    const GgufTensorInfo& tensor(size_t i) const { return tensors_[i]; }

    void begin();                                  // writes header, metadata and tensor infos
    void write_data(const void* data, size_t n);  // appends bytes of the current tensor
    void commit();                                 // checks sizes, pads, flushes, fsyncs, renames
    // Bytes of the header and padding, valid after all tensors are declared.
    uint64_t expected_file_size() const;

private:
    void put(const void* p, size_t n);
    void pad_to(uint64_t pos);
    void finish_tensor_if_complete();

    std::string path_;
    std::string tmp_path_;
    size_t alignment_;
    std::vector<std::pair<std::string, GgufValue>> kv_;
    std::vector<GgufTensorInfo> tensors_;
    uint64_t data_size_ = 0;  // sum of aligned tensor sizes
    std::FILE* file_ = nullptr;
    uint64_t pos_ = 0;
    uint64_t data_start_ = 0;
    size_t current_ = 0;           // tensor being written
    uint64_t current_written_ = 0;  // bytes of it written so far
    bool committed_ = false;
    bool external_stream_ = false;
    bool began_ = false;
};

}  // namespace lowbit
