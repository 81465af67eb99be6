// Scalar reference kernels: the definition of every CPU kernel's result. Written for clarity;
// the SIMD kernels in kernels_simd.cpp must agree with them (integer parts exactly).
#include <cmath>
#include <cstring>

#include "backends/cpu/act_quant.h"
#include "backends/cpu/kernels.h"
#include "lowbit/error.h"
#include "lowbit/fp16.h"
#include "lowbit/onebit.h"
#include "lowbit/quant.h"
#include "quant/blocks.h"

namespace lowbit::cpu {

using quant::BlockQ4_0;
using quant::BlockQ8_0;

ActFormat activation_format(TensorType t, bool per_token_int8) {
    // I2_S exists only as bitnet.cpp runs it: codes times per-token int8 activations.
    if (t == TensorType::I2_S) return ActFormat::I8_Row;
    if (per_token_int8 && (t == TensorType::TQ1_0 || t == TensorType::TQ2_0 || t == TensorType::I2_S))
        return ActFormat::Q8_K_Row;
    switch (t) {
        case TensorType::F32:
            return ActFormat::F32;
        case TensorType::F16:
            return ActFormat::F32asF16;
        case TensorType::BF16:
            return ActFormat::F32asBF16;
        case TensorType::Q8_0:
        case TensorType::Q4_0:
        case TensorType::Q4_1:
        case TensorType::Q5_0:
        case TensorType::Q5_1:
        case TensorType::IQ4_NL:
            return ActFormat::Q8_0;
        case TensorType::IQ4_XS:
        case TensorType::TQ1_0:
        case TensorType::TQ2_0:
        case TensorType::Q2_K:
        case TensorType::Q3_K:
        case TensorType::Q4_K:
        case TensorType::Q5_K:
        case TensorType::Q6_K:
            return ActFormat::Q8_K;
        default:
            break;
    }
    throw UnsupportedError("no CPU matrix kernel for tensor type " + std::string(type_name(t)));
}

bool has_matmul_kernel(TensorType t) {
    try {
        activation_format(t);
        return true;
    } catch (const UnsupportedError&) {
        return false;
    }
}

size_t activation_row_bytes(ActFormat f, int64_t k) {
    switch (f) {
        case ActFormat::F32:
        case ActFormat::F32asF16:
        case ActFormat::F32asBF16:
            return static_cast<size_t>(k) * sizeof(float);
        case ActFormat::Q8_0:
            return static_cast<size_t>(k / quant::QK8_0) * sizeof(BlockQ8_0);
        case ActFormat::Q8_K:
        case ActFormat::Q8_K_Row:
            return static_cast<size_t>(k / quant::QK_K) * sizeof(quant::BlockQ8_K);
        case ActFormat::I8_Row:
            return static_cast<size_t>(k) + sizeof(float) + sizeof(int32_t);
    }
    return 0;
}

void convert_activation_row_ref(ActFormat f, const float* x, void* out, int64_t k) {
    switch (f) {
        case ActFormat::F32:
            std::memcpy(out, x, static_cast<size_t>(k) * sizeof(float));
            return;
        case ActFormat::F32asF16: {
            float* y = static_cast<float*>(out);
            for (int64_t i = 0; i < k; ++i) y[i] = fp16_to_fp32(fp32_to_fp16(x[i]));
            return;
        }
        case ActFormat::F32asBF16: {
            float* y = static_cast<float*>(out);
            for (int64_t i = 0; i < k; ++i) y[i] = bf16_to_fp32(fp32_to_bf16(x[i]));
            return;
        }
        case ActFormat::Q8_0: {
            auto* b = static_cast<BlockQ8_0*>(out);
            for (int64_t i = 0; i < k / quant::QK8_0; ++i) quantize_q8_0_block(x + i * quant::QK8_0, b + i);
            return;
        }
        case ActFormat::Q8_K: {
            auto* b = static_cast<quant::BlockQ8_K*>(out);
            for (int64_t i = 0; i < k / quant::QK_K; ++i) quantize_q8_K_block(x + i * quant::QK_K, b + i);
            return;
        }
        case ActFormat::Q8_K_Row:
            quantize_q8_K_row(x, static_cast<quant::BlockQ8_K*>(out), k);
            return;
        case ActFormat::I8_Row:
            quantize_i8_row(x, static_cast<uint8_t*>(out), k);
            return;
    }
}

namespace {

float dot_ref(TensorType wtype, int64_t k, const uint8_t* w, const uint8_t* a) {
    switch (wtype) {
        case TensorType::F32: {
            const float* wf = reinterpret_cast<const float*>(w);
            const float* af = reinterpret_cast<const float*>(a);
            double s = 0;
            for (int64_t i = 0; i < k; ++i) s += static_cast<double>(wf[i]) * af[i];
            return static_cast<float>(s);
        }
        case TensorType::F16: {
            const uint16_t* wh = reinterpret_cast<const uint16_t*>(w);
            const float* af = reinterpret_cast<const float*>(a);
            double s = 0;
            for (int64_t i = 0; i < k; ++i) s += static_cast<double>(fp16_to_fp32(wh[i])) * af[i];
            return static_cast<float>(s);
        }
        case TensorType::BF16: {
            const uint16_t* wb = reinterpret_cast<const uint16_t*>(w);
            const float* af = reinterpret_cast<const float*>(a);
            double s = 0;
            for (int64_t i = 0; i < k; ++i) s += static_cast<double>(bf16_to_fp32(wb[i])) * af[i];
            return static_cast<float>(s);
        }
        case TensorType::Q8_0: {
            const auto* wb = reinterpret_cast<const BlockQ8_0*>(w);
            const auto* ab = reinterpret_cast<const BlockQ8_0*>(a);
            float s = 0;
            for (int64_t b = 0; b < k / quant::QK8_0; ++b) {
                int32_t sumi = 0;
                for (int i = 0; i < quant::QK8_0; ++i) sumi += wb[b].qs[i] * ab[b].qs[i];
                s += static_cast<float>(sumi) * (fp16_to_fp32(wb[b].d) * fp16_to_fp32(ab[b].d));
            }
            return s;
        }
        case TensorType::Q4_0: {
            const auto* wb = reinterpret_cast<const BlockQ4_0*>(w);
            const auto* ab = reinterpret_cast<const BlockQ8_0*>(a);
            float s = 0;
            for (int64_t b = 0; b < k / quant::QK4_0; ++b) {
                int32_t sumi = 0;
                for (int i = 0; i < quant::QK4_0 / 2; ++i) {
                    const int lo = (wb[b].qs[i] & 0x0f) - 8;
                    const int hi = (wb[b].qs[i] >> 4) - 8;
                    sumi += lo * ab[b].qs[i] + hi * ab[b].qs[i + quant::QK4_0 / 2];
                }
                s += static_cast<float>(sumi) * (fp16_to_fp32(wb[b].d) * fp16_to_fp32(ab[b].d));
            }
            return s;
        }
        case TensorType::TQ2_0: {
            // Codes c = w + 1 in 2 bits; byte j+m of each 32-byte half holds elements j*4 + l*32 + m.
            const auto* wb = reinterpret_cast<const quant::BlockTQ2_0*>(w);
            const auto* ab = reinterpret_cast<const quant::BlockQ8_K*>(a);
            float s = 0;
            for (int64_t b = 0; b < k / quant::QK_K; ++b) {
                int32_t sumi = 0;
                for (int j = 0; j < 64; j += 32)
                    for (int l = 0; l < 4; ++l)
                        for (int m = 0; m < 32; ++m)
                            sumi += (((wb[b].qs[j + m] >> (2 * l)) & 3) - 1) * ab[b].qs[j * 4 + l * 32 + m];
                s += static_cast<float>(sumi) * (fp16_to_fp32(wb[b].d) * ab[b].d);
            }
            return s;
        }
        case TensorType::TQ1_0: {
            // Base-3 digits: digit n of byte q is ((q * 3^n mod 256) * 3) >> 8.
            static constexpr uint8_t pow3[6] = {1, 3, 9, 27, 81, 243};
            auto trit = [](uint8_t q, int n) {
                return ((static_cast<uint16_t>(static_cast<uint8_t>(q * pow3[n])) * 3) >> 8) - 1;
            };
            const auto* wb = reinterpret_cast<const quant::BlockTQ1_0*>(w);
            const auto* ab = reinterpret_cast<const quant::BlockQ8_K*>(a);
            float s = 0;
            for (int64_t b = 0; b < k / quant::QK_K; ++b) {
                const auto& x = wb[b];
                const int8_t* q8 = ab[b].qs;
                int32_t sumi = 0;
                for (int n = 0; n < 5; ++n)
                    for (int m = 0; m < 32; ++m) sumi += trit(x.qs[m], n) * q8[n * 32 + m];
                for (int n = 0; n < 5; ++n)
                    for (int m = 0; m < 16; ++m) sumi += trit(x.qs[32 + m], n) * q8[160 + n * 16 + m];
                for (int n = 0; n < 4; ++n)
                    for (int j = 0; j < 4; ++j) sumi += trit(x.qh[j], n) * q8[240 + n * 4 + j];
                s += static_cast<float>(sumi) * (fp16_to_fp32(x.d) * ab[b].d);
            }
            return s;
        }
        case TensorType::Q2_K:
        case TensorType::Q3_K:
        case TensorType::Q4_K:
        case TensorType::Q5_K:
        case TensorType::Q6_K:
        case TensorType::Q4_1:
        case TensorType::Q5_0:
        case TensorType::Q5_1:
        case TensorType::IQ4_NL:
        case TensorType::IQ4_XS:
            // These types' definition lives with their format (lowbit_quant); its integer parts
            // are exact and its float combination is llama.cpp's.
            return quant::vec_dot_ref(wtype, w, a, k);
        case TensorType::I2_S:
            // bitnet.cpp's finish without the tensor scale (matmul multiplies by Weight::scale
            // afterwards, which gives vec_dot_i2s_ref's value bit for bit: x * 1.0f == x).
            return quant::vec_dot_i2s_ref(w, 1.0f, a, k);
        default:
            throw UnsupportedError("no reference kernel for tensor type " + std::string(type_name(wtype)));
    }
}

}  // namespace

void matmul_tile_ref(TensorType wtype, int64_t k, const uint8_t* w, size_t w_stride, int64_t nr,
                     const uint8_t* a, size_t a_stride, int64_t nt, float* y, int64_t ldy) {
    for (int64_t t = 0; t < nt; ++t) {
        for (int64_t r = 0; r < nr; ++r)
            y[t * ldy + r] = dot_ref(wtype, k, w + r * w_stride, a + t * a_stride);
    }
}

void sign_matmul_tile_ref(ActFormat f, int64_t k, const uint8_t* bits, size_t bits_stride, int64_t nr,
                          const uint8_t* a, size_t a_stride, int64_t nt, float* y, int64_t ldy) {
    if (f != ActFormat::F32 && f != ActFormat::I8_Row)
        throw UnsupportedError("sign matrices multiply F32 or I8_Row activations only");
    if (k % 8 != 0) throw Error("sign matrix rows must hold a multiple of 8 weights");
    for (int64_t t = 0; t < nt; ++t) {
        const uint8_t* at = a + t * a_stride;
        for (int64_t r = 0; r < nr; ++r) {
            const uint8_t* row = bits + r * bits_stride;
            if (f == ActFormat::F32) {
                y[t * ldy + r] =
                    static_cast<float>(onebit::sign_dot_ref(row, reinterpret_cast<const float*>(at), k));
            } else {
                const int32_t s = onebit::sign_dot_i8_ref(row, reinterpret_cast<const int8_t*>(at), k);
                y[t * ldy + r] = static_cast<float>(s) / i8_row_scale(at, k);
            }
        }
    }
}

void attn_scores_f16_ref(const float* q, const uint16_t* k, size_t k_stride, int64_t head_dim, int64_t n,
                         float scale, float* scores) {
    for (int64_t j = 0; j < n; ++j) {
        double s = 0;
        for (int64_t d = 0; d < head_dim; ++d)
            s += static_cast<double>(fp16_to_fp32(fp32_to_fp16(q[d]))) * fp16_to_fp32(k[j * k_stride + d]);
        scores[j] = static_cast<float>(s) * scale;
    }
}

int32_t i2s_block_dot_ref(const uint8_t* block, const int8_t* q) {
    int32_t sum = 0;
    for (int g = 0; g < 4; ++g)  // element 32g + p is bits 6 − 2g of byte p
        for (int p = 0; p < 32; ++p) sum += ((block[p] >> (6 - 2 * g)) & 3) * q[32 * g + p];
    return sum;
}

}  // namespace lowbit::cpu
