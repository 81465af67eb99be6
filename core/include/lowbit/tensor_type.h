#pragma once
// Tensor element types as GGUF numbers them (ggml's type ids), plus bitnet.cpp's I2_S.
// Every type a GGUF file may name is described here, so that any file can be opened and
// listed; which types the engine can compute with is a separate question (is_computable).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lowbit {

enum class TensorType : uint32_t {
    F32 = 0,
    F16 = 1,
    Q4_0 = 2,
    Q4_1 = 3,
    Q5_0 = 6,
    Q5_1 = 7,
    Q8_0 = 8,
    Q8_1 = 9,
    Q2_K = 10,
    Q3_K = 11,
    Q4_K = 12,
    Q5_K = 13,
    Q6_K = 14,
    Q8_K = 15,
    IQ2_XXS = 16,
    IQ2_XS = 17,
    IQ3_XXS = 18,
    IQ1_S = 19,
    IQ4_NL = 20,
    IQ3_S = 21,
    IQ2_S = 22,
    IQ4_XS = 23,
    I8 = 24,
    I16 = 25,
    I32 = 26,
    I64 = 27,
    F64 = 28,
    IQ1_M = 29,
    BF16 = 30,
    TQ1_0 = 34,
    TQ2_0 = 35,
    I2_S = 36,  // bitnet.cpp: 2-bit ternary codes, one float scale per tensor after the codes
    MXFP4 = 39,
    NVFP4 = 40,
    Q1_0 = 41,
    Q2_0 = 42,
};

struct TypeTraits {
    TensorType type;
    std::string_view name;  // as llama.cpp prints it ("f16", "q4_K", "tq2_0", ...)
    int64_t block_size;     // elements per block
    size_t block_bytes;     // bytes per block
    bool quantized;
};

// Traits of a type id, or nullptr when the id is not a known GGUF type.
const TypeTraits* find_type_traits(uint32_t type_id);
// Traits of a known type (never null).
const TypeTraits& type_traits(TensorType type);
std::string_view type_name(TensorType type);
std::optional<TensorType> type_from_name(std::string_view name);  // case-insensitive

// Bytes of one row of ne0 elements; ne0 must be a multiple of the block size.
size_t row_bytes(TensorType type, int64_t ne0);
// Bytes of a whole tensor of n elements whose rows have ne0 elements.
// (I2_S differs from the block rule: codes for all elements, then a 32-byte scale field.)
size_t tensor_bytes(TensorType type, int64_t ne0, int64_t n_elements);

// Bits per weight of a tensor stored in this type (from tensor_bytes, so I2_S counts its scale).
double bits_per_weight(TensorType type, int64_t ne0, int64_t n_elements);

}  // namespace lowbit
