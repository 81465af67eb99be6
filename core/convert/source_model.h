#pragma once
// A conversion source, GGUF file or Hugging Face folder, seen the same way: GGUF metadata to
// carry into the output and a list of tensors (GGUF names and shapes) whose rows can be read as
// floats, with the transforms the source needs (LLaMA Q/K row permutation, BitNet's weight
// ternarization) applied on the fly. Nothing is loaded: both formats are memory-mapped.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "convert/hf_config.h"
#include "lowbit/gguf.h"
#include "lowbit/safetensors.h"
#include "lowbit/tensor_type.h"

namespace lowbit::conv {

struct SourceTensor {
    std::string name;                   // GGUF name
    std::string source_name;            // name in the source (HF name for safetensors)
    std::vector<int64_t> ne;            // ne[0] = row length
    TensorType type = TensorType::F32;  // stored type (safetensors F32/F16/BF16 map to the same)
    std::string type_label;             // "f16", "q4_K", "bf16" ...
    const uint8_t* data = nullptr;
    size_t nbytes = 0;
    const GgufTensorInfo* gguf = nullptr;   // GGUF source
    const SafetensorsTensor* st = nullptr;  // safetensors source
    std::vector<float> owned;               // generated tensors (rope_freqs)
    int64_t permute_heads = 0;              // > 0: LLaMA Q/K rows come in HF's order, with this many heads
    bool ternarize = false;                 // apply BitNet b1.58 weight_quant while reading

    int64_t ne0() const { return ne.empty() ? 0 : ne[0]; }
    int64_t n_elements() const;
    int64_t rows() const { return ne0() > 0 ? n_elements() / ne0() : 0; }
    bool is_vector() const { return ne.size() == 1 || rows() == 1; }
};

struct SourceModel {
    std::string path;
    std::string format;  // "gguf" or "safetensors"
    std::string arch;
    std::string name;
    std::string tokenizer_summary;
    Metadata metadata;                  // to write (no alignment, file type or quantization keys)
    std::vector<SourceTensor> tensors;  // in output order
    uint64_t file_bytes = 0;
    bool native_ternary = false;  // BitNet b1.58 model
    bool has_quantized = false;   // some weight is stored in a quantized type
    std::vector<std::string> warnings;

    std::unique_ptr<GgufFile> gguf;
    std::unique_ptr<SafetensorsModel> st;
};

// Opens a .gguf file or a model folder. Throws lowbit::Error with what is wrong.
std::unique_ptr<SourceModel> open_source(const std::string& path);

// Reads the rows of one tensor as floats (thread-safe after construction). For a ternarized
// tensor the constructor makes one pass over the data for BitNet's scale.
class RowReader {
  public:
    explicit RowReader(const SourceTensor& t);
    // Rows [r0, r0 + n) into dst (n * ne0 floats). Vectors are one row.
    void read(int64_t r0, int64_t n, float* dst) const;
    // Gives the tensor's mapped pages back to the OS (they are re-read from the file if needed).
    void release() const;
    // The same for the pages of rows [r0, r0 + n) once they are processed (a no-op for permuted
    // tensors, whose rows are read out of order: they are released as a whole).
    void release_rows(int64_t r0, int64_t n) const;
    float ternary_scale() const { return scale_; }

  private:
    void read_raw_row(int64_t r, float* dst) const;  // before transforms, row r as stored
    const SourceTensor& t_;
    int64_t ne0_;
    int64_t rows_;
    size_t row_stride_ = 0;
    float i2s_scale_ = 0.0f;
    float scale_ = 0.0f;  // BitNet weight_quant scale
};

// Gives the pages of [p, p + n) of a read-only file mapping back to the OS.
void release_mapped_pages(const void* p, size_t n);

}  // namespace lowbit::conv
