#pragma once
// Reference (scalar) conversions between float and the stored tensor types. These define
// what each format means; SIMD kernels and GPU shaders are tested against them.
// Quantizers reproduce llama.cpp's rules bit for bit where the issue demands it (Q8_0, Q4_0,
// TQ1_0/TQ2_0 "per-block" rule), so files we write load in llama.cpp and vice versa.
#include <cstddef>
#include <cstdint>

#include "lowbit/tensor_type.h"

namespace lowbit::quant {

// True when dequantize_row() understands the type.
bool can_dequantize(TensorType type);
// Decodes n elements (a multiple of the block size) starting at a block boundary.
// I2_S: `src` is the start of the tensor's codes and `n` may be a whole row; the scale is
// passed separately by dequantize_i2s_row because it lives after all codes of the tensor.
void dequantize_row(TensorType type, const void* src, float* dst, int64_t n);

// How a ternary quantizer picks its scale.
enum class TernaryRule {
    AbsMeanTensor,  // BitNet b1.58: one scale = mean(|W|) over the whole tensor, q = clamp(round(W/s))
    AbsMaxBlock,    // llama.cpp's TQ1_0/TQ2_0 rule: per 256-block d = max(|x|), q = round(x/d)
};

struct QuantizeOptions {
    TernaryRule ternary_rule = TernaryRule::AbsMeanTensor;
    // Optional per-tensor scale for the AbsMeanTensor rule when the caller already computed it
    // (streaming conversion computes it in a first pass); <= 0 means "compute from the data".
    float tensor_scale = 0.0f;
};

// True when quantize_tensor() can produce the type.
bool can_quantize(TensorType type);
// Quantizes a whole tensor of nrows rows of ne0 floats into `dst`, which must hold
// tensor_bytes(type, ne0, ne0 * nrows) bytes. Returns the bytes written.
size_t quantize_tensor(TensorType type, const float* src, void* dst, int64_t ne0, int64_t nrows,
                       const QuantizeOptions& opts = {});

// The BitNet b1.58 absmean scale of a tensor: mean(|W|), clamped away from zero.
float absmean_scale(const float* src, int64_t n);

}  // namespace lowbit::quant
