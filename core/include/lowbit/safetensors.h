#pragma once
// Hugging Face safetensors files, read in place over a read-only memory map.
//
// Layout: an 8-byte little-endian header length N, N bytes of JSON
//   {"__metadata__": {"k": "v", ...}, "name": {"dtype": "F16", "shape": [r, c], "data_offsets": [b, e]}, ...}
// then the data section; [b, e) is relative to its start. Nothing in the header is trusted: the
// length, the JSON, every dtype, shape (element count with overflow checks), byte range (inside
// the file, e - b equal to the element count times the dtype size) and the absence of overlaps
// are checked before any tensor is handed out, so a corrupt or hostile file gives a
// lowbit::FormatError naming the file and the problem, never a crash.
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "lowbit/mapped_file.h"

namespace lowbit {

enum class SafetensorsDtype {
    BOOL,
    U8,
    I8,
    F8_E4M3,
    F8_E5M2,
    U16,
    I16,
    F16,
    BF16,
    U32,
    I32,
    F32,
    U64,
    I64,
    F64,
};
std::string_view safetensors_dtype_name(SafetensorsDtype d);
size_t safetensors_dtype_size(SafetensorsDtype d);
std::optional<SafetensorsDtype> safetensors_dtype_from_name(std::string_view name);

struct SafetensorsTensor {
    std::string name;
    SafetensorsDtype dtype = SafetensorsDtype::F32;
    std::vector<int64_t> shape;  // as stored: outermost dimension first (PyTorch order)
    uint64_t offset = 0;         // of the first byte, relative to the data section
    size_t nbytes = 0;
    const uint8_t* data = nullptr;  // into the mapping

    int64_t n_elements() const;
    // F32, F16 or BF16: the dtypes whose values can be read as floats.
    bool is_float() const;
    std::string shape_string() const;  // e.g. "[32000, 256]"
};

// Converts elements [first, first + n) of a F32/F16/BF16 tensor to float (exact).
// Throws lowbit::UnsupportedError for other dtypes and lowbit::Error for a range outside it.
void safetensors_to_float(const SafetensorsTensor& t, int64_t first, int64_t n, float* dst);

class SafetensorsFile {
  public:
    // Maps and validates the file. Throws lowbit::Error (cannot open) or FormatError.
    static std::unique_ptr<SafetensorsFile> open(const std::string& path);

    const std::string& path() const { return map_.path(); }
    size_t file_size() const { return map_.size(); }
    size_t data_offset() const { return data_offset_; }  // 8 + header length

    const std::vector<SafetensorsTensor>& tensors() const { return tensors_; }  // in data order
    const SafetensorsTensor* find(std::string_view name) const;
    const std::map<std::string, std::string>& metadata() const { return metadata_; }

  private:
    SafetensorsFile() = default;
    void parse();

    MappedFile map_;
    size_t data_offset_ = 0;
    std::vector<SafetensorsTensor> tensors_;
    std::unordered_map<std::string, size_t> index_;
    std::map<std::string, std::string> metadata_;
};

// The weights of a model folder: "model.safetensors", or the shards that
// "model.safetensors.index.json" names (its weight_map is checked: shard names must be plain
// file names in the folder, every listed tensor must be in its shard and no tensor may appear
// twice), or, without an index, every "*.safetensors" file of the folder.
class SafetensorsModel {
  public:
    static std::unique_ptr<SafetensorsModel> open_folder(const std::string& dir);

    const std::string& dir() const { return dir_; }
    const std::vector<std::unique_ptr<SafetensorsFile>>& files() const { return files_; }
    // Every tensor of every shard, shard by shard in data order.
    const std::vector<const SafetensorsTensor*>& tensors() const { return tensors_; }
    const SafetensorsTensor* find(std::string_view name) const;
    // The file that holds a tensor (for error messages).
    const SafetensorsFile& file_of(const SafetensorsTensor& t) const;
    uint64_t total_bytes() const;  // sum of the files' sizes

  private:
    SafetensorsModel() = default;
    std::string dir_;
    std::vector<std::unique_ptr<SafetensorsFile>> files_;
    std::vector<const SafetensorsTensor*> tensors_;
    std::vector<size_t> file_index_;  // per entry of tensors_
    std::unordered_map<std::string, size_t> index_;
};

}  // namespace lowbit
