#pragma once
// Activation quantization rules shared by the scalar reference and the SIMD kernels, so both
// produce identical bytes. Q8_0 follows llama.cpp's x86 rule (scale = max|x| / 127, values
// rounded to nearest-even); Q8_K follows its reference rule (signed extreme value, nearest int).
#include <cmath>
#include <cstdint>

#include "lowbit/fp16.h"
#include "quant/blocks.h"

namespace lowbit::cpu {

inline void quantize_q8_0_block(const float* x, quant::BlockQ8_0* out) {
    float amax = 0.0f;
    for (int i = 0; i < quant::QK8_0; ++i) amax = std::fmax(amax, std::fabs(x[i]));
    const float d = amax / 127.0f;
    const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
    out->d = fp32_to_fp16(d);
    for (int i = 0; i < quant::QK8_0; ++i) out->qs[i] = static_cast<int8_t>(std::nearbyint(x[i] * id));
}

inline void quantize_q8_K_block(const float* x, quant::BlockQ8_K* out) {
    float max = 0.0f, amax = 0.0f;
    for (int i = 0; i < quant::QK_K; ++i) {
        const float ax = std::fabs(x[i]);
        if (ax > amax) {
            amax = ax;
            max = x[i];
        }
    }
    if (amax == 0.0f) {
        out->d = 0.0f;
        for (int i = 0; i < quant::QK_K; ++i) out->qs[i] = 0;
        for (int i = 0; i < quant::QK_K / 16; ++i) out->bsums[i] = 0;
        return;
    }
    const float iscale = -127.0f / max;
    for (int i = 0; i < quant::QK_K; ++i) {
        int v = static_cast<int>(std::nearbyint(iscale * x[i]));
        out->qs[i] = static_cast<int8_t>(v > 127 ? 127 : v);
    }
    for (int g = 0; g < quant::QK_K / 16; ++g) {
        int sum = 0;
        for (int i = 0; i < 16; ++i) sum += out->qs[g * 16 + i];
        out->bsums[g] = static_cast<int16_t>(sum);
    }
    out->d = 1.0f / iscale;
}

// BitNet b1.58's activation quantization: one absmax scale per token (row), values
// round(x * 127 / max|x|) with halves away from zero, as the models were trained and as
// bitnet.cpp runs them. Stored in Q8_K blocks (every block carries the same scale) so the
// ternary kernels take either format.
inline void quantize_q8_K_row(const float* x, quant::BlockQ8_K* out, int64_t k) {
    float amax = 0.0f;
    for (int64_t i = 0; i < k; ++i) amax = std::fmax(amax, std::fabs(x[i]));
    const float iscale = amax > 0.0f ? 127.0f / amax : 0.0f;
    const float d = amax > 0.0f ? amax / 127.0f : 0.0f;
    for (int64_t b = 0; b < k / quant::QK_K; ++b) {
        quant::BlockQ8_K& blk = out[b];
        blk.d = d;
        for (int i = 0; i < quant::QK_K; ++i) {
            const float v = std::round(x[b * quant::QK_K + i] * iscale);
            blk.qs[i] = static_cast<int8_t>(v > 127.0f ? 127.0f : (v < -128.0f ? -128.0f : v));
        }
        for (int g = 0; g < quant::QK_K / 16; ++g) {
            int sum = 0;
            for (int i = 0; i < 16; ++i) sum += blk.qs[g * 16 + i];
            blk.bsums[g] = static_cast<int16_t>(sum);
        }
    }
}

}  // namespace lowbit::cpu
