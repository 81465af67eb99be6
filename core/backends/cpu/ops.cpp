#include "backends/cpu/ops.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "backends/cpu/kernels.h"
#include "lowbit/error.h"
#include "lowbit/fp16.h"
#include "lowbit/quant.h"

namespace lowbit::cpu {

void rms_norm_row(const float* x, const float* w, float* y, int64_t n, float eps) {
    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(x[i] * x[i]);
    const float mean = static_cast<float>(sum / static_cast<double>(n));
    const float scale = 1.0f / std::sqrt(mean + eps);
    if (w) {
        for (int64_t i = 0; i < n; ++i) y[i] = (x[i] * scale) * w[i];
    } else {
        for (int64_t i = 0; i < n; ++i) y[i] = x[i] * scale;
    }
}

void load_vector(const Weight& w, float* out) {
    const int64_t n = w.n_elements();
    if (w.type == TensorType::F32) {
        std::copy_n(reinterpret_cast<const float*>(w.data), n, out);
    } else if (w.type == TensorType::F16) {
        f16_to_f32_row(reinterpret_cast<const uint16_t*>(w.data), out, n);
    } else {
        throw UnsupportedError("vector weight of type " + std::string(type_name(w.type)));
    }
}

void rope_cache(const RopeParams& p, int64_t pos, float* cache) {
    const float theta_scale = std::pow(p.freq_base, -2.0f / static_cast<float>(p.n_rot));
    float theta = static_cast<float>(pos);
    for (int64_t i = 0; i < p.n_rot / 2; ++i) {
        const float ff = p.freq_factors ? p.freq_factors[i] : 1.0f;
        const float t = p.freq_scale * (theta / ff);
        cache[2 * i] = std::cos(t);
        cache[2 * i + 1] = std::sin(t);
        theta *= theta_scale;
    }
}

void rope_apply(const RopeParams& p, const float* cache, float* x, int64_t n_heads, int64_t head_dim) {
    const int64_t half = p.n_rot / 2;
    for (int64_t h = 0; h < n_heads; ++h) {
        float* v = x + h * head_dim;
        for (int64_t i = 0; i < half; ++i) {
            const float c = cache[2 * i], s = cache[2 * i + 1];
            // Normal: adjacent pairs (2i, 2i+1); NeoX: pairs (i, i + n_rot/2).
            const int64_t a = p.type == RopeType::Normal ? 2 * i : i;
            const int64_t b = p.type == RopeType::Normal ? 2 * i + 1 : i + half;
            const float x0 = v[a], x1 = v[b];
            v[a] = x0 * c - x1 * s;
            v[b] = x0 * s + x1 * c;
        }
    }
}

void silu_mul(const float* gate, const float* up, float* out, int64_t n) {
    for (int64_t i = 0; i < n; ++i) {
        const float g = gate[i];
        out[i] = (g / (1.0f + std::exp(-g))) * up[i];
    }
}

void relu2_mul(const float* gate, const float* up, float* out, int64_t n) {
    for (int64_t i = 0; i < n; ++i) {
        const float g = gate[i] > 0.0f ? gate[i] : 0.0f;
        out[i] = (g * g) * up[i];
    }
}

void add_inplace(float* y, const float* x, int64_t n) {
    for (int64_t i = 0; i < n; ++i) y[i] += x[i];
}

void softmax_inplace(float* x, int64_t n) {
    float max = -INFINITY;
    for (int64_t i = 0; i < n; ++i) max = std::max(max, x[i]);
    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i) {
        const float e = std::exp(x[i] - max);
        x[i] = e;
        sum += e;
    }
    const float inv = static_cast<float>(1.0 / sum);
    for (int64_t i = 0; i < n; ++i) x[i] *= inv;
}

void embedding_row(const Weight& embd, int32_t token, float* out) {
    if (token < 0 || token >= embd.rows)
        throw Error("token id " + std::to_string(token) + " is outside the vocabulary (" + std::to_string(embd.rows) +
                    " tokens)");
    const uint8_t* row = embd.data + static_cast<size_t>(token) * embd.row_stride;
    switch (embd.type) {
        case TensorType::F32: std::copy_n(reinterpret_cast<const float*>(row), embd.ne0, out); return;
        case TensorType::F16: f16_to_f32_row(reinterpret_cast<const uint16_t*>(row), out, embd.ne0); return;
        default: quant::dequantize_row(embd.type, row, out, embd.ne0); return;
    }
}

}  // namespace lowbit::cpu
