#pragma once
// Low-bit (ternary / 1-bit) matrix kernels, same tile contract as matmul_tile.
#include <cstddef>
#include <cstdint>

#include "lowbit/tensor_type.h"

namespace lowbit::cpu {

// Runs the SIMD tile kernel for a low-bit type; returns false when the type is not one of them.
bool ternary_matmul_tile(TensorType wtype, int64_t k, const uint8_t* w, size_t w_stride, int64_t nr,
                         const uint8_t* a, size_t a_stride, int64_t nt, float* y, int64_t ldy);

}  // namespace lowbit::cpu
