#pragma once
// Inputs that make a kernel's float result exact (no Qt: the cross-built ARM harness uses them
// too). With unit scales and small activations every product and partial sum of a dot product
// over a few blocks is an integer below 2^24, so any summation order is exact in float and a SIMD
// kernel must give exactly the reference's value: its integer parts are checked bit for bit.
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "core/quant/random_blocks.h"
#include "lowbit/fp16.h"
#include "lowbit/tensor_type.h"
#include "quant/blocks.h"

namespace lowbit::test {

// n rows of k/256 Q8_K activation blocks with d = 1 and values in −2..2.
inline std::vector<uint8_t> small_q8k_rows(int64_t k, int64_t n, std::mt19937& rng) {
    std::vector<uint8_t> out(static_cast<size_t>(k / 256 * n) * sizeof(quant::BlockQ8_K));
    auto* b = reinterpret_cast<quant::BlockQ8_K*>(out.data());
    for (int64_t i = 0; i < k / 256 * n; ++i) {
        b[i].d = 1.0f;
        for (auto& q : b[i].qs) q = static_cast<int8_t>(static_cast<int>(rng() % 5) - 2);
        for (int g = 0; g < 16; ++g) {
            int sum = 0;
            for (int j = 0; j < 16; ++j) sum += b[i].qs[16 * g + j];
            b[i].bsums[g] = static_cast<int16_t>(sum);
        }
    }
    return out;
}

// n rows of k/32 Q8_0 activation blocks with d = 1 and values in −2..2.
inline std::vector<uint8_t> small_q8_0_rows(int64_t k, int64_t n, std::mt19937& rng) {
    std::vector<uint8_t> out(static_cast<size_t>(k / 32 * n) * sizeof(quant::BlockQ8_0));
    auto* b = reinterpret_cast<quant::BlockQ8_0*>(out.data());
    for (int64_t i = 0; i < k / 32 * n; ++i) {
        b[i].d = fp32_to_fp16(1.0f);
        for (auto& q : b[i].qs) q = static_cast<int8_t>(static_cast<int>(rng() % 5) - 2);
    }
    return out;
}

// Sets every fp16 scale field of a weight row's blocks to 1.0 (d) or 2.0 (dmin, Q4_1/Q5_1's m).
inline void unit_scales(TensorType t, uint8_t* row, int64_t k) {
    const size_t bb = type_traits(t).block_bytes;
    const auto fields = half_fields(t);
    for (int64_t b = 0; b < k / type_traits(t).block_size; ++b)
        for (size_t f = 0; f < fields.size(); ++f) {
            const uint16_t h = fp32_to_fp16(f == 0 ? 1.0f : 2.0f);
            std::memcpy(row + b * bb + fields[f], &h, 2);
        }
}

}  // namespace lowbit::test
