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
#undef LOWBIT_VNNI_ATTR

#else  // other targets: the scalar reference

void MatmulTQ2_0(int64_t k, const uint8_t* w, size_t ws, int64_t nr, const uint8_t* a, size_t as, int64_t nt,
                 float* y, int64_t ldy) {
    matmul_tile_ref(TensorType::TQ2_0, k, w, ws, nr, a, as, nt, y, ldy);
}

#endif

}  // namespace HWY_NAMESPACE
}  // namespace lowbit::cpu
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace lowbit::cpu {

HWY_EXPORT(MatmulTQ2_0);

bool ternary_matmul_tile(TensorType wtype, int64_t k, const uint8_t* w, size_t w_stride, int64_t nr, const uint8_t* a,
                         size_t a_stride, int64_t nt, float* y, int64_t ldy) {
    switch (wtype) {
        case TensorType::TQ2_0:
            HWY_DYNAMIC_DISPATCH(MatmulTQ2_0)(k, w, w_stride, nr, a, a_stride, nt, y, ldy);
            return true;
        default: return false;
    }
}

}  // namespace lowbit::cpu
#endif
