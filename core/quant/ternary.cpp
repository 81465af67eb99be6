// Ternary formats: packing of TQ1_0 / TQ2_0 (llama.cpp) and I2_S (bitnet.cpp) blocks, llama.cpp's
// per-block absmax rule, and BitNet b1.58's per-tensor absmean rule with its scale.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "lowbit/fp16.h"
#include "lowbit/quant.h"
#include "quant/quantize_internal.h"

namespace lowbit::quant {

void pack_tq1_0(const int8_t* t, uint16_t d, BlockTQ1_0* y) {
    // Five trits per byte, first trit most significant, stored as ceil(v * 256 / 243) so that
    // multiplying the byte by 3^n (mod 256) brings trit n to the top (see tq1_trit).
    auto encode = [](unsigned v) { return static_cast<uint8_t>((v * 256 + (243 - 1)) / 243); };
    for (int m = 0; m < 32; ++m) {  // bytes 0..31: elements m + 32n, n = 0..4
        unsigned v = 0;
        for (int n = 0; n < 5; ++n) v = v * 3 + static_cast<unsigned>(t[m + 32 * n] + 1);
        y->qs[m] = encode(v);
    }
    for (int m = 0; m < 16; ++m) {  // bytes 32..47: elements 160 + m + 16n
        unsigned v = 0;
        for (int n = 0; n < 5; ++n) v = v * 3 + static_cast<unsigned>(t[160 + m + 16 * n] + 1);
        y->qs[32 + m] = encode(v);
    }
    for (int j = 0; j < 4; ++j) {  // qh: elements 240 + j + 4n, n = 0..3, fifth trit zero
        unsigned v = 0;
        for (int n = 0; n < 4; ++n) v = v * 3 + static_cast<unsigned>(t[240 + j + 4 * n] + 1);
        y->qh[j] = encode(v * 3);
    }
    y->d = d;
}

void pack_tq2_0(const int8_t* t, uint16_t d, BlockTQ2_0* y) {
    // Byte j + m of each 32-byte half j holds elements 4j + 32l + m (l = 0..3) at bits 2l.
    for (int j = 0; j < QK_K / 4; j += 32) {
        for (int m = 0; m < 32; ++m) {
            unsigned q = 0;
            for (int l = 0; l < 4; ++l)
                q |= static_cast<unsigned>((t[4 * j + 32 * l + m] + 1) & 3) << (2 * l);
            y->qs[j + m] = static_cast<uint8_t>(q);
        }
    }
    y->d = d;
}

void pack_i2s(const int8_t* t, uint8_t* block) {
    for (int p = 0; p < 32; ++p) {
        unsigned q = 0;
        for (int g = 0; g < 4; ++g) q |= static_cast<unsigned>(t[32 * g + p] + 1) << (6 - 2 * g);
        block[p] = static_cast<uint8_t>(q);
    }
}

namespace {

// llama.cpp: d = max|x| of the block, trit = lroundf(x * (1/d)) (halves away from zero).
uint16_t absmax_trits(const float* x, int8_t* t) {
    float amax = 0.0f;
    for (int j = 0; j < QK_K; ++j) amax = std::max(amax, std::fabs(x[j]));
    const float id = amax != 0.0f ? 1.0f / amax : 0.0f;
    for (int j = 0; j < QK_K; ++j) t[j] = static_cast<int8_t>(std::lroundf(x[j] * id));
    return fp32_to_fp16(amax);
}

}  // namespace

void quantize_tq1_0_absmax(const float* x, BlockTQ1_0* y, int64_t nb) {
    int8_t t[QK_K];
    for (int64_t i = 0; i < nb; ++i, x += QK_K) pack_tq1_0(t, absmax_trits(x, t), &y[i]);
}

void quantize_tq2_0_absmax(const float* x, BlockTQ2_0* y, int64_t nb) {
    int8_t t[QK_K];
    for (int64_t i = 0; i < nb; ++i, x += QK_K) pack_tq2_0(t, absmax_trits(x, t), &y[i]);
}

void ternarize(const float* x, float scale, int8_t* t, int64_t n) {
    // BitNet's weight_quant: (w * (1 / gamma)).round().clamp(-1, 1), torch.round = half to even.
    const float inv = 1.0f / scale;
    for (int64_t i = 0; i < n; ++i) {
        const float r = std::nearbyint(x[i] * inv);
        t[i] = static_cast<int8_t>(r > 0.0f ? 1 : (r < 0.0f ? -1 : 0));
    }
}

void TernaryScale::add(const float* x, int64_t n) {
    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i) {
        const float a = std::fabs(x[i]);
        sum += a;
        if (a != 0.0f) {
            if (nonzero_ == 0) {
                min_nz_ = max_nz_ = a;
            } else {
                min_nz_ = std::min(min_nz_, a);
                max_nz_ = std::max(max_nz_, a);
            }
            ++nonzero_;
        }
    }
    sum_abs_ += sum;
    count_ += n;
}

float TernaryScale::scale() const {
    constexpr float kMinScale = 1e-5f;  // BitNet's clamp(min=1e-5)
    if (exactly_ternary()) return max_nz_;
    return std::max(static_cast<float>(mean_abs()), kMinScale);
}

float absmean_scale(const float* src, int64_t n) {
    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i) sum += std::fabs(src[i]);
    const double mean = n > 0 ? sum / static_cast<double>(n) : 0.0;
    return std::max(static_cast<float>(mean), 1e-5f);
}

float ternary_tensor_scale(const float* src, int64_t n) {
    TernaryScale s;
    s.add(src, n);
    return s.scale();
}

void write_i2s_trailer(void* trailer, float scale) {
    auto* p = static_cast<uint8_t*>(trailer);
    std::memset(p, 0, I2_S_TRAILER_BYTES);
    std::memcpy(p, &scale, sizeof(float));  // little-endian hosts only (GGUF is little-endian)
}

}  // namespace lowbit::quant
