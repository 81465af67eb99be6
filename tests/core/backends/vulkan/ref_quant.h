#pragma once
// Test-side references for the Vulkan kernel tests: random weights in each GGUF block format,
// an independent dequantizer per format (written from the format description, not from the
// shaders), and the dot products the CPU backend defines.
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "backends/cpu/act_quant.h"
#include "backends/cpu/kernels.h"
#include "lowbit/fp16.h"
#include "lowbit/tensor_type.h"
#include "quant/blocks.h"

namespace lowbit::vktest {

using Rng = std::mt19937;

inline uint16_t f16(float v) {
    return fp32_to_fp16(v);
}

// Random rows of `type`. unit: every scale is 1 and values are small integers, so that any
// summation order gives the exact integer result (the integer kernels are then compared bit for bit).
inline std::vector<uint8_t> random_weights(TensorType type, int64_t k, int64_t rows, Rng& rng, bool unit) {
    const size_t rb = row_bytes(type, k);
    std::vector<uint8_t> w(rb * static_cast<size_t>(rows));
    std::uniform_int_distribution<int> byte(0, 255), small(-3, 3);
    std::uniform_real_distribution<float> val(-1.0f, 1.0f), scale(0.002f, 0.02f);
    auto d16 = [&] { return unit ? f16(1.0f) : f16(scale(rng)); };
    for (int64_t r = 0; r < rows; ++r) {
        uint8_t* row = w.data() + static_cast<size_t>(r) * rb;
        switch (type) {
            case TensorType::F32:
                for (int64_t i = 0; i < k; ++i) {
                    const float v = unit ? static_cast<float>(small(rng)) : val(rng);
                    std::memcpy(row + 4 * i, &v, 4);
                }
                break;
            case TensorType::F16:
            case TensorType::BF16:
                for (int64_t i = 0; i < k; ++i) {
                    const float v = unit ? static_cast<float>(small(rng)) : val(rng);
                    const uint16_t h = type == TensorType::F16 ? f16(v) : fp32_to_bf16(v);
                    std::memcpy(row + 2 * i, &h, 2);
                }
                break;
            case TensorType::Q8_0:
                for (int64_t b = 0; b < k / 32; ++b) {
                    auto* blk = reinterpret_cast<quant::BlockQ8_0*>(row) + b;
                    blk->d = d16();
                    for (auto& q : blk->qs) q = static_cast<int8_t>(byte(rng) - 128);
                }
                break;
            case TensorType::Q4_0:
                for (int64_t b = 0; b < k / 32; ++b) {
                    auto* blk = reinterpret_cast<quant::BlockQ4_0*>(row) + b;
                    blk->d = d16();
                    for (auto& q : blk->qs) q = static_cast<uint8_t>(byte(rng));
                }
                break;
            case TensorType::TQ2_0:
                for (int64_t b = 0; b < k / 256; ++b) {
                    auto* blk = reinterpret_cast<quant::BlockTQ2_0*>(row) + b;
                    for (auto& q : blk->qs) {  // four codes in {0,1,2} (3 is not a valid code)
                        q = 0;
                        for (int l = 0; l < 4; ++l) q |= static_cast<uint8_t>(byte(rng) % 3) << (2 * l);
                    }
                    blk->d = d16();
                }
                break;
            case TensorType::TQ1_0:
                for (int64_t b = 0; b < k / 256; ++b) {
                    auto* blk = reinterpret_cast<quant::BlockTQ1_0*>(row) + b;
                    for (auto& q : blk->qs) q = static_cast<uint8_t>(byte(rng));
                    for (auto& q : blk->qh) q = static_cast<uint8_t>(byte(rng));
                    blk->d = d16();
                }
                break;
            case TensorType::Q4_K:
                for (int64_t b = 0; b < k / 256; ++b) {
                    auto* blk = reinterpret_cast<quant::BlockQ4_K*>(row) + b;
                    blk->d = d16();
                    blk->dmin = d16();
                    for (auto& q : blk->scales) q = static_cast<uint8_t>(byte(rng));
                    for (auto& q : blk->qs) q = static_cast<uint8_t>(byte(rng));
                }
                break;
            case TensorType::Q6_K:
                for (int64_t b = 0; b < k / 256; ++b) {
                    auto* blk = reinterpret_cast<quant::BlockQ6_K*>(row) + b;
                    for (auto& q : blk->ql) q = static_cast<uint8_t>(byte(rng));
                    for (auto& q : blk->qh) q = static_cast<uint8_t>(byte(rng));
                    for (auto& q : blk->scales) q = static_cast<int8_t>(byte(rng) - 128);
                    blk->d = unit ? f16(1.0f) : f16(scale(rng) * 0.05f);
                }
                break;
            default:
                break;
        }
    }
    return w;
}

// ---- Independent dequantizers of the k-quants (llama.cpp's format, from its description) ----

inline void scale_min_k4(int j, const uint8_t* q, int& sc, int& m) {
    if (j < 4) {
        sc = q[j] & 63;
        m = q[j + 4] & 63;
    } else {
        sc = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
        m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
    }
}

// Q4_K element i of a block as (integer part, min part): x = d*A - dmin*B.
inline void q4k_element(const quant::BlockQ4_K& b, int i, int& a, int& mn) {
    const int g = i / 64, l = i % 64;
    const int sub = 2 * g + (l >= 32);
    int sc, m;
    scale_min_k4(sub, b.scales, sc, m);
    const uint8_t byte = b.qs[32 * g + (l % 32)];
    const int q = l < 32 ? (byte & 0xF) : (byte >> 4);
    a = sc * q;
    mn = m;
}

// Q6_K element i as sc * (q - 32) (times d).
inline int q6k_element(const quant::BlockQ6_K& b, int i) {
    const int half = i / 128, j = i % 128, quarter = j / 32, l = j % 32;
    const uint8_t* ql = b.ql + 64 * half;
    const uint8_t* qh = b.qh + 32 * half;
    const int8_t* sc = b.scales + 8 * half;
    int lo;
    switch (quarter) {
        case 0:
            lo = ql[l] & 0xF;
            break;
        case 1:
            lo = ql[l + 32] & 0xF;
            break;
        case 2:
            lo = ql[l] >> 4;
            break;
        default:
            lo = ql[l + 32] >> 4;
            break;
    }
    const int hi = (qh[l] >> (2 * quarter)) & 3;
    return sc[l / 16 + 2 * quarter] * ((lo | (hi << 4)) - 32);
}

// Reference y[t][r] in double for the types the CPU backend has no kernel for (k-quants),
// from Q8_K activation blocks.
inline double kquant_dot(TensorType type, int64_t k, const uint8_t* w, const quant::BlockQ8_K* a) {
    double s = 0;
    for (int64_t b = 0; b < k / 256; ++b) {
        if (type == TensorType::Q4_K) {
            const auto& blk = reinterpret_cast<const quant::BlockQ4_K*>(w)[b];
            int64_t isum = 0, imin = 0;
            for (int i = 0; i < 256; ++i) {
                int av, mn;
                q4k_element(blk, i, av, mn);
                isum += static_cast<int64_t>(av) * a[b].qs[i];
                imin += static_cast<int64_t>(mn) * a[b].qs[i];
            }
            s += static_cast<double>(a[b].d) *
                 (static_cast<double>(fp16_to_fp32(blk.d)) * static_cast<double>(isum) -
                  static_cast<double>(fp16_to_fp32(blk.dmin)) * static_cast<double>(imin));
        } else {
            const auto& blk = reinterpret_cast<const quant::BlockQ6_K*>(w)[b];
            int64_t isum = 0;
            for (int i = 0; i < 256; ++i) isum += static_cast<int64_t>(q6k_element(blk, i)) * a[b].qs[i];
            s += static_cast<double>(a[b].d) * static_cast<double>(fp16_to_fp32(blk.d)) *
                 static_cast<double>(isum);
        }
    }
    return s;
}

}  // namespace lowbit::vktest
