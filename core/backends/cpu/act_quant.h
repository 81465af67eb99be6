#pragma once
// Activation quantization rules shared by the scalar reference and the SIMD kernels, so both
// produce identical bytes. Q8_0 follows llama.cpp's x86 rule (scale = max|x| / 127, values
// rounded to nearest-even); Q8_K follows its reference rule (signed extreme value, nearest int).
#include <cmath>
#include <cstdint>

#include <cstring>

#include "lowbit/fp16.h"
#include "lowbit/quant.h"
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

// BitNet b1.58's activation quantization, as bitnet.cpp runs the models (quantize_row_i8_s): one
// scale per token (row), s = 127 / max(1e-5, max|x|) computed in double, q = clamp(round(x·s))
// with halves to even. Stored in Q8_K blocks (every block carries the same d = 1/s) so the
// ternary kernels take either activation format.
inline void quantize_q8_K_row(const float* x, quant::BlockQ8_K* out, int64_t k) {
    double amax = 0.0;
    for (int64_t i = 0; i < k; ++i) amax = std::fmax(amax, std::fabs(static_cast<double>(x[i])));
    amax = std::fmax(amax, 1e-5);
    const float s = static_cast<float>(127.0 / amax);
    const float d = 1.0f / s;
    for (int64_t b = 0; b < k / quant::QK_K; ++b) {
        quant::BlockQ8_K& blk = out[b];
        blk.d = d;
        for (int i = 0; i < quant::QK_K; ++i) {
            const float v = std::nearbyint(x[b * quant::QK_K + i] * s);
            blk.qs[i] = static_cast<int8_t>(v > 127.0f ? 127.0f : (v < -128.0f ? -128.0f : v));
        }
        for (int g = 0; g < quant::QK_K / 16; ++g) {
            int sum = 0;
            for (int i = 0; i < 16; ++i) sum += blk.qs[g * 16 + i];
            blk.bsums[g] = static_cast<int16_t>(sum);
        }
    }
}

// ActFormat::I8_Row: bitnet.cpp's per-token int8 row, byte for byte quant::quantize_activation_row's
// I8 format (k int8 values, float s, int32 Σq), for any k (OneBit rows are multiples of 8 only).
inline void quantize_i8_row(const float* x, uint8_t* out, int64_t k) {
    const quant::I8Activation a = quant::quantize_row_i8s(x, reinterpret_cast<int8_t*>(out), k);
    std::memcpy(out + k, &a.scale, sizeof(float));
    std::memcpy(out + k + sizeof(float), &a.sum, sizeof(int32_t));
}

// The scale and the sum stored after the k values of an I8_Row row.
inline float i8_row_scale(const uint8_t* row, int64_t k) {
    float s;
    std::memcpy(&s, row + k, sizeof(float));
    return s;
}
inline int32_t i8_row_sum(const uint8_t* row, int64_t k) {
    int32_t s;
    std::memcpy(&s, row + k + sizeof(float), sizeof(int32_t));
    return s;
}

}  // namespace lowbit::cpu
