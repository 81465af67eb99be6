// Reference dequantization of every weight type the engine reads. Each decoder performs the
// same float operations in the same order as llama.cpp's dequantize_row_* (ggml-quants.c), so
// results are equal float for float (this library is built with -ffp-contract=off so no fused
// multiply-add changes a rounding).
#include <cmath>
#include <cstring>
#include <string>

#include "lowbit/error.h"
#include "lowbit/fp16.h"
#include "lowbit/quant.h"
#include "quant/blocks.h"
#include "quant/unpack.h"

namespace lowbit::quant {
namespace {

void check_blocks(TensorType type, int64_t n) {
    const int64_t bs = type_traits(type).block_size;
    if (n < 0 || n % bs != 0) {
        throw Error("dequantize " + std::string(type_name(type)) + ": " + std::to_string(n) +
                    " elements is not a multiple of the block size " + std::to_string(bs));
    }
}

void dequant_q4_0(const BlockQ4_0* x, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i) {
        const float d = fp16_to_fp32(x[i].d);
        for (int j = 0; j < QK4_0 / 2; ++j) {
            const int x0 = (x[i].qs[j] & 0x0F) - 8;
            const int x1 = (x[i].qs[j] >> 4) - 8;
            y[i * QK4_0 + j] = x0 * d;
            y[i * QK4_0 + j + QK4_0 / 2] = x1 * d;
        }
    }
}

void dequant_q4_1(const BlockQ4_1* x, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i) {
        const float d = fp16_to_fp32(x[i].d);
        const float m = fp16_to_fp32(x[i].m);
        for (int j = 0; j < QK4_1 / 2; ++j) {
            const int x0 = x[i].qs[j] & 0x0F;
            const int x1 = x[i].qs[j] >> 4;
            y[i * QK4_1 + j] = x0 * d + m;
            y[i * QK4_1 + j + QK4_1 / 2] = x1 * d + m;
        }
    }
}

// Bit 4 of element j (j < 16) and of element j + 16, from the 32-bit qh word.
inline uint32_t q5_high_lo(uint32_t qh, int j) {
    return ((qh >> j) << 4) & 0x10;
}
inline uint32_t q5_high_hi(uint32_t qh, int j) {
    return (qh >> (j + 12)) & 0x10;
}

void dequant_q5_0(const BlockQ5_0* x, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i) {
        const float d = fp16_to_fp32(x[i].d);
        uint32_t qh;
        std::memcpy(&qh, x[i].qh, sizeof(qh));
        for (int j = 0; j < QK5_0 / 2; ++j) {
            const int32_t x0 = static_cast<int32_t>((x[i].qs[j] & 0x0F) | q5_high_lo(qh, j)) - 16;
            const int32_t x1 = static_cast<int32_t>((x[i].qs[j] >> 4) | q5_high_hi(qh, j)) - 16;
            y[i * QK5_0 + j] = x0 * d;
            y[i * QK5_0 + j + QK5_0 / 2] = x1 * d;
        }
    }
}

void dequant_q5_1(const BlockQ5_1* x, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i) {
        const float d = fp16_to_fp32(x[i].d);
        const float m = fp16_to_fp32(x[i].m);
        uint32_t qh;
        std::memcpy(&qh, x[i].qh, sizeof(qh));
        for (int j = 0; j < QK5_1 / 2; ++j) {
            const int x0 = static_cast<int>((x[i].qs[j] & 0x0F) | q5_high_lo(qh, j));
            const int x1 = static_cast<int>((x[i].qs[j] >> 4) | q5_high_hi(qh, j));
            y[i * QK5_1 + j] = x0 * d + m;
            y[i * QK5_1 + j + QK5_1 / 2] = x1 * d + m;
        }
    }
}

void dequant_q8_0(const BlockQ8_0* x, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i) {
        const float d = fp16_to_fp32(x[i].d);
        for (int j = 0; j < QK8_0; ++j) y[i * QK8_0 + j] = x[i].qs[j] * d;
    }
}

void dequant_q2_K(const BlockQ2_K* x, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i) {
        const float d = fp16_to_fp32(x[i].d);
        const float min = fp16_to_fp32(x[i].dmin);
        const uint8_t* q = x[i].qs;
        int is = 0;
        for (int n = 0; n < QK_K; n += 128) {
            for (int shift = 0; shift < 8; shift += 2) {
                for (int half = 0; half < 2; ++half) {
                    const uint8_t sc = x[i].scales[is++];
                    const float dl = d * (sc & 0xF);
                    const float ml = min * (sc >> 4);
                    for (int l = 0; l < 16; ++l) *y++ = dl * ((q[l + 16 * half] >> shift) & 3) - ml;
                }
            }
            q += 32;
        }
    }
}

void dequant_q3_K(const BlockQ3_K* x, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i) {
        const float d_all = fp16_to_fp32(x[i].d);
        int8_t scales[16];
        unpack_q3_K_scales(x[i].scales, scales);
        const uint8_t* q = x[i].qs;
        const uint8_t* hm = x[i].hmask;
        uint8_t m = 1;
        int is = 0;
        for (int n = 0; n < QK_K; n += 128) {
            for (int shift = 0; shift < 8; shift += 2) {
                for (int half = 0; half < 2; ++half) {
                    const float dl = d_all * (scales[is++] - 32);
                    for (int l = 16 * half; l < 16 * half + 16; ++l) {
                        *y++ = dl * (((q[l] >> shift) & 3) - ((hm[l] & m) ? 0 : 4));
                    }
                }
                m = static_cast<uint8_t>(m << 1);
            }
            q += 32;
        }
    }
}

void dequant_q4_K(const BlockQ4_K* x, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i) {
        const uint8_t* q = x[i].qs;
        const float d = fp16_to_fp32(x[i].d);
        const float min = fp16_to_fp32(x[i].dmin);
        int is = 0;
        for (int j = 0; j < QK_K; j += 64) {
            uint8_t sc, m;
            scale_min_k4(is + 0, x[i].scales, sc, m);
            const float d1 = d * sc;
            const float m1 = min * m;
            scale_min_k4(is + 1, x[i].scales, sc, m);
            const float d2 = d * sc;
            const float m2 = min * m;
            for (int l = 0; l < 32; ++l) *y++ = d1 * (q[l] & 0xF) - m1;
            for (int l = 0; l < 32; ++l) *y++ = d2 * (q[l] >> 4) - m2;
            q += 32;
            is += 2;
        }
    }
}

void dequant_q5_K(const BlockQ5_K* x, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i) {
        const uint8_t* ql = x[i].qs;
        const uint8_t* qh = x[i].qh;
        const float d = fp16_to_fp32(x[i].d);
        const float min = fp16_to_fp32(x[i].dmin);
        int is = 0;
        uint8_t u1 = 1, u2 = 2;
        for (int j = 0; j < QK_K; j += 64) {
            uint8_t sc, m;
            scale_min_k4(is + 0, x[i].scales, sc, m);
            const float d1 = d * sc;
            const float m1 = min * m;
            scale_min_k4(is + 1, x[i].scales, sc, m);
            const float d2 = d * sc;
            const float m2 = min * m;
            for (int l = 0; l < 32; ++l) *y++ = d1 * ((ql[l] & 0xF) + (qh[l] & u1 ? 16 : 0)) - m1;
            for (int l = 0; l < 32; ++l) *y++ = d2 * ((ql[l] >> 4) + (qh[l] & u2 ? 16 : 0)) - m2;
            ql += 32;
            is += 2;
            u1 = static_cast<uint8_t>(u1 << 2);
            u2 = static_cast<uint8_t>(u2 << 2);
        }
    }
}

void dequant_q6_K(const BlockQ6_K* x, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i) {
        const float d = fp16_to_fp32(x[i].d);
        const uint8_t* ql = x[i].ql;
        const uint8_t* qh = x[i].qh;
        const int8_t* sc = x[i].scales;
        for (int n = 0; n < QK_K; n += 128) {
            for (int l = 0; l < 32; ++l) {
                const int is = l / 16;
                int q[4];
                q6_K_values(ql, qh, l, q);
                // (d * sc) * q, the grouping llama.cpp's "d * sc[is] * q" has.
                y[l + 0] = d * sc[is + 0] * q[0];
                y[l + 32] = d * sc[is + 2] * q[1];
                y[l + 64] = d * sc[is + 4] * q[2];
                y[l + 96] = d * sc[is + 6] * q[3];
            }
            y += 128;
            ql += 64;
            qh += 32;
            sc += 8;
        }
    }
}

void dequant_q8_K(const BlockQ8_K* x, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i) {
        for (int j = 0; j < QK_K; ++j) *y++ = x[i].d * x[i].qs[j];
    }
}

void dequant_tq1_0(const BlockTQ1_0* x, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i) {
        const float d = fp16_to_fp32(x[i].d);
        for (int n = 0; n < 5; ++n)
            for (int m = 0; m < 32; ++m) *y++ = static_cast<float>(tq1_trit(x[i].qs[m], n)) * d;
        for (int n = 0; n < 5; ++n)
            for (int m = 0; m < 16; ++m) *y++ = static_cast<float>(tq1_trit(x[i].qs[32 + m], n)) * d;
        for (int n = 0; n < 4; ++n)
            for (int j = 0; j < 4; ++j) *y++ = static_cast<float>(tq1_trit(x[i].qh[j], n)) * d;
    }
}

void dequant_tq2_0(const BlockTQ2_0* x, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i) {
        const float d = fp16_to_fp32(x[i].d);
        for (int j = 0; j < QK_K / 4; j += 32)
            for (int l = 0; l < 4; ++l)
                for (int m = 0; m < 32; ++m)
                    *y++ = static_cast<float>(((x[i].qs[j + m] >> (2 * l)) & 3) - 1) * d;
    }
}

void dequant_iq4_nl(const BlockIQ4_NL* x, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i) {
        const float d = fp16_to_fp32(x[i].d);
        for (int j = 0; j < QK4_NL / 2; ++j) {
            y[i * QK4_NL + j] = d * kIq4Values[x[i].qs[j] & 0x0F];
            y[i * QK4_NL + j + QK4_NL / 2] = d * kIq4Values[x[i].qs[j] >> 4];
        }
    }
}

void dequant_iq4_xs(const BlockIQ4_XS* x, float* y, int64_t nb) {
    for (int64_t i = 0; i < nb; ++i) {
        const float d = fp16_to_fp32(x[i].d);
        for (int g = 0; g < QK_K / 32; ++g) {
            const float dl = d * static_cast<float>(iq4_xs_group_scale(x[i], g));
            const uint8_t* qs = x[i].qs + 16 * g;
            for (int j = 0; j < 16; ++j) {
                *y++ = dl * kIq4Values[qs[j] & 0x0F];
            }
            for (int j = 0; j < 16; ++j) {
                *y++ = dl * kIq4Values[qs[j] >> 4];
            }
        }
    }
}

}  // namespace

bool can_dequantize(TensorType type) {
    switch (type) {
        case TensorType::F32:
        case TensorType::F16:
        case TensorType::BF16:
        case TensorType::Q4_0:
        case TensorType::Q4_1:
        case TensorType::Q5_0:
        case TensorType::Q5_1:
        case TensorType::Q8_0:
        case TensorType::Q2_K:
        case TensorType::Q3_K:
        case TensorType::Q4_K:
        case TensorType::Q5_K:
        case TensorType::Q6_K:
        case TensorType::Q8_K:
        case TensorType::TQ1_0:
        case TensorType::TQ2_0:
        case TensorType::I2_S:
        case TensorType::IQ4_NL:
        case TensorType::IQ4_XS:
            return true;
        default:
            return false;
    }
}

void dequantize_row(TensorType type, const void* src, float* dst, int64_t n) {
    if (type == TensorType::I2_S) {
        throw Error("I2_S rows need the tensor scale: use dequantize_i2s_row or dequantize_tensor");
    }
    if (!can_dequantize(type)) {
        throw UnsupportedError("cannot dequantize tensor type " + std::string(type_name(type)));
    }
    check_blocks(type, n);
    const int64_t nb = n / type_traits(type).block_size;
    switch (type) {
        case TensorType::F32:
            std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
            return;
        case TensorType::F16: {
            const auto* h = static_cast<const uint16_t*>(src);
            for (int64_t i = 0; i < n; ++i) dst[i] = fp16_to_fp32(h[i]);
            return;
        }
        case TensorType::BF16: {
            const auto* h = static_cast<const uint16_t*>(src);
            for (int64_t i = 0; i < n; ++i) dst[i] = bf16_to_fp32(h[i]);
            return;
        }
        case TensorType::Q4_0:
            return dequant_q4_0(static_cast<const BlockQ4_0*>(src), dst, nb);
        case TensorType::Q4_1:
            return dequant_q4_1(static_cast<const BlockQ4_1*>(src), dst, nb);
        case TensorType::Q5_0:
            return dequant_q5_0(static_cast<const BlockQ5_0*>(src), dst, nb);
        case TensorType::Q5_1:
            return dequant_q5_1(static_cast<const BlockQ5_1*>(src), dst, nb);
        case TensorType::Q8_0:
            return dequant_q8_0(static_cast<const BlockQ8_0*>(src), dst, nb);
        case TensorType::Q2_K:
            return dequant_q2_K(static_cast<const BlockQ2_K*>(src), dst, nb);
        case TensorType::Q3_K:
            return dequant_q3_K(static_cast<const BlockQ3_K*>(src), dst, nb);
        case TensorType::Q4_K:
            return dequant_q4_K(static_cast<const BlockQ4_K*>(src), dst, nb);
        case TensorType::Q5_K:
            return dequant_q5_K(static_cast<const BlockQ5_K*>(src), dst, nb);
        case TensorType::Q6_K:
            return dequant_q6_K(static_cast<const BlockQ6_K*>(src), dst, nb);
        case TensorType::Q8_K:
            return dequant_q8_K(static_cast<const BlockQ8_K*>(src), dst, nb);
        case TensorType::TQ1_0:
            return dequant_tq1_0(static_cast<const BlockTQ1_0*>(src), dst, nb);
        case TensorType::TQ2_0:
            return dequant_tq2_0(static_cast<const BlockTQ2_0*>(src), dst, nb);
        case TensorType::IQ4_NL:
            return dequant_iq4_nl(static_cast<const BlockIQ4_NL*>(src), dst, nb);
        case TensorType::IQ4_XS:
            return dequant_iq4_xs(static_cast<const BlockIQ4_XS*>(src), dst, nb);
        default:
            break;
    }
}

void dequantize_i2s_row(const void* codes, float scale, float* dst, int64_t n) {
    if (n < 0 || n % QK_I2_S != 0) {
        throw Error("I2_S: " + std::to_string(n) + " elements is not a multiple of " +
                    std::to_string(QK_I2_S));
    }
    const auto* b = static_cast<const uint8_t*>(codes);
    for (int64_t blk = 0; blk < n / QK_I2_S; ++blk, b += I2_S_BLOCK_BYTES) {
        for (int g = 0; g < 4; ++g) {
            for (int p = 0; p < 32; ++p) *dst++ = static_cast<float>(i2s_code(b, g, p) - 1) * scale;
        }
    }
}

float i2s_tensor_scale(const void* tensor_data, size_t nbytes, int64_t n_elements) {
    if (n_elements <= 0 || n_elements % 4 != 0 ||
        nbytes != tensor_bytes(TensorType::I2_S, n_elements, n_elements)) {
        throw FormatError("I2_S tensor of " + std::to_string(n_elements) + " elements must be " +
                          std::to_string(n_elements / 4 + I2_S_TRAILER_BYTES) + " bytes, got " +
                          std::to_string(nbytes));
    }
    float scale;
    std::memcpy(&scale, static_cast<const uint8_t*>(tensor_data) + n_elements / 4, sizeof(float));
    if (!std::isfinite(scale)) throw FormatError("I2_S tensor scale is not a finite number");
    return scale;
}

void dequantize_tensor(TensorType type, const void* data, size_t nbytes, int64_t ne0, int64_t n_elements,
                       float* dst) {
    if (ne0 <= 0 || n_elements < 0 || n_elements % ne0 != 0) {
        throw Error("dequantize: bad shape (ne0 " + std::to_string(ne0) + ", " + std::to_string(n_elements) +
                    " elements)");
    }
    if (type == TensorType::I2_S) {
        const float scale = i2s_tensor_scale(data, nbytes, n_elements);
        dequantize_i2s_row(data, scale, dst, n_elements);
        return;
    }
    if (!can_dequantize(type)) {
        throw UnsupportedError("cannot dequantize tensor type " + std::string(type_name(type)));
    }
    check_blocks(type, ne0);
    if (nbytes != tensor_bytes(type, ne0, n_elements)) {
        throw FormatError("dequantize " + std::string(type_name(type)) + ": " + std::to_string(nbytes) +
                          " bytes do not hold " + std::to_string(n_elements) + " elements");
    }
    // Rows of every block type are whole blocks, so the tensor is one long row.
    dequantize_row(type, data, dst, n_elements);
}

}  // namespace lowbit::quant
