#pragma once
// Block quantizers of core/quant, shared by the dispatch (quantize.cpp) and the activation
// conversions. nb = number of blocks; x points at nb * block_size floats.
#include <cstdint>
#include <cstring>

#include "quant/blocks.h"

namespace lowbit::quant {

// llama.cpp's nearest_int: round half to even through the 1.5 * 2^23 trick (|f| <= 2^22).
inline int nearest_int(float f) {
    const float v = f + 12582912.0f;
    int32_t i;
    std::memcpy(&i, &v, sizeof(i));
    return (i & 0x007fffff) - 0x00400000;
}

void quantize_q4_0(const float* x, BlockQ4_0* y, int64_t nb);
void quantize_q4_1(const float* x, BlockQ4_1* y, int64_t nb);
void quantize_q5_0(const float* x, BlockQ5_0* y, int64_t nb);
void quantize_q5_1(const float* x, BlockQ5_1* y, int64_t nb);
void quantize_q8_0(const float* x, BlockQ8_0* y, int64_t nb);
void quantize_q8_K(const float* x, BlockQ8_K* y, int64_t nb);

// Ternary packing: trits t in {-1, 0, 1}, 256 per block, with the block's fp16 scale.
void pack_tq1_0(const int8_t* t, uint16_t d, BlockTQ1_0* y);
void pack_tq2_0(const int8_t* t, uint16_t d, BlockTQ2_0* y);
// 128 trits into one 32-byte I2_S block (codes t + 1).
void pack_i2s(const int8_t* t, uint8_t* block);

// llama.cpp's per-block rule (quantize_row_tq1_0_ref / tq2_0_ref).
void quantize_tq1_0_absmax(const float* x, BlockTQ1_0* y, int64_t nb);
void quantize_tq2_0_absmax(const float* x, BlockTQ2_0* y, int64_t nb);
// BitNet b1.58 with a given tensor scale s: t = clamp(round_half_even(x * (1/s)), -1, 1).
void ternarize(const float* x, float scale, int8_t* t, int64_t n);

}  // namespace lowbit::quant
