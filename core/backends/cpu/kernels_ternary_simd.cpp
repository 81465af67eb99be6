// Ternary weight kernels (TQ2_0 x Q8_K), compiled per x86 target by Highway and picked at run
// time. The 2-bit codes are {0,1,2} = weight + 1, so a block's dot product is
//     Σ (c - 1)·a = Σ c·a - Σ a,
// where Σ c·a is an unsigned-by-signed byte dot product (VPDPBUSD with AVX-512 VNNI, or
// VPMADDUBSW + VPMADDWD) and Σ a comes from the activation block's precomputed group sums.
// The integer block sums equal the scalar reference exactly; only the float combination of
// blocks is ordered differently.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "backends/cpu/kernels_ternary_simd.cpp"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
// clang-format off
#include "backends/cpu/kernels.h"
#include "backends/cpu/kernels_ternary.h"
#include "lowbit/fp16.h"
#include "quant/blocks.h"
// clang-format on

#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
#include <immintrin.h>
#endif
#include <cstring>

HWY_BEFORE_NAMESPACE();
namespace lowbit::cpu {
namespace HWY_NAMESPACE {

using quant::BlockQ8_K;
using quant::BlockTQ2_0;
using quant::QK_K;

#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL

#if HWY_TARGET == HWY_AVX3_DL
// Highway's AVX3_DL target implies AVX512-VNNI (its run-time check requires it).
#define LOWBIT_VNNI_ATTR __attribute__((target("avx512vnni")))
LOWBIT_VNNI_ATTR HWY_INLINE __m512i dot_u8s8(__m512i acc, __m512i u, __m512i s) {
    return _mm512_dpbusd_epi32(acc, u, s);
}
#else
#define LOWBIT_VNNI_ATTR
HWY_INLINE __m512i dot_u8s8(__m512i acc, __m512i u, __m512i s) {
    // u ≤ 2, so the pairwise 16-bit sums cannot saturate.
    return _mm512_add_epi32(acc, _mm512_madd_epi16(_mm512_maddubs_epi16(u, s), _mm512_set1_epi16(1)));
}
#endif

// 64 activation bytes in the order of one TQ2_0 shift group: elements l*32..l*32+31 of the
// first half-block followed by 128+l*32.. of the second.
HWY_INLINE __m512i tq2_act(const int8_t* qs, int l) {
    const __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(qs + l * 32));
    const __m256i hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(qs + 128 + l * 32));
    return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
}

HWY_INLINE int block_sum(const BlockQ8_K& b) {
    int s = 0;
    for (int i = 0; i < QK_K / 16; ++i) s += b.bsums[i];
    return s;
}

template <int R, int T>
LOWBIT_VNNI_ATTR void tq2_tile(int64_t k, const uint8_t* w, size_t ws, const uint8_t* a, size_t as, float* y,
                               int64_t ldy) {
    const int64_t nb = k / QK_K;
    __m512 acc[R][T];
    float corr[R][T];
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t) {
            acc[r][t] = _mm512_setzero_ps();
            corr[r][t] = 0.0f;
        }
    const __m512i mask = _mm512_set1_epi8(3);
    for (int64_t b = 0; b < nb; ++b) {
        __m512i av[T][4];
        float ad[T];
        int asum[T];
        for (int t = 0; t < T; ++t) {
            const BlockQ8_K& ab = reinterpret_cast<const BlockQ8_K*>(a + t * as)[b];
            for (int l = 0; l < 4; ++l) av[t][l] = tq2_act(ab.qs, l);
            ad[t] = ab.d;
            asum[t] = block_sum(ab);
        }
        for (int r = 0; r < R; ++r) {
            const BlockTQ2_0& wb = reinterpret_cast<const BlockTQ2_0*>(w + r * ws)[b];
            const __m512i q = _mm512_loadu_si512(wb.qs);
            const __m512i c0 = _mm512_and_si512(q, mask);
            const __m512i c1 = _mm512_and_si512(_mm512_srli_epi16(q, 2), mask);
            const __m512i c2 = _mm512_and_si512(_mm512_srli_epi16(q, 4), mask);
            const __m512i c3 = _mm512_and_si512(_mm512_srli_epi16(q, 6), mask);
            const float wd = fp16_to_fp32(wb.d);
            for (int t = 0; t < T; ++t) {
                __m512i s = _mm512_setzero_si512();
                s = dot_u8s8(s, c0, av[t][0]);
                s = dot_u8s8(s, c1, av[t][1]);
                s = dot_u8s8(s, c2, av[t][2]);
                s = dot_u8s8(s, c3, av[t][3]);
                const float scale = wd * ad[t];
                acc[r][t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), _mm512_set1_ps(scale), acc[r][t]);
                corr[r][t] += scale * static_cast<float>(asum[t]);
            }
        }
    }
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t) y[t * ldy + r] = _mm512_reduce_add_ps(acc[r][t]) - corr[r][t];
}

void MatmulTQ2_0(int64_t k, const uint8_t* w, size_t ws, int64_t nr, const uint8_t* a, size_t as, int64_t nt,
                 float* y, int64_t ldy) {
    if (nt == 1) {
        int64_t r = 0;
        for (; r + 4 <= nr; r += 4) tq2_tile<4, 1>(k, w + r * ws, ws, a, as, y + r, ldy);
        for (; r < nr; ++r) tq2_tile<1, 1>(k, w + r * ws, ws, a, as, y + r, ldy);
        return;
    }
    int64_t t = 0;
    for (; t + 4 <= nt; t += 4) {
        int64_t r = 0;
        for (; r + 2 <= nr; r += 2) tq2_tile<2, 4>(k, w + r * ws, ws, a + t * as, as, y + t * ldy + r, ldy);
        for (; r < nr; ++r) tq2_tile<1, 4>(k, w + r * ws, ws, a + t * as, as, y + t * ldy + r, ldy);
    }
    for (; t < nt; ++t) {
        int64_t r = 0;
        for (; r + 4 <= nr; r += 4) tq2_tile<4, 1>(k, w + r * ws, ws, a + t * as, as, y + t * ldy + r, ldy);
        for (; r < nr; ++r) tq2_tile<1, 1>(k, w + r * ws, ws, a + t * as, as, y + t * ldy + r, ldy);
    }
}

// ---- TQ1_0: five base-3 digits per byte ------------------------------------------------------
// Digit n of byte b is ((b·3ⁿ mod 256)·3) >> 8, i.e. (q ≥ 86) + (q ≥ 171) with q = b·3ⁿ mod 256.
// Multiplying bytes by 3 mod 256 is two wrapping byte additions, so all five digits of 64
// bytes cost a handful of adds and compares. Digit order makes the block's 256 codes line up with
// the activations in natural order: [x·1 | x·3], [x·9 | x·27], [x·81 | z·1 | z·3],
// [z·9 | z·27 | z·81 | h·1 h·3 h·9 h·27], where x = qs[0..31], z = qs[32..47], h = qh[0..3].

HWY_INLINE __m256i times3_256(__m256i v) { return _mm256_add_epi8(_mm256_add_epi8(v, v), v); }
HWY_INLINE __m128i times3_128(__m128i v) { return _mm_add_epi8(_mm_add_epi8(v, v), v); }

HWY_INLINE __m512i trits_to_codes(__m512i q) {
    const __mmask64 m1 = _mm512_cmpge_epu8_mask(q, _mm512_set1_epi8(86));
    const __mmask64 m2 = _mm512_cmpge_epu8_mask(q, _mm512_set1_epi8(static_cast<char>(171)));
    const __m512i one = _mm512_set1_epi8(1);
    return _mm512_mask_add_epi8(_mm512_maskz_mov_epi8(m1, one), m2, _mm512_maskz_mov_epi8(m1, one), one);
}

struct TQ1Codes {
    __m512i c[4];
};

HWY_INLINE void tq1_codes(const quant::BlockTQ1_0& b, TQ1Codes& out) {
    const __m256i x1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qs));
    const __m256i x3 = times3_256(x1), x9 = times3_256(x3), x27 = times3_256(x9), x81 = times3_256(x27);
    const __m128i z1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b.qs + 32));
    const __m128i z3 = times3_128(z1), z9 = times3_128(z3), z27 = times3_128(z9), z81 = times3_128(z27);
    int32_t hword;
    std::memcpy(&hword, b.qh, 4);
    const __m128i h1 = _mm_set1_epi32(hword);
    const __m128i h3 = times3_128(h1), h9 = times3_128(h3), h27 = times3_128(h9);
    const __m128i h = _mm_blend_epi32(_mm_blend_epi32(h1, h3, 0x2), _mm_blend_epi32(h9, h27, 0x8), 0xC);
    const __m512i v0 = _mm512_inserti64x4(_mm512_castsi256_si512(x1), x3, 1);
    const __m512i v1 = _mm512_inserti64x4(_mm512_castsi256_si512(x9), x27, 1);
    __m512i v2 = _mm512_castsi256_si512(x81);
    v2 = _mm512_inserti32x4(v2, z1, 2);
    v2 = _mm512_inserti32x4(v2, z3, 3);
    __m512i v3 = _mm512_castsi128_si512(z9);
    v3 = _mm512_inserti32x4(v3, z27, 1);
    v3 = _mm512_inserti32x4(v3, z81, 2);
    v3 = _mm512_inserti32x4(v3, h, 3);
    out.c[0] = trits_to_codes(v0);
    out.c[1] = trits_to_codes(v1);
    out.c[2] = trits_to_codes(v2);
    out.c[3] = trits_to_codes(v3);
}

template <int R, int T>
LOWBIT_VNNI_ATTR void tq1_tile(int64_t k, const uint8_t* w, size_t ws, const uint8_t* a, size_t as, float* y,
                               int64_t ldy) {
    const int64_t nb = k / QK_K;
    __m512 acc[R][T];
    float corr[R][T];
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t) {
            acc[r][t] = _mm512_setzero_ps();
            corr[r][t] = 0.0f;
        }
    for (int64_t b = 0; b < nb; ++b) {
        const BlockQ8_K* ab[T];
        int asum[T];
        for (int t = 0; t < T; ++t) {
            ab[t] = reinterpret_cast<const BlockQ8_K*>(a + t * as) + b;
            asum[t] = block_sum(*ab[t]);
        }
        for (int r = 0; r < R; ++r) {
            const quant::BlockTQ1_0& wb = reinterpret_cast<const quant::BlockTQ1_0*>(w + r * ws)[b];
            TQ1Codes c;
            tq1_codes(wb, c);
            const float wd = fp16_to_fp32(wb.d);
            for (int t = 0; t < T; ++t) {
                __m512i s = _mm512_setzero_si512();
                for (int i = 0; i < 4; ++i)
                    s = dot_u8s8(s, c.c[i], _mm512_loadu_si512(ab[t]->qs + 64 * i));
                const float scale = wd * ab[t]->d;
                acc[r][t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), _mm512_set1_ps(scale), acc[r][t]);
                corr[r][t] += scale * static_cast<float>(asum[t]);
            }
        }
    }
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t) y[t * ldy + r] = _mm512_reduce_add_ps(acc[r][t]) - corr[r][t];
}

// Shared tiling: decode takes 4 rows at once, prefill 2 rows x 4 tokens.
template <void (*Tile41)(int64_t, const uint8_t*, size_t, const uint8_t*, size_t, float*, int64_t),
          void (*Tile11)(int64_t, const uint8_t*, size_t, const uint8_t*, size_t, float*, int64_t),
          void (*Tile24)(int64_t, const uint8_t*, size_t, const uint8_t*, size_t, float*, int64_t),
          void (*Tile14)(int64_t, const uint8_t*, size_t, const uint8_t*, size_t, float*, int64_t)>
void tile_driver(int64_t k, const uint8_t* w, size_t ws, int64_t nr, const uint8_t* a, size_t as, int64_t nt,
                 float* y, int64_t ldy) {
    int64_t t = 0;
    for (; nt > 1 && t + 4 <= nt; t += 4) {
        int64_t r = 0;
        for (; r + 2 <= nr; r += 2) Tile24(k, w + r * ws, ws, a + t * as, as, y + t * ldy + r, ldy);
        for (; r < nr; ++r) Tile14(k, w + r * ws, ws, a + t * as, as, y + t * ldy + r, ldy);
    }
    for (; t < nt; ++t) {
        int64_t r = 0;
        for (; r + 4 <= nr; r += 4) Tile41(k, w + r * ws, ws, a + t * as, as, y + t * ldy + r, ldy);
        for (; r < nr; ++r) Tile11(k, w + r * ws, ws, a + t * as, as, y + t * ldy + r, ldy);
    }
}

void MatmulTQ1_0(int64_t k, const uint8_t* w, size_t ws, int64_t nr, const uint8_t* a, size_t as, int64_t nt,
                 float* y, int64_t ldy) {
    tile_driver<tq1_tile<4, 1>, tq1_tile<1, 1>, tq1_tile<2, 4>, tq1_tile<1, 4>>(k, w, ws, nr, a, as, nt, y, ldy);
}
#undef LOWBIT_VNNI_ATTR

#else  // other targets: the scalar reference

void MatmulTQ2_0(int64_t k, const uint8_t* w, size_t ws, int64_t nr, const uint8_t* a, size_t as, int64_t nt,
                 float* y, int64_t ldy) {
    matmul_tile_ref(TensorType::TQ2_0, k, w, ws, nr, a, as, nt, y, ldy);
}
void MatmulTQ1_0(int64_t k, const uint8_t* w, size_t ws, int64_t nr, const uint8_t* a, size_t as, int64_t nt,
                 float* y, int64_t ldy) {
    matmul_tile_ref(TensorType::TQ1_0, k, w, ws, nr, a, as, nt, y, ldy);
}

#endif

}  // namespace HWY_NAMESPACE
}  // namespace lowbit::cpu
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace lowbit::cpu {

HWY_EXPORT(MatmulTQ2_0);
HWY_EXPORT(MatmulTQ1_0);

bool ternary_matmul_tile(TensorType wtype, int64_t k, const uint8_t* w, size_t w_stride, int64_t nr, const uint8_t* a,
                         size_t a_stride, int64_t nt, float* y, int64_t ldy) {
    switch (wtype) {
        case TensorType::TQ2_0:
            HWY_DYNAMIC_DISPATCH(MatmulTQ2_0)(k, w, w_stride, nr, a, a_stride, nt, y, ldy);
            return true;
        case TensorType::TQ1_0:
            HWY_DYNAMIC_DISPATCH(MatmulTQ1_0)(k, w, w_stride, nr, a, a_stride, nt, y, ldy);
            return true;
        default: return false;
    }
}

}  // namespace lowbit::cpu
#endif
