#pragma once
// Weights on the GPU. Matrices are uploaded once, through staging, in a layout the shaders read
// as 32-bit words: each block's values ("payload", padded to whole words) in one array and its
// fp16 scale, when the GGUF block starts or ends with one, in a second array. Matrices larger
// than one shader binding may cover (maxStorageBufferRange, 128 MiB on lavapipe) are split into
// row chunks, each bound and dispatched separately.
#include <cstdint>
#include <string>
#include <vector>

#include "backends/vulkan/context.h"
#include "lowbit/model.h"
#include "lowbit/tensor_type.h"

namespace lowbit::vulkan {

// How a tensor type is laid out on the GPU; nullptr from gpu_layout() when not supported.
struct GpuLayout {
    TensorType type;
    int64_t block;            // elements per block (1 for F32/F16/BF16)
    size_t src_block_bytes;   // bytes of one block in the GGUF file
    uint32_t payload_bytes;   // bytes of one block's payload on the GPU (a multiple of 4 per row)
    int d_offset;             // byte offset of the fp16 scale moved out of the block, or -1
    const char* shader;       // matmul shader
    const char* rows_shader;  // embedding lookup (get_rows) shader
    bool float_acts;          // multiplies float activations (else int8-quantized ones)
    int64_t act_block;        // activation quantization block (32: Q8_0, 256: Q8_K), 0 for float
    int64_t k_multiple;       // row length must be a multiple of this
};
const GpuLayout* gpu_layout(TensorType t);

struct GpuVector;

struct GpuMatrix {
    struct Chunk {
        int64_t row0 = 0, rows = 0;
        BufferRange payload;  // rows * payload bytes per row
        BufferRange scales;   // rows * blocks per row fp16 values (or the placeholder)
    };
    const GpuLayout* layout = nullptr;
    TensorType type = TensorType::F32;
    int64_t ne0 = 0, rows = 0;
    float scale = 1.0f;  // extra output scale (BitNet ".scale", I2_S tensor scale)
    std::vector<Chunk> chunks;
    std::vector<Allocation> allocations;
    size_t device_bytes = 0;
    std::string name;
    // 1-bit weights (layout "matmul_sign"): OneBit's input-side g and output-side h, as floats
    // (empty ranges when absent, e.g. for BitNet-binary, whose β is `scale`).
    BufferRange g, h;
};

// Uploads rows x ne0 values stored as `type`, rows `row_stride` bytes apart. Throws
// UnsupportedError (type, or a row length the kernels cannot take) or OutOfDeviceMemoryError.
GpuMatrix upload_matrix(Context& ctx, TensorType type, int64_t ne0, int64_t rows, const uint8_t* data,
                        size_t row_stride, const std::string& name);
GpuMatrix upload_matrix(Context& ctx, const Weight& w);
// A 1-bit weight: packed signs (rows of k / 8 bytes, row_stride apart, bit c % 8 of byte c / 8 =
// weight c, 1 = +1), optional OneBit value vectors g (k) and h (rows), output scale (binary β).
GpuMatrix upload_sign_matrix(Context& ctx, int64_t k, int64_t rows, const uint8_t* signs, size_t row_stride,
                             const float* g, const float* h, float scale, const std::string& name);
// Why a weight cannot run on the GPU, or "" when it can.
std::string gpu_unsupported_reason(const Weight& w);

// A float vector (norm weight, bias) uploaded as F32 (from F32 or F16).
struct GpuVector {
    Allocation alloc;
    int64_t n = 0;
    const BufferRange& range() const { return alloc.range(); }
    explicit operator bool() const { return static_cast<bool>(alloc); }
};
GpuVector upload_vector(Context& ctx, const Weight& w);
GpuVector upload_floats(Context& ctx, const float* data, int64_t n, const std::string& name);

}  // namespace lowbit::vulkan
