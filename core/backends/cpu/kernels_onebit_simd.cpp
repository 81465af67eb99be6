// 1-bit sign-matrix kernels (OneBit, BitNet-binary), compiled per SIMD target by Highway and
// picked at run time. With s_c = ±1 from bit c,
//     Σ_c s_c x_c = 2·Σ_{bit c = 1} x_c − Σ_c x_c,
// so a row costs one masked add per vector of activations (AVX-512: the 16 or 64 sign bits are
// the mask register itself) plus one shared sum of the activations per token.
//   F32 (W1A16): masked float adds (AVX-512) or a multiply by ±1 rows from a 256-entry table (AVX2).
//   I8_Row (int8 mode): sign bits expanded to 0/1 bytes, VPDPBUSD (AVX-512 VNNI, AVX-VNNI) or
//   VPMADDUBSW; on ARM cores with the ARMv8.2 dot product, to 0/−1 bytes and SDOT;
//   the integer sum is exact and the float finish is the reference's, so results are bit for bit.
// Other targets (NEON without dotprod, SSE4, SSSE3) run portable Highway code; HWY_SCALAR the
// scalar reference.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "backends/cpu/kernels_onebit_simd.cpp"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
// clang-format off
#include "backends/cpu/act_quant.h"
#include "backends/cpu/cpu_extensions.h"
#include "backends/cpu/kernels.h"
#include "backends/cpu/tile_driver.h"
#include "backends/cpu/sign_table.h"
#include "lowbit/error.h"
// clang-format on

#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL || HWY_TARGET == HWY_AVX2
#include <immintrin.h>
#elif HWY_TARGET == HWY_NEON && defined(__aarch64__)
#include <arm_neon.h>
#endif
#include <cstring>

HWY_BEFORE_NAMESPACE();
namespace lowbit::cpu {
namespace HWY_NAMESPACE {

namespace {  // everything but the exported entry points is private to this file

HWY_INLINE float i8_finish(int32_t signed_sum, const uint8_t* act_row, int64_t k) {
    return static_cast<float>(signed_sum) / i8_row_scale(act_row, k);
}

#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
// =================================================================================================
// AVX-512.

template <int R, int T>
void sign_f32_tile(int64_t k, const uint8_t* w, size_t ws, const uint8_t* a, size_t as, float* y,
                   int64_t ldy) {
    __m512 pos[R][T], all[T];
    for (int t = 0; t < T; ++t) {
        all[t] = _mm512_setzero_ps();
        for (int r = 0; r < R; ++r) pos[r][t] = _mm512_setzero_ps();
    }
    int64_t c = 0;
    for (; c + 16 <= k; c += 16) {
        __m512 x[T];
        for (int t = 0; t < T; ++t) {
            x[t] = _mm512_loadu_ps(reinterpret_cast<const float*>(a + t * as) + c);
            all[t] = _mm512_add_ps(all[t], x[t]);
        }
        for (int r = 0; r < R; ++r) {
            uint16_t bits;
            std::memcpy(&bits, w + r * ws + c / 8, 2);
            const __mmask16 m = bits;
            for (int t = 0; t < T; ++t) pos[r][t] = _mm512_mask_add_ps(pos[r][t], m, pos[r][t], x[t]);
        }
    }
    if (c < k) {  // k % 16 == 8: one byte of signs left
        const __mmask16 live = 0xFF;
        __m512 x[T];
        for (int t = 0; t < T; ++t) {
            x[t] = _mm512_maskz_loadu_ps(live, reinterpret_cast<const float*>(a + t * as) + c);
            all[t] = _mm512_add_ps(all[t], x[t]);
        }
        for (int r = 0; r < R; ++r) {
            const __mmask16 m = w[r * ws + c / 8];
            for (int t = 0; t < T; ++t) pos[r][t] = _mm512_mask_add_ps(pos[r][t], m, pos[r][t], x[t]);
        }
    }
    for (int t = 0; t < T; ++t) {
        const float sum_all = _mm512_reduce_add_ps(all[t]);
        for (int r = 0; r < R; ++r) y[t * ldy + r] = 2.0f * _mm512_reduce_add_ps(pos[r][t]) - sum_all;
    }
}

#if HWY_TARGET == HWY_AVX3_DL
#define LOWBIT_VNNI_ATTR __attribute__((target("avx512vnni")))
LOWBIT_VNNI_ATTR HWY_INLINE __m512i dot_u8s8(__m512i acc, __m512i u, __m512i s) {
    return _mm512_dpbusd_epi32(acc, u, s);
}
#else
#define LOWBIT_VNNI_ATTR
HWY_INLINE __m512i dot_u8s8(__m512i acc, __m512i u, __m512i s) {
    // u ∈ {0, 1}: pair sums of at most 256 in magnitude.
    return _mm512_add_epi32(acc, _mm512_madd_epi16(_mm512_maddubs_epi16(u, s), _mm512_set1_epi16(1)));
}
#endif

template <int R, int T>
LOWBIT_VNNI_ATTR void sign_i8_tile(int64_t k, const uint8_t* w, size_t ws, const uint8_t* a, size_t as,
                                   float* y, int64_t ldy) {
    const __m512i ones = _mm512_set1_epi8(1);
    __m512i acc[R][T];
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t) acc[r][t] = _mm512_setzero_si512();
    // Full chunks of 64 weights: a fixed 8-byte load of signs is one instruction (a copy of a
    // variable size in the loop, as this was, cost more than the dot product itself).
    int64_t c = 0;
    for (; c + 64 <= k; c += 64) {
        __m512i q[T];
        for (int t = 0; t < T; ++t) q[t] = _mm512_loadu_si512(a + t * as + c);
        for (int r = 0; r < R; ++r) {
            uint64_t bits;
            std::memcpy(&bits, w + r * ws + c / 8, 8);
            const __m512i u = _mm512_maskz_mov_epi8(bits, ones);  // 1 where the sign is +1
            for (int t = 0; t < T; ++t) acc[r][t] = dot_u8s8(acc[r][t], u, q[t]);
        }
    }
    if (c < k) {  // the last 8..56 weights (k is a multiple of 8)
        const int64_t n = k - c;
        const __mmask64 live = (1ull << n) - 1;
        __m512i q[T];
        for (int t = 0; t < T; ++t) q[t] = _mm512_maskz_loadu_epi8(live, a + t * as + c);
        for (int r = 0; r < R; ++r) {
            uint64_t bits = 0;
            std::memcpy(&bits, w + r * ws + c / 8, static_cast<size_t>(n / 8));
            const __m512i u = _mm512_maskz_mov_epi8(bits, ones);
            for (int t = 0; t < T; ++t) acc[r][t] = dot_u8s8(acc[r][t], u, q[t]);
        }
    }
    for (int t = 0; t < T; ++t) {
        const uint8_t* at = a + t * as;
        const int32_t sum = i8_row_sum(at, k);
        for (int r = 0; r < R; ++r)
            y[t * ldy + r] = i8_finish(2 * _mm512_reduce_add_epi32(acc[r][t]) - sum, at, k);
    }
}
#undef LOWBIT_VNNI_ATTR

#elif HWY_TARGET == HWY_AVX2
// =================================================================================================
// AVX2.

HWY_INLINE float hsum_ps(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}
HWY_INLINE int32_t hsum_epi32(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
    return _mm_cvtsi128_si32(s);
}

// One byte of signs = eight ±1.0f from the table, times eight activations.
template <int R, int T>
void sign_f32_tile(int64_t k, const uint8_t* w, size_t ws, const uint8_t* a, size_t as, float* y,
                   int64_t ldy) {
    const auto& table = sign_table().rows;
    __m256 acc[R][T];
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t) acc[r][t] = _mm256_setzero_ps();
    for (int64_t c = 0; c < k; c += 8) {
        __m256 x[T];
        for (int t = 0; t < T; ++t) x[t] = _mm256_loadu_ps(reinterpret_cast<const float*>(a + t * as) + c);
        for (int r = 0; r < R; ++r) {
            const __m256 s = _mm256_load_ps(table[w[r * ws + c / 8]]);
            for (int t = 0; t < T; ++t) acc[r][t] = _mm256_fmadd_ps(s, x[t], acc[r][t]);
        }
    }
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t) y[t * ldy + r] = hsum_ps(acc[r][t]);
}

// 32 sign bits as 32 bytes of 0/1.
HWY_INLINE __m256i expand_bits(uint32_t bits) {
    const __m256i spread = _mm256_shuffle_epi8(
        _mm256_set1_epi32(static_cast<int>(bits)),
        _mm256_set_epi64x(0x0303030303030303ll, 0x0202020202020202ll, 0x0101010101010101ll, 0));
    const __m256i sel = _mm256_set1_epi64x(static_cast<long long>(0x8040201008040201ull));
    return _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(spread, sel), sel), _mm256_set1_epi8(1));
}

// The int8 tile, once per instruction-set variant (see kernels_onebit_avx2-inl.h).
#define LOWBIT_AVX2_TILES "backends/cpu/kernels_onebit_avx2-inl.h"
#include "backends/cpu/avx2_variants-inl.h"

#elif HWY_TARGET == HWY_NEON && defined(__aarch64__)
// =================================================================================================
// NEON: the SDOT int8 tile for ARMv8.2 dot-product cores (see kernels_onebit_neon_dotprod-inl.h);
// the portable code below is the fallback and runs F32.
#define LOWBIT_NEON_DOTPROD_TILES "backends/cpu/kernels_onebit_neon_dotprod-inl.h"
#include "backends/cpu/neon_dotprod_variant-inl.h"

#endif  // x86 targets, NEON

}  // namespace

#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL || HWY_TARGET == HWY_AVX2
void SignMatmulF32(int64_t k, const uint8_t* w, size_t ws, int64_t nr, const uint8_t* a, size_t as,
                   int64_t nt, float* y, int64_t ldy) {
    run_row_tiles<sign_f32_tile<4, 1>, sign_f32_tile<1, 1>, sign_f32_tile<2, 4>, sign_f32_tile<1, 4>>(
        k, w, ws, nr, a, as, nt, y, ldy);
}
void SignMatmulI8(int64_t k, const uint8_t* w, size_t ws, int64_t nr, const uint8_t* a, size_t as, int64_t nt,
                  float* y, int64_t ldy) {
#if HWY_TARGET == HWY_AVX2
    (cpu_extensions().avx_vnni ? avx2_vnni::matmul_sign_i8 : avx2::matmul_sign_i8)(k, w, ws, nr, a, as, nt, y,
                                                                                   ldy);
#else
    run_row_tiles<sign_i8_tile<4, 1>, sign_i8_tile<1, 1>, sign_i8_tile<2, 4>, sign_i8_tile<1, 4>>(
        k, w, ws, nr, a, as, nt, y, ldy);
#endif
}
#elif HWY_TARGET != HWY_SCALAR
// Every other target (NEON on ARM, whose int8 kernel first takes the SDOT tile when the CPU has
// dotprod; SSE4/SSSE3 on older x86, ...): portable Highway code, one row against one token. The
// sign bits become a lane mask (LoadMaskBits); the activations under it are summed,
// 2·Σ_{bit=1} − Σ_all as above.
namespace hn = hwy::HWY_NAMESPACE;

// Lane mask of the `lanes` sign bits starting at weight c (lanes ≤ 8 may start inside a byte).
template <class D>
HWY_INLINE hn::Mask<D> sign_mask(D d, const uint8_t* row, int64_t c) {
    const size_t lanes = hn::Lanes(d);
    if (lanes >= 8) return hn::LoadMaskBits(d, row + c / 8);
    const uint8_t bits = static_cast<uint8_t>(row[c / 8] >> (c % 8));
    return hn::LoadMaskBits(d, &bits);
}

void SignMatmulF32(int64_t k, const uint8_t* w, size_t ws, int64_t nr, const uint8_t* a, size_t as,
                   int64_t nt, float* y, int64_t ldy) {
    const hn::CappedTag<float, 16> df;
    const auto n = static_cast<int64_t>(hn::Lanes(df));
    for (int64_t t = 0; t < nt; ++t) {
        const float* x = reinterpret_cast<const float*>(a + t * as);
        for (int64_t r = 0; r < nr; ++r) {
            const uint8_t* row = w + r * ws;
            auto pos = hn::Zero(df), all = hn::Zero(df);
            int64_t c = 0;
            for (; c + n <= k; c += n) {
                const auto v = hn::LoadU(df, x + c);
                all = hn::Add(all, v);
                pos = hn::Add(pos, hn::IfThenElseZero(sign_mask(df, row, c), v));
            }
            float p = hn::GetLane(hn::SumOfLanes(df, pos)), s = hn::GetLane(hn::SumOfLanes(df, all));
            for (; c < k; ++c) {  // fewer weights than a vector left
                s += x[c];
                if ((row[c / 8] >> (c % 8)) & 1) p += x[c];
            }
            y[t * ldy + r] = 2.0f * p - s;
        }
    }
}
void SignMatmulI8(int64_t k, const uint8_t* w, size_t ws, int64_t nr, const uint8_t* a, size_t as, int64_t nt,
                  float* y, int64_t ldy) {
#if HWY_TARGET == HWY_NEON && defined(__aarch64__)
    if (cpu_extensions().neon_dotprod) return neon_dotprod::matmul_sign_i8(k, w, ws, nr, a, as, nt, y, ldy);
#endif
    const hn::CappedTag<int16_t, 16> d16;
    const hn::RepartitionToWide<decltype(d16)> d32;
    const hn::Rebind<int8_t, decltype(d16)> di8;
    const auto n = static_cast<int64_t>(hn::Lanes(d16));
    const auto ones = hn::Set(d16, 1);
    for (int64_t t = 0; t < nt; ++t) {
        const uint8_t* at = a + t * as;
        const auto* q = reinterpret_cast<const int8_t*>(at);
        for (int64_t r = 0; r < nr; ++r) {
            const uint8_t* row = w + r * ws;
            auto s0 = hn::Zero(d32), s1 = hn::Zero(d32);
            int64_t c = 0;
            for (; c + n <= k; c += n) {
                const auto v =
                    hn::IfThenElseZero(sign_mask(d16, row, c), hn::PromoteTo(d16, hn::LoadU(di8, q + c)));
                s0 = hn::ReorderWidenMulAccumulate(d32, v, ones, s0, s1);
            }
            int32_t pos = hn::GetLane(hn::SumOfLanes(d32, hn::Add(s0, s1)));
            for (; c < k; ++c)
                if ((row[c / 8] >> (c % 8)) & 1) pos += q[c];
            y[t * ldy + r] = i8_finish(2 * pos - i8_row_sum(at, k), at, k);
        }
    }
}
#else  // HWY_SCALAR: the scalar reference
void SignMatmulF32(int64_t k, const uint8_t* w, size_t ws, int64_t nr, const uint8_t* a, size_t as,
                   int64_t nt, float* y, int64_t ldy) {
    sign_matmul_tile_ref(ActFormat::F32, k, w, ws, nr, a, as, nt, y, ldy);
}
void SignMatmulI8(int64_t k, const uint8_t* w, size_t ws, int64_t nr, const uint8_t* a, size_t as, int64_t nt,
                  float* y, int64_t ldy) {
    sign_matmul_tile_ref(ActFormat::I8_Row, k, w, ws, nr, a, as, nt, y, ldy);
}
#endif

}  // namespace HWY_NAMESPACE
}  // namespace lowbit::cpu
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace lowbit::cpu {

HWY_EXPORT(SignMatmulF32);
HWY_EXPORT(SignMatmulI8);

void sign_matmul_tile(ActFormat f, int64_t k, const uint8_t* bits, size_t bits_stride, int64_t nr,
                      const uint8_t* a, size_t a_stride, int64_t nt, float* y, int64_t ldy) {
    if (k % 8 != 0) throw Error("sign matrix rows must hold a multiple of 8 weights");
    switch (f) {
        case ActFormat::F32:
            return HWY_DYNAMIC_DISPATCH(SignMatmulF32)(k, bits, bits_stride, nr, a, a_stride, nt, y, ldy);
        case ActFormat::I8_Row:
            return HWY_DYNAMIC_DISPATCH(SignMatmulI8)(k, bits, bits_stride, nr, a, a_stride, nt, y, ldy);
        default:
            throw UnsupportedError("sign matrices multiply F32 or I8_Row activations only");
    }
}

}  // namespace lowbit::cpu
#endif
