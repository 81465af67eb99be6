#pragma once
// Low-bit (ternary, I2_S, k-quant) matrix kernels, same tile contract as matmul_tile.
#include <cstddef>
#include <cstdint>

#include "lowbit/tensor_type.h"

namespace lowbit::cpu {

// Runs the SIMD tile kernel for a low-bit type (TQ1_0, TQ2_0, I2_S, Q2_K..Q6_K); returns false
// when the type is not one of them.
bool ternary_matmul_tile(TensorType wtype, int64_t k, const uint8_t* w, size_t w_stride, int64_t nr,
                         const uint8_t* a, size_t a_stride, int64_t nt, float* y, int64_t ldy);
// The k-quant part (Q2_K..Q6_K x Q8_K); returns false for other types.
bool kquant_matmul_tile(TensorType wtype, int64_t k, const uint8_t* w, size_t w_stride, int64_t nr,
                        const uint8_t* a, size_t a_stride, int64_t nt, float* y, int64_t ldy);

// Q4_1, Q5_0, Q5_1, IQ4_NL (x Q8_0) and IQ4_XS (x Q8_K), kernels_q32_simd.cpp; returns false for
// other types.
bool q32_matmul_tile(TensorType wtype, int64_t k, const uint8_t* w, size_t w_stride, int64_t nr,
                     const uint8_t* a, size_t a_stride, int64_t nt, float* y, int64_t ldy);

}  // namespace lowbit::cpu
