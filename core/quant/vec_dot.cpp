// Activation formats and the reference dot products every weight type is multiplied with.
// Written for clarity: each weight block is first decoded to its integers (in the element order
// of dequantize_row, so the two can never disagree) and then multiplied with the int8
// activations. SIMD kernels must reproduce the integer parts exactly.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <type_traits>

#include "lowbit/error.h"
#include "lowbit/fp16.h"
#include "lowbit/quant.h"
#include "quant/quantize_internal.h"
#include "quant/unpack.h"

namespace lowbit::quant {
namespace {

// A weight block as integers: values q, and per group of `group` elements an integer scale and
// min (min unused where the type has none).
struct IntBlock {
    int q[QK_K];
    int scale[16];
    int min[16];
    int group;  // elements per scale group
    int n;      // elements in the block
};

void decode(const BlockQ4_0& b, IntBlock& o) {
    o.n = o.group = QK4_0;
    o.scale[0] = 1;
    o.min[0] = 0;
    for (int j = 0; j < 16; ++j) {
        o.q[j] = (b.qs[j] & 0x0F) - 8;
        o.q[j + 16] = (b.qs[j] >> 4) - 8;
    }
}

void decode(const BlockQ4_1& b, IntBlock& o) {
    o.n = o.group = QK4_1;
    o.scale[0] = 1;
    o.min[0] = 0;
    for (int j = 0; j < 16; ++j) {
        o.q[j] = b.qs[j] & 0x0F;
        o.q[j + 16] = b.qs[j] >> 4;
    }
}

template <typename Block>
void decode_q5(const Block& b, IntBlock& o, int offset) {
    o.n = o.group = 32;
    o.scale[0] = 1;
    o.min[0] = 0;
    uint32_t qh;
    std::memcpy(&qh, b.qh, sizeof(qh));
    for (int j = 0; j < 16; ++j) {
        o.q[j] = static_cast<int>((b.qs[j] & 0x0F) | (((qh >> j) & 1u) << 4)) - offset;
        o.q[j + 16] = static_cast<int>((b.qs[j] >> 4) | (((qh >> (j + 16)) & 1u) << 4)) - offset;
    }
}

void decode(const BlockIQ4_NL& b, IntBlock& o) {
    o.n = o.group = QK4_NL;
    o.scale[0] = 1;
    o.min[0] = 0;
    for (int j = 0; j < 16; ++j) {
        o.q[j] = kIq4Values[b.qs[j] & 0x0F];
        o.q[j + 16] = kIq4Values[b.qs[j] >> 4];
    }
}

void decode(const BlockIQ4_XS& b, IntBlock& o) {
    o.n = QK_K;
    o.group = 32;
    for (int g = 0; g < QK_K / 32; ++g) {
        o.scale[g] = iq4_xs_group_scale(b, g);
        o.min[g] = 0;
        const uint8_t* qs = b.qs + 16 * g;
        for (int j = 0; j < 16; ++j) {
            o.q[32 * g + j] = kIq4Values[qs[j] & 0x0F];
            o.q[32 * g + j + 16] = kIq4Values[qs[j] >> 4];
        }
    }
}

void decode(const BlockQ8_0& b, IntBlock& o) {
    o.n = o.group = QK8_0;
    o.scale[0] = 1;
    o.min[0] = 0;
    for (int j = 0; j < QK8_0; ++j) o.q[j] = b.qs[j];
}

void decode(const BlockQ2_K& b, IntBlock& o) {
    o.n = QK_K;
    o.group = 16;
    for (int g = 0; g < 16; ++g) {
        o.scale[g] = b.scales[g] & 0xF;
        o.min[g] = b.scales[g] >> 4;
    }
    int e = 0;
    for (int half = 0; half < 2; ++half) {
        const uint8_t* q = b.qs + 32 * half;
        for (int shift = 0; shift < 8; shift += 2)
            for (int l = 0; l < 32; ++l) o.q[e++] = (q[l] >> shift) & 3;
    }
}

void decode(const BlockQ3_K& b, IntBlock& o) {
    o.n = QK_K;
    o.group = 16;
    int8_t sc[16];
    unpack_q3_K_scales(b.scales, sc);
    for (int g = 0; g < 16; ++g) {
        o.scale[g] = sc[g] - 32;
        o.min[g] = 0;
    }
    int e = 0;
    unsigned m = 1;
    for (int half = 0; half < 2; ++half) {
        const uint8_t* q = b.qs + 32 * half;
        for (int shift = 0; shift < 8; shift += 2, m <<= 1)
            for (int l = 0; l < 32; ++l) o.q[e++] = ((q[l] >> shift) & 3) - ((b.hmask[l] & m) ? 0 : 4);
    }
}

template <typename Block>
void decode_k4(const Block& b, IntBlock& o) {
    o.n = QK_K;
    o.group = 32;
    for (int g = 0; g < 8; ++g) {
        uint8_t sc, m;
        scale_min_k4(g, b.scales, sc, m);
        o.scale[g] = sc;
        o.min[g] = m;
    }
    int e = 0;
    for (int j = 0; j < 4; ++j) {
        const uint8_t* q = b.qs + 32 * j;
        for (int nib = 0; nib < 2; ++nib) {
            for (int l = 0; l < 32; ++l) {
                int v = nib ? q[l] >> 4 : q[l] & 0xF;
                if constexpr (std::is_same_v<Block, BlockQ5_K>) {
                    if ((b.qh[l] >> (2 * j + nib)) & 1) v += 16;  // bit 2j (low nibbles) / 2j+1 (high)
                }
                o.q[e++] = v;
            }
        }
    }
}

void decode(const BlockQ6_K& b, IntBlock& o) {
    o.n = QK_K;
    o.group = 16;
    for (int g = 0; g < 16; ++g) {
        o.scale[g] = b.scales[g];
        o.min[g] = 0;
    }
    for (int half = 0; half < 2; ++half) {
        const uint8_t* ql = b.ql + 64 * half;
        const uint8_t* qh = b.qh + 32 * half;
        for (int l = 0; l < 32; ++l) {
            int q[4];
            q6_K_values(ql, qh, l, q);
            for (int k = 0; k < 4; ++k) o.q[128 * half + 32 * k + l] = q[k];
        }
    }
}

void decode(const BlockTQ1_0& b, IntBlock& o) {
    o.n = o.group = QK_K;
    o.scale[0] = 1;
    o.min[0] = 0;
    int e = 0;
    for (int n = 0; n < 5; ++n)
        for (int m = 0; m < 32; ++m) o.q[e++] = tq1_trit(b.qs[m], n);
    for (int n = 0; n < 5; ++n)
        for (int m = 0; m < 16; ++m) o.q[e++] = tq1_trit(b.qs[32 + m], n);
    for (int n = 0; n < 4; ++n)
        for (int j = 0; j < 4; ++j) o.q[e++] = tq1_trit(b.qh[j], n);
}

void decode(const BlockTQ2_0& b, IntBlock& o) {
    o.n = o.group = QK_K;
    o.scale[0] = 1;
    o.min[0] = 0;
    int e = 0;
    for (int j = 0; j < QK_K / 4; j += 32)
        for (int l = 0; l < 4; ++l)
            for (int m = 0; m < 32; ++m) o.q[e++] = ((b.qs[j + m] >> (2 * l)) & 3) - 1;
}

// sumi of a decoded block against n int8 activations.
int32_t scaled_sum(const IntBlock& w, const int8_t* a) {
    int32_t total = 0;
    for (int g = 0; g < w.n / w.group; ++g) {
        int32_t s = 0;
        for (int i = g * w.group; i < (g + 1) * w.group; ++i) s += w.q[i] * a[i];
        total += w.scale[g] * s;
    }
    return total;
}

// Σ min_g * bsum, with the activation sums per 16 elements (Q8_K's bsums).
int32_t min_sum_k(const IntBlock& w, const BlockQ8_K& a) {
    int32_t total = 0;
    for (int j = 0; j < QK_K / 16; ++j) total += a.bsums[j] * w.min[j * 16 / w.group];
    return total;
}

int32_t act_sum(const int8_t* a, int n) {
    int32_t s = 0;
    for (int i = 0; i < n; ++i) s += a[i];
    return s;
}

template <typename Block, typename Decode>
void dots_q8_0(const void* wrow, const void* act, int64_t n, BlockDot* out, bool with_min, Decode&& dec) {
    const auto* w = static_cast<const Block*>(wrow);
    const auto* a = static_cast<const BlockQ8_0*>(act);
    IntBlock ib;
    for (int64_t i = 0; i < n / 32; ++i) {
        dec(w[i], ib);
        out[i] = {scaled_sum(ib, a[i].qs), with_min ? act_sum(a[i].qs, 32) : 0};
    }
}

template <typename Block, typename Decode>
void dots_q8_K(const void* wrow, const void* act, int64_t n, BlockDot* out, bool with_min, Decode&& dec) {
    const auto* w = static_cast<const Block*>(wrow);
    const auto* a = static_cast<const BlockQ8_K*>(act);
    IntBlock ib;
    for (int64_t i = 0; i < n / QK_K; ++i) {
        dec(w[i], ib);
        out[i] = {scaled_sum(ib, a[i].qs), with_min ? min_sum_k(ib, a[i]) : 0};
    }
}

void check_n(TensorType wtype, int64_t n) {
    const int64_t bs = wtype == TensorType::I2_S ? QK_I2_S : type_traits(wtype).block_size;
    if (n < 0 || n % bs != 0) {
        throw Error("dot product over " + std::to_string(n) + " elements of " +
                    std::string(type_name(wtype)) + ": not a multiple of " + std::to_string(bs));
    }
}

template <typename T>
T load(const uint8_t* p) {
    T v;
    std::memcpy(&v, p, sizeof(T));
    return v;
}

}  // namespace

TensorType activation_type(TensorType wtype) {
    switch (wtype) {
        case TensorType::F32:
        case TensorType::F16:
        case TensorType::BF16:
            return wtype;
        case TensorType::Q4_0:
        case TensorType::Q4_1:
        case TensorType::Q5_0:
        case TensorType::Q5_1:
        case TensorType::Q8_0:
        case TensorType::IQ4_NL:
            return TensorType::Q8_0;
        case TensorType::IQ4_XS:
        case TensorType::Q2_K:
        case TensorType::Q3_K:
        case TensorType::Q4_K:
        case TensorType::Q5_K:
        case TensorType::Q6_K:
        case TensorType::TQ1_0:
        case TensorType::TQ2_0:
            return TensorType::Q8_K;
        case TensorType::I2_S:
            return TensorType::I8;
        default:
            break;
    }
    throw UnsupportedError("no reference dot product for tensor type " + std::string(type_name(wtype)));
}

size_t activation_row_bytes(TensorType wtype, int64_t n) {
    const TensorType at = activation_type(wtype);
    if (at == TensorType::I8) return static_cast<size_t>(n) + sizeof(float) + sizeof(int32_t);
    return row_bytes(at, n);
}

I8Activation quantize_row_i8s(const float* x, int8_t* q, int64_t n) {
    double amax = 0.00001;
    for (int64_t i = 0; i < n; ++i) amax = std::max(amax, std::fabs(static_cast<double>(x[i])));
    const auto s = static_cast<float>(127 / amax);
    int32_t sum = 0;
    for (int64_t i = 0; i < n; ++i) {
        const int v = std::clamp(nearest_int(x[i] * s), -128, 127);
        sum += v;
        q[i] = static_cast<int8_t>(v);
    }
    return {s, sum};
}

void quantize_activation_row(TensorType wtype, const float* x, void* dst, int64_t n) {
    const TensorType at = activation_type(wtype);
    check_n(wtype, n);
    switch (at) {
        case TensorType::I8: {
            auto* p = static_cast<uint8_t*>(dst);
            const I8Activation a = quantize_row_i8s(x, reinterpret_cast<int8_t*>(p), n);
            std::memcpy(p + n, &a.scale, sizeof(float));
            std::memcpy(p + n + sizeof(float), &a.sum, sizeof(int32_t));
            return;
        }
        case TensorType::Q8_0:
            return quantize_q8_0(x, static_cast<BlockQ8_0*>(dst), n / QK8_0);
        case TensorType::Q8_K:
            return quantize_q8_K(x, static_cast<BlockQ8_K*>(dst), n / QK_K);
        default:
            quantize_row(at, x, dst, n);
            return;
    }
}

void block_dots_ref(TensorType wtype, const void* w, const void* a, int64_t n, BlockDot* out) {
    check_n(wtype, n);
    switch (wtype) {
        case TensorType::Q4_0:
            return dots_q8_0<BlockQ4_0>(w, a, n, out, false,
                                        [](const BlockQ4_0& b, IntBlock& o) { decode(b, o); });
        case TensorType::Q4_1:
            return dots_q8_0<BlockQ4_1>(w, a, n, out, true,
                                        [](const BlockQ4_1& b, IntBlock& o) { decode(b, o); });
        case TensorType::Q5_0:
            return dots_q8_0<BlockQ5_0>(w, a, n, out, false,
                                        [](const BlockQ5_0& b, IntBlock& o) { decode_q5(b, o, 16); });
        case TensorType::Q5_1:
            return dots_q8_0<BlockQ5_1>(w, a, n, out, true,
                                        [](const BlockQ5_1& b, IntBlock& o) { decode_q5(b, o, 0); });
        case TensorType::Q8_0:
            return dots_q8_0<BlockQ8_0>(w, a, n, out, false,
                                        [](const BlockQ8_0& b, IntBlock& o) { decode(b, o); });
        case TensorType::IQ4_NL:
            return dots_q8_0<BlockIQ4_NL>(w, a, n, out, false,
                                          [](const BlockIQ4_NL& b, IntBlock& o) { decode(b, o); });
        case TensorType::IQ4_XS:
            return dots_q8_K<BlockIQ4_XS>(w, a, n, out, false,
                                          [](const BlockIQ4_XS& b, IntBlock& o) { decode(b, o); });
        case TensorType::Q2_K:
            return dots_q8_K<BlockQ2_K>(w, a, n, out, true,
                                        [](const BlockQ2_K& b, IntBlock& o) { decode(b, o); });
        case TensorType::Q3_K:
            return dots_q8_K<BlockQ3_K>(w, a, n, out, false,
                                        [](const BlockQ3_K& b, IntBlock& o) { decode(b, o); });
        case TensorType::Q4_K:
            return dots_q8_K<BlockQ4_K>(w, a, n, out, true,
                                        [](const BlockQ4_K& b, IntBlock& o) { decode_k4(b, o); });
        case TensorType::Q5_K:
            return dots_q8_K<BlockQ5_K>(w, a, n, out, true,
                                        [](const BlockQ5_K& b, IntBlock& o) { decode_k4(b, o); });
        case TensorType::Q6_K:
            return dots_q8_K<BlockQ6_K>(w, a, n, out, false,
                                        [](const BlockQ6_K& b, IntBlock& o) { decode(b, o); });
        case TensorType::TQ1_0:
            return dots_q8_K<BlockTQ1_0>(w, a, n, out, false,
                                         [](const BlockTQ1_0& b, IntBlock& o) { decode(b, o); });
        case TensorType::TQ2_0:
            return dots_q8_K<BlockTQ2_0>(w, a, n, out, false,
                                         [](const BlockTQ2_0& b, IntBlock& o) { decode(b, o); });
        default:
            break;
    }
    throw UnsupportedError("no integer block dot product for tensor type " + std::string(type_name(wtype)));
}

float vec_dot_ref(TensorType wtype, const void* wrow, const void* act_row, int64_t n) {
    check_n(wtype, n);
    switch (wtype) {
        case TensorType::F32:
        case TensorType::F16:
        case TensorType::BF16: {
            const auto* wb = static_cast<const uint8_t*>(wrow);
            const auto* ab = static_cast<const uint8_t*>(act_row);
            double s = 0.0;
            for (int64_t i = 0; i < n; ++i) {
                float wv, av;
                if (wtype == TensorType::F32) {
                    wv = load<float>(wb + 4 * i);
                    av = load<float>(ab + 4 * i);
                } else if (wtype == TensorType::F16) {
                    wv = fp16_to_fp32(load<uint16_t>(wb + 2 * i));
                    av = fp16_to_fp32(load<uint16_t>(ab + 2 * i));
                } else {
                    wv = bf16_to_fp32(load<uint16_t>(wb + 2 * i));
                    av = bf16_to_fp32(load<uint16_t>(ab + 2 * i));
                }
                s += static_cast<double>(wv) * av;
            }
            return static_cast<float>(s);
        }
        case TensorType::I2_S:
            throw Error("I2_S dot products need the tensor scale: use vec_dot_i2s_ref");
        default:
            break;
    }
    const int64_t bs = type_traits(wtype).block_size;
    const int64_t nb = n / bs;
    BlockDot parts[64];  // in chunks, so no allocation
    float sumf = 0.0f;
    const auto* wb = static_cast<const uint8_t*>(wrow);
    const auto* ab = static_cast<const uint8_t*>(act_row);
    const size_t wblock = type_traits(wtype).block_bytes;
    const TensorType at = activation_type(wtype);
    const int64_t act_per_wblock = bs / type_traits(at).block_size;  // 1 in every pairing here
    const size_t ablock = type_traits(at).block_bytes * static_cast<size_t>(act_per_wblock);
    for (int64_t start = 0; start < nb; start += 64) {
        const int64_t cnt = std::min<int64_t>(64, nb - start);
        block_dots_ref(wtype, wb + start * wblock, ab + start * ablock, cnt * bs, parts);
        for (int64_t k = 0; k < cnt; ++k) {
            const uint8_t* wblk = wb + (start + k) * wblock;
            const uint8_t* ablk = ab + (start + k) * ablock;
            const BlockDot p = parts[k];
            if (at == TensorType::Q8_0) {
                const float da = fp16_to_fp32(reinterpret_cast<const BlockQ8_0*>(ablk)->d);
                const float dw = fp16_to_fp32(load<uint16_t>(wblk));  // d leads every 32-block
                sumf += static_cast<float>(p.sumi) * (dw * da);
                if (wtype == TensorType::Q4_1 || wtype == TensorType::Q5_1) {
                    const float mw = fp16_to_fp32(load<uint16_t>(wblk + 2));
                    sumf += (mw * da) * static_cast<float>(p.summin);
                }
            } else {
                const float da = reinterpret_cast<const BlockQ8_K*>(ablk)->d;
                float dw = 0.0f, dmin = 0.0f;
                switch (wtype) {
                    case TensorType::Q2_K: {
                        const auto* b = reinterpret_cast<const BlockQ2_K*>(wblk);
                        dw = fp16_to_fp32(b->d);
                        dmin = fp16_to_fp32(b->dmin);
                        break;
                    }
                    case TensorType::Q3_K:
                        dw = fp16_to_fp32(reinterpret_cast<const BlockQ3_K*>(wblk)->d);
                        break;
                    case TensorType::Q4_K:
                    case TensorType::Q5_K:  // d and dmin lead both blocks
                        dw = fp16_to_fp32(load<uint16_t>(wblk));
                        dmin = fp16_to_fp32(load<uint16_t>(wblk + 2));
                        break;
                    case TensorType::Q6_K:
                        dw = fp16_to_fp32(reinterpret_cast<const BlockQ6_K*>(wblk)->d);
                        break;
                    case TensorType::IQ4_XS:
                        dw = fp16_to_fp32(reinterpret_cast<const BlockIQ4_XS*>(wblk)->d);
                        break;
                    case TensorType::TQ1_0:
                        dw = fp16_to_fp32(reinterpret_cast<const BlockTQ1_0*>(wblk)->d);
                        break;
                    case TensorType::TQ2_0:
                        dw = fp16_to_fp32(reinterpret_cast<const BlockTQ2_0*>(wblk)->d);
                        break;
                    default:
                        break;
                }
                sumf += (dw * da) * static_cast<float>(p.sumi);
                if (p.summin != 0) sumf -= (dmin * da) * static_cast<float>(p.summin);
            }
        }
    }
    return sumf;
}

int32_t dot_i2s_i8_ref(const void* codes, const int8_t* q, int64_t n) {
    check_n(TensorType::I2_S, n);
    const auto* b = static_cast<const uint8_t*>(codes);
    int32_t sum = 0;
    for (int64_t blk = 0; blk < n / QK_I2_S; ++blk, b += I2_S_BLOCK_BYTES, q += QK_I2_S) {
        for (int g = 0; g < 4; ++g)
            for (int p = 0; p < 32; ++p) sum += (i2s_code(b, g, p) - 1) * q[32 * g + p];
    }
    return sum;
}

float vec_dot_i2s_ref(const void* codes, float weight_scale, const void* act_row, int64_t n) {
    const auto* p = static_cast<const uint8_t*>(act_row);
    const float s = load<float>(p + n);
    const int32_t sum = load<int32_t>(p + n + sizeof(float));
    // bitnet.cpp's kernels sum the raw codes 0..2 and then subtract the activation sum.
    const int32_t raw = dot_i2s_i8_ref(codes, reinterpret_cast<const int8_t*>(p), n) + sum;
    return (static_cast<float>(raw) - static_cast<float>(sum)) / s * weight_scale;
}

}  // namespace lowbit::quant
