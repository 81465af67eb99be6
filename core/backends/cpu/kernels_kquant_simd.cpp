// k-quant weight kernels (Q2_K, Q3_K, Q4_K, Q5_K, Q6_K x Q8_K), compiled per x86 target by
// Highway and picked at run time. llama-quantize keeps the embeddings and the output matrix of
// ternary models in these types (Q6_K output is multiplied every token), so they matter for
// decode speed as much as the ternary layers.
//
// Per 256-element block the weights are decoded to unsigned bytes u (the stored value plus an
// offset o where the type is signed: Q3_K o = 4, Q6_K o = 32) and multiplied with the int8
// activations by VPMADDUBSW (pairs to 16 bits) and VPMADDWD against the group scales (to 32 bits):
//     sumi   = Σ_g sc_g Σ u·a  −  o · Σ_g sc_g·bsum_g          (exact, = quant::block_dots_ref)
//     summin = Σ_g m_g·bsum_g                                   (Q2_K, Q4_K, Q5_K)
//     y     += (d_w·d_a)·sumi − (dmin_w·d_a)·summin
// The integer block sums are exact; only the float combination of blocks is reordered.
// 256-bit vectors on AVX2, AVX3 and AVX3_DL (VPDPBUSD would need a separate multiply by the
// group scale afterwards, which costs more than it saves); other targets use the reference.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "backends/cpu/kernels_kquant_simd.cpp"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
// clang-format off
#include "backends/cpu/kernels.h"
#include "backends/cpu/prefetch.h"
#include "backends/cpu/kernels_ternary.h"
#include "lowbit/fp16.h"
#include "quant/blocks.h"
// clang-format on

#undef LOWBIT_KQUANT_SIMD  // this file is compiled once per target
#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL || HWY_TARGET == HWY_AVX2
#include <immintrin.h>
#define LOWBIT_KQUANT_SIMD 1
#else
#define LOWBIT_KQUANT_SIMD 0
#endif
#include <cstring>

HWY_BEFORE_NAMESPACE();
namespace lowbit::cpu {
namespace HWY_NAMESPACE {

using quant::BlockQ8_K;
using quant::QK_K;

#if LOWBIT_KQUANT_SIMD
namespace {  // helpers private to this file (the ternary kernels have their own)

HWY_INLINE __m256i load256(const void* p) {
    return _mm256_loadu_si256(static_cast<const __m256i*>(p));
}
HWY_INLINE __m128i load128(const void* p) {
    return _mm_loadu_si128(static_cast<const __m128i*>(p));
}
HWY_INLINE float hsum_ps(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

// From 8 int16 scales (a 128-bit vector, duplicated into both halves: `dup`), the vector whose
// low half repeats scale 2i and whose high half repeats scale 2i+1: the scales of the two groups
// of 16 that one 32-byte chunk covers (VPMADDUBSW keeps the halves apart).
HWY_INLINE __m256i pair_scales(__m256i dup, int i) {
    const __m128i lo = _mm_set1_epi16(static_cast<short>((4 * i) | ((4 * i + 1) << 8)));
    const __m128i hi = _mm_set1_epi16(static_cast<short>((4 * i + 2) | ((4 * i + 3) << 8)));
    return _mm256_shuffle_epi8(dup, _mm256_set_m128i(hi, lo));
}
// All 16 lanes = scale i of 8 int16 scales (groups of 32 elements).
HWY_INLINE __m256i one_scale(__m256i dup, int i) {
    return _mm256_shuffle_epi8(dup, _mm256_set1_epi16(static_cast<short>((2 * i) | ((2 * i + 1) << 8))));
}
HWY_INLINE __m256i dup128(__m128i v) {
    return _mm256_broadcastsi128_si256(v);
}

// Σ scale·(u·a) over one 32-byte chunk, as 8 int32 lanes.
HWY_INLINE __m256i chunk_dot(__m256i u, const int8_t* a, __m256i scales) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(u, load256(a)), scales);
}

// A decoded weight block: 8 chunks of 32 unsigned values with their scale vectors, the 16 group
// scales (for the offset correction) or the mins expanded to the 16 bsums.
struct DecodedBlock {
    __m256i u[8];
    __m256i sc[8];
    __m256i corr16;  // per bsum: o·sc (offset types) or m (min types), as int16
    float d, dmin;
    bool has_min;
};

// ---- per-type decoders ---------------------------------------------------------------------------

HWY_INLINE void decode(const quant::BlockQ2_K& b, DecodedBlock& o) {
    const __m128i raw = load128(b.scales);
    const __m128i mask4 = _mm_set1_epi8(0x0F);
    const __m128i sc8 = _mm_and_si128(raw, mask4);
    const __m128i m8 = _mm_and_si128(_mm_srli_epi16(raw, 4), mask4);
    const __m256i sc16 = _mm256_cvtepu8_epi16(sc8);
    const __m256i mask2 = _mm256_set1_epi8(3);
    for (int h = 0; h < 2; ++h) {
        const __m256i dup = dup128(h ? _mm256_extracti128_si256(sc16, 1) : _mm256_castsi256_si128(sc16));
        const __m256i v = load256(b.qs + 32 * h);
        for (int s = 0; s < 4; ++s) {
            o.u[4 * h + s] = _mm256_and_si256(s ? _mm256_srli_epi16(v, 2 * s) : v, mask2);
            o.sc[4 * h + s] = pair_scales(dup, s);
        }
    }
    o.corr16 = _mm256_cvtepu8_epi16(m8);
    o.d = _cvtsh_ss(b.d);
    o.dmin = _cvtsh_ss(b.dmin);
    o.has_min = true;
}

// Q3_K's sixteen 6-bit scales (offset 32) from 12 bytes (see quant/unpack.h).
HWY_INLINE __m128i q3_scales(const uint8_t* packed) {
    uint32_t aux[4];
    std::memcpy(aux, packed, 12);
    const uint32_t kmask1 = 0x03030303u, kmask2 = 0x0f0f0f0fu;
    const uint32_t tmp = aux[2];
    aux[2] = ((aux[0] >> 4) & kmask2) | (((tmp >> 4) & kmask1) << 4);
    aux[3] = ((aux[1] >> 4) & kmask2) | (((tmp >> 6) & kmask1) << 4);
    aux[0] = (aux[0] & kmask2) | (((tmp >> 0) & kmask1) << 4);
    aux[1] = (aux[1] & kmask2) | (((tmp >> 2) & kmask1) << 4);
    return _mm_sub_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(aux)), _mm_set1_epi8(32));
}

HWY_INLINE void decode(const quant::BlockQ3_K& b, DecodedBlock& o) {
    const __m256i sc16 = _mm256_cvtepi8_epi16(q3_scales(b.scales));
    const __m256i hm = load256(b.hmask);
    const __m256i mask2 = _mm256_set1_epi8(3), four = _mm256_set1_epi8(4);
    for (int h = 0; h < 2; ++h) {
        const __m256i dup = dup128(h ? _mm256_extracti128_si256(sc16, 1) : _mm256_castsi256_si128(sc16));
        const __m256i v = load256(b.qs + 32 * h);
        for (int j = 0; j < 4; ++j) {
            // u = q + 4 = low 2 bits + 4 where the hmask bit is set.
            const __m256i bit = _mm256_set1_epi8(static_cast<char>(1 << (4 * h + j)));
            const __m256i set = _mm256_cmpeq_epi8(_mm256_and_si256(hm, bit), bit);
            const __m256i low = _mm256_and_si256(j ? _mm256_srli_epi16(v, 2 * j) : v, mask2);
            o.u[4 * h + j] = _mm256_or_si256(low, _mm256_and_si256(set, four));
            o.sc[4 * h + j] = pair_scales(dup, j);
        }
    }
    o.corr16 = _mm256_slli_epi16(sc16, 2);  // 4·sc
    o.d = _cvtsh_ss(b.d);
    o.dmin = 0.0f;
    o.has_min = false;
}

// Q4_K/Q5_K: eight 6-bit scales and mins from 12 bytes: scales[0..3] = bytes 0..3 & 63, mins[0..3]
// = bytes 4..7 & 63, scales[4..7] = low nibbles of bytes 8..11 | top bits of bytes 0..3, mins[4..7]
// = high nibbles of bytes 8..11 | top bits of bytes 4..7.
HWY_INLINE void k4_scales(const uint8_t* q, __m128i& sc16, __m128i& m16) {
    uint32_t u[3];
    std::memcpy(u, q, 12);
    const uint32_t sc_lo = u[0] & 0x3f3f3f3fu, m_lo = u[1] & 0x3f3f3f3fu;
    const uint32_t sc_hi = (u[2] & 0x0f0f0f0fu) | (((u[0] >> 6) & 0x03030303u) << 4);
    const uint32_t m_hi = ((u[2] >> 4) & 0x0f0f0f0fu) | (((u[1] >> 6) & 0x03030303u) << 4);
    sc16 = _mm_cvtepu8_epi16(_mm_set_epi32(0, 0, static_cast<int>(sc_hi), static_cast<int>(sc_lo)));
    m16 = _mm_cvtepu8_epi16(_mm_set_epi32(0, 0, static_cast<int>(m_hi), static_cast<int>(m_lo)));
}

template <bool kQ5, typename Block>
HWY_INLINE void decode_k4(const Block& b, DecodedBlock& o) {
    __m128i sc16, m16;
    k4_scales(b.scales, sc16, m16);
    const __m256i dup = dup128(sc16);
    const __m256i mask4 = _mm256_set1_epi8(0x0F);
    __m256i hb = _mm256_setzero_si256();
    if constexpr (kQ5) hb = load256(b.qh);
    const __m256i one = _mm256_set1_epi8(1);
    for (int j = 0; j < 4; ++j) {
        const __m256i v = load256(b.qs + 32 * j);
        __m256i lo = _mm256_and_si256(v, mask4);
        __m256i hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), mask4);
        if constexpr (kQ5) {
            // Fifth bit: bit 2j of qh[l] for the low-nibble run, bit 2j+1 for the high one.
            const __m256i b_lo = _mm256_and_si256(_mm256_srli_epi16(hb, 2 * j), one);
            const __m256i b_hi = _mm256_and_si256(_mm256_srli_epi16(hb, 2 * j + 1), one);
            lo = _mm256_or_si256(lo, _mm256_slli_epi16(b_lo, 4));
            hi = _mm256_or_si256(hi, _mm256_slli_epi16(b_hi, 4));
        }
        o.u[2 * j] = lo;
        o.u[2 * j + 1] = hi;
        o.sc[2 * j] = one_scale(dup, 2 * j);
        o.sc[2 * j + 1] = one_scale(dup, 2 * j + 1);
    }
    // Each min covers two bsums (32 elements).
    o.corr16 = _mm256_set_m128i(_mm_unpackhi_epi16(m16, m16), _mm_unpacklo_epi16(m16, m16));
    o.d = _cvtsh_ss(b.d);
    o.dmin = _cvtsh_ss(b.dmin);
    o.has_min = true;
}
HWY_INLINE void decode(const quant::BlockQ4_K& b, DecodedBlock& o) {
    decode_k4<false>(b, o);
}
HWY_INLINE void decode(const quant::BlockQ5_K& b, DecodedBlock& o) {
    decode_k4<true>(b, o);
}

HWY_INLINE void decode(const quant::BlockQ6_K& b, DecodedBlock& o) {
    const __m256i sc16 = _mm256_cvtepi8_epi16(load128(b.scales));
    const __m256i mask4 = _mm256_set1_epi8(0x0F), mask_hi = _mm256_set1_epi8(0x30);
    for (int h = 0; h < 2; ++h) {
        const __m256i dup = dup128(h ? _mm256_extracti128_si256(sc16, 1) : _mm256_castsi256_si128(sc16));
        const __m256i ql0 = load256(b.ql + 64 * h), ql1 = load256(b.ql + 64 * h + 32);
        const __m256i qh = load256(b.qh + 32 * h);
        // Elements 128h + 32i + l: low 4 bits from ql, bits 4-5 from qh's bit pair i.
        o.u[4 * h + 0] = _mm256_or_si256(_mm256_and_si256(ql0, mask4),
                                         _mm256_and_si256(_mm256_slli_epi16(qh, 4), mask_hi));
        o.u[4 * h + 1] = _mm256_or_si256(_mm256_and_si256(ql1, mask4),
                                         _mm256_and_si256(_mm256_slli_epi16(qh, 2), mask_hi));
        o.u[4 * h + 2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), mask4),
                                         _mm256_and_si256(qh, mask_hi));
        o.u[4 * h + 3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), mask4),
                                         _mm256_and_si256(_mm256_srli_epi16(qh, 2), mask_hi));
        for (int i = 0; i < 4; ++i) o.sc[4 * h + i] = pair_scales(dup, i);
    }
    o.corr16 = _mm256_slli_epi16(sc16, 5);  // 32·sc
    o.d = _cvtsh_ss(b.d);
    o.dmin = 0.0f;
    o.has_min = false;
}

}  // namespace

// ---- tiles ---------------------------------------------------------------------------------------

template <typename Block, int R, int T>
void kquant_tile(int64_t k, const uint8_t* w, size_t ws, const uint8_t* a, size_t as, float* y, int64_t ldy) {
    const int64_t nb = k / QK_K;
    __m256 acc[R][T];
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t) acc[r][t] = _mm256_setzero_ps();
    for (int64_t b = 0; b < nb; ++b) {
        for (int r = 0; r < R; ++r) {
            DecodedBlock db;
            decode(reinterpret_cast<const Block*>(w + r * ws)[b], db);
            for (int t = 0; t < T; ++t) {
                const BlockQ8_K& ab = reinterpret_cast<const BlockQ8_K*>(a + t * as)[b];
                __m256i sumi = chunk_dot(db.u[0], ab.qs, db.sc[0]);
                for (int i = 1; i < 8; ++i)
                    sumi = _mm256_add_epi32(sumi, chunk_dot(db.u[i], ab.qs + 32 * i, db.sc[i]));
                // Offset or min term against the group sums of the activations.
                const __m256i corr = _mm256_madd_epi16(load256(ab.bsums), db.corr16);
                if (db.has_min) {
                    acc[r][t] =
                        _mm256_fmadd_ps(_mm256_cvtepi32_ps(sumi), _mm256_set1_ps(db.d * ab.d), acc[r][t]);
                    acc[r][t] =
                        _mm256_fnmadd_ps(_mm256_cvtepi32_ps(corr), _mm256_set1_ps(db.dmin * ab.d), acc[r][t]);
                } else {
                    sumi = _mm256_sub_epi32(sumi, corr);
                    acc[r][t] =
                        _mm256_fmadd_ps(_mm256_cvtepi32_ps(sumi), _mm256_set1_ps(db.d * ab.d), acc[r][t]);
                }
            }
        }
    }
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t) y[t * ldy + r] = hsum_ps(acc[r][t]);
}

template <typename Block>
void kquant_matmul(int64_t k, const uint8_t* w, size_t ws, int64_t nr, const uint8_t* a, size_t as,
                   int64_t nt, float* y, int64_t ldy) {
    int64_t t = 0;
    for (; nt > 1 && t + 4 <= nt; t += 4) {
        int64_t r = 0;
        for (; r + 2 <= nr; r += 2)
            kquant_tile<Block, 2, 4>(k, w + r * ws, ws, a + t * as, as, y + t * ldy + r, ldy);
        for (; r < nr; ++r) kquant_tile<Block, 1, 4>(k, w + r * ws, ws, a + t * as, as, y + t * ldy + r, ldy);
    }
    for (; t < nt; ++t) {
        int64_t r = 0;
        for (; r + 4 <= nr; r += 4) {
            if (nt == 1) prefetch_tile_ahead(w + r * ws, ws);
            kquant_tile<Block, 4, 1>(k, w + r * ws, ws, a + t * as, as, y + t * ldy + r, ldy);
        }
        for (; r < nr; ++r) kquant_tile<Block, 1, 1>(k, w + r * ws, ws, a + t * as, as, y + t * ldy + r, ldy);
    }
}

#define LOWBIT_KQUANT_ENTRY(NAME, BLOCK, TYPE)                                                             \
    void NAME(int64_t k, const uint8_t* w, size_t ws, int64_t nr, const uint8_t* a, size_t as, int64_t nt, \
              float* y, int64_t ldy) {                                                                     \
        kquant_matmul<quant::BLOCK>(k, w, ws, nr, a, as, nt, y, ldy);                                      \
    }
#else
#define LOWBIT_KQUANT_ENTRY(NAME, BLOCK, TYPE)                                                             \
    void NAME(int64_t k, const uint8_t* w, size_t ws, int64_t nr, const uint8_t* a, size_t as, int64_t nt, \
              float* y, int64_t ldy) {                                                                     \
        matmul_tile_ref(TensorType::TYPE, k, w, ws, nr, a, as, nt, y, ldy);                                \
    }
#endif

LOWBIT_KQUANT_ENTRY(MatmulQ2_K, BlockQ2_K, Q2_K)
LOWBIT_KQUANT_ENTRY(MatmulQ3_K, BlockQ3_K, Q3_K)
LOWBIT_KQUANT_ENTRY(MatmulQ4_K, BlockQ4_K, Q4_K)
LOWBIT_KQUANT_ENTRY(MatmulQ5_K, BlockQ5_K, Q5_K)
LOWBIT_KQUANT_ENTRY(MatmulQ6_K, BlockQ6_K, Q6_K)
#undef LOWBIT_KQUANT_ENTRY

}  // namespace HWY_NAMESPACE
}  // namespace lowbit::cpu
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace lowbit::cpu {

HWY_EXPORT(MatmulQ2_K);
HWY_EXPORT(MatmulQ3_K);
HWY_EXPORT(MatmulQ4_K);
HWY_EXPORT(MatmulQ5_K);
HWY_EXPORT(MatmulQ6_K);

bool kquant_matmul_tile(TensorType wtype, int64_t k, const uint8_t* w, size_t w_stride, int64_t nr,
                        const uint8_t* a, size_t a_stride, int64_t nt, float* y, int64_t ldy) {
    switch (wtype) {
        case TensorType::Q2_K:
            HWY_DYNAMIC_DISPATCH(MatmulQ2_K)(k, w, w_stride, nr, a, a_stride, nt, y, ldy);
            return true;
        case TensorType::Q3_K:
            HWY_DYNAMIC_DISPATCH(MatmulQ3_K)(k, w, w_stride, nr, a, a_stride, nt, y, ldy);
            return true;
        case TensorType::Q4_K:
            HWY_DYNAMIC_DISPATCH(MatmulQ4_K)(k, w, w_stride, nr, a, a_stride, nt, y, ldy);
            return true;
        case TensorType::Q5_K:
            HWY_DYNAMIC_DISPATCH(MatmulQ5_K)(k, w, w_stride, nr, a, a_stride, nt, y, ldy);
            return true;
        case TensorType::Q6_K:
            HWY_DYNAMIC_DISPATCH(MatmulQ6_K)(k, w, w_stride, nr, a, a_stride, nt, y, ldy);
            return true;
        default:
            return false;
    }
}

}  // namespace lowbit::cpu
#endif
