// Ternary weight kernels (TQ2_0 and TQ1_0 x Q8_K, I2_S x per-token int8), compiled per SIMD
// target by Highway and picked at run time. Ternary codes are c = w + 1 ∈ {0, 1, 2}, so a dot
// product is
//     Σ (c - 1)·a = Σ c·a - Σ a,
// where Σ c·a is a byte dot product (VPDPBUSD with AVX-512 VNNI or, on AVX2-only CPUs, AVX-VNNI;
// VPMADDUBSW + VPMADDWD on AVX-512BW / plain AVX2; SDOT on ARM cores with the ARMv8.2 dot
// product) and Σ a comes with the activations (Q8_K's group sums, the I8 row's sum). Integer sums
// equal the scalar reference exactly: per block for the TQ types (only the float combination of
// blocks is ordered differently), per row for I2_S (whose float finish is then the reference's
// own, so its results are bit for bit the reference's). Other targets (NEON without dotprod,
// SSE4, SSSE3) run portable Highway code; HWY_SCALAR the scalar reference.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "backends/cpu/kernels_ternary_simd.cpp"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
// clang-format off
#include "backends/cpu/act_quant.h"
#include "backends/cpu/cpu_extensions.h"
#include "backends/cpu/kernels.h"
#include "backends/cpu/kernels_ternary.h"
#include "backends/cpu/tile_driver.h"
#include "lowbit/fp16.h"
#include "quant/blocks.h"
#include "quant/unpack.h"
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

using quant::BlockQ8_K;
using quant::BlockTQ1_0;
using quant::BlockTQ2_0;
using quant::QK_K;

namespace {  // everything but the exported entry points is private to this file

// I2_S's finish, exactly as quant::vec_dot_i2s_ref computes it (without the tensor scale, which
// matmul applies): raw = Σ code·q over the row, then ((float)raw - (float)Σq) / s.
HWY_INLINE float i2s_finish(int32_t raw, const uint8_t* act_row, int64_t k) {
    const int32_t sum = i8_row_sum(act_row, k);
    return (static_cast<float>(raw) - static_cast<float>(sum)) / i8_row_scale(act_row, k);
}

#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
// =================================================================================================
// AVX-512 (64-byte vectors).

#if HWY_TARGET == HWY_AVX3_DL
// Highway's AVX3_DL target implies AVX512-VNNI (its run-time check requires it), but its target
// attribute string does not name it, so the functions using VPDPBUSD add it themselves.
#define LOWBIT_VNNI_ATTR __attribute__((target("avx512vnni")))
#define LOWBIT_HAS_VNNI 1
LOWBIT_VNNI_ATTR HWY_INLINE __m512i dot_u8s8(__m512i acc, __m512i u, __m512i s) {
    return _mm512_dpbusd_epi32(acc, u, s);
}
#else
#define LOWBIT_VNNI_ATTR
#define LOWBIT_HAS_VNNI 0
HWY_INLINE __m512i dot_u8s8(__m512i acc, __m512i u, __m512i s) {
    // u ≤ 2, so the pairwise 16-bit sums cannot saturate.
    return _mm512_add_epi32(acc, _mm512_madd_epi16(_mm512_maddubs_epi16(u, s), _mm512_set1_epi16(1)));
}
#endif

// ---- TQ2_0 ---------------------------------------------------------------------------------------
// 64 activation bytes in the order of one TQ2_0 shift group: elements l*32..l*32+31 of the
// first half-block followed by 128+l*32.. of the second.
HWY_INLINE __m512i tq2_act(const int8_t* qs, int l) {
    const __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(qs + l * 32));
    const __m256i hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(qs + 128 + l * 32));
    return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
}

// The four code groups of a TQ2_0 block (64 bytes, group l at bits 2l..2l+1 of every byte).
struct TQ2Codes {
    __m512i c[4];
};

HWY_INLINE void tq2_codes_shift(__m512i q, TQ2Codes& out) {
    const __m512i mask = _mm512_set1_epi8(3);
    out.c[0] = _mm512_and_si512(q, mask);
    out.c[1] = _mm512_and_si512(_mm512_srli_epi16(q, 2), mask);
    out.c[2] = _mm512_and_si512(_mm512_srli_epi16(q, 4), mask);
    out.c[3] = _mm512_and_si512(_mm512_srli_epi16(q, 6), mask);
}

#if HWY_TARGET == HWY_AVX3_DL
// With GFNI one GF2P8AFFINEQB per group does the shift and the mask: output bit i of a byte is
// the parity of (matrix byte 7−i AND input byte), so a matrix whose bytes 7 and 6 hold bits 2l
// and 2l+1 moves those two bits to bits 0 and 1 and clears the rest. Four instructions instead
// of seven; the hot TQ2_0 tile runs ~25% faster (docs/BENCHMARKS.md).
#define LOWBIT_GFNI_ATTR __attribute__((target("gfni")))
// Bits `shift` and `shift`+1 of every byte of v, as the byte's value (0..3).
LOWBIT_GFNI_ATTR HWY_INLINE __m512i pick_2bits_gfni(__m512i v, int shift) {
    const uint64_t matrix = (uint64_t{1} << shift << 56) | (uint64_t{2} << shift << 48);
    return _mm512_gf2p8affine_epi64_epi8(v, _mm512_set1_epi64(static_cast<long long>(matrix)), 0);
}
LOWBIT_GFNI_ATTR HWY_INLINE void tq2_codes_gfni(__m512i q, TQ2Codes& out) {
    for (int l = 0; l < 4; ++l) out.c[l] = pick_2bits_gfni(q, 2 * l);
}
// Every CPU Highway runs as AVX3_DL so far (Ice Lake on, Zen 4 on) has GFNI, but Highway does not
// require it, so the entry points ask cpu_extensions().
#else
#define LOWBIT_GFNI_ATTR
#endif

// Σ (c − 1)·a per lane: the dot product of the codes minus that of ones with the same
// activations (shared by all rows of a tile), so no scalar block sums are needed.
template <int R, int T, bool kGfni = false>
LOWBIT_GFNI_ATTR LOWBIT_VNNI_ATTR void tq2_tile(int64_t k, const uint8_t* w, size_t ws, const uint8_t* a,
                                                size_t as, float* y, int64_t ldy) {
    const int64_t nb = k / QK_K;
    __m512 acc[R][T];
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t) acc[r][t] = _mm512_setzero_ps();
    const __m512i ones = _mm512_set1_epi8(1);
    for (int64_t b = 0; b < nb; ++b) {
        __m512i av[T][4], asum[T];
        float ad[T];
        for (int t = 0; t < T; ++t) {
            const BlockQ8_K& ab = reinterpret_cast<const BlockQ8_K*>(a + t * as)[b];
            asum[t] = _mm512_setzero_si512();
            for (int l = 0; l < 4; ++l) {
                av[t][l] = tq2_act(ab.qs, l);
                asum[t] = dot_u8s8(asum[t], ones, av[t][l]);
            }
            ad[t] = ab.d;
        }
        for (int r = 0; r < R; ++r) {
            const BlockTQ2_0& wb = reinterpret_cast<const BlockTQ2_0*>(w + r * ws)[b];
            const __m512i q = _mm512_loadu_si512(wb.qs);
            TQ2Codes c;
#if HWY_TARGET == HWY_AVX3_DL
            if constexpr (kGfni)
                tq2_codes_gfni(q, c);
            else
#endif
                tq2_codes_shift(q, c);
            const float wd = _cvtsh_ss(wb.d);
            for (int t = 0; t < T; ++t) {
                __m512i s = dot_u8s8(_mm512_setzero_si512(), c.c[0], av[t][0]);
                s = dot_u8s8(s, c.c[1], av[t][1]);
                s = dot_u8s8(s, c.c[2], av[t][2]);
                s = dot_u8s8(s, c.c[3], av[t][3]);
                s = _mm512_sub_epi32(s, asum[t]);
                acc[r][t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), _mm512_set1_ps(wd * ad[t]), acc[r][t]);
            }
        }
    }
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t) y[t * ldy + r] = _mm512_reduce_add_ps(acc[r][t]);
}

// ---- TQ1_0: five base-3 digits per byte ------------------------------------------------------
// Digit n of byte b is ((b·3ⁿ mod 256)·3) >> 8, i.e. (q ≥ 86) + (q ≥ 171) with q = b·3ⁿ mod 256.
// Multiplying bytes by 3 mod 256 is two wrapping byte additions, so all five digits of 64
// bytes cost a handful of adds and compares. Digit order makes the block's 256 codes line up with
// the activations in natural order: [x·1 | x·3], [x·9 | x·27], [x·81 | z·1 | z·3],
// [z·9 | z·27 | z·81 | h·1 h·3 h·9 h·27], where x = qs[0..31], z = qs[32..47], h = qh[0..3].

HWY_INLINE __m256i times3_256(__m256i v) {
    return _mm256_add_epi8(_mm256_add_epi8(v, v), v);
}
HWY_INLINE __m128i times3_128(__m128i v) {
    return _mm_add_epi8(_mm_add_epi8(v, v), v);
}

HWY_INLINE __m512i trits_to_codes(__m512i q) {
    const __mmask64 m1 = _mm512_cmpge_epu8_mask(q, _mm512_set1_epi8(86));
    const __mmask64 m2 = _mm512_cmpge_epu8_mask(q, _mm512_set1_epi8(static_cast<char>(171)));
    const __m512i one = _mm512_set1_epi8(1);
    return _mm512_mask_add_epi8(_mm512_maskz_mov_epi8(m1, one), m2, _mm512_maskz_mov_epi8(m1, one), one);
}

struct TQ1Codes {
    __m512i c[4];
};

HWY_INLINE void tq1_codes(const BlockTQ1_0& b, TQ1Codes& out) {
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
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t) acc[r][t] = _mm512_setzero_ps();
    const __m512i ones = _mm512_set1_epi8(1);
    for (int64_t b = 0; b < nb; ++b) {
        __m512i av[T][4], asum[T];
        float ad[T];
        for (int t = 0; t < T; ++t) {
            const BlockQ8_K& ab = reinterpret_cast<const BlockQ8_K*>(a + t * as)[b];
            asum[t] = _mm512_setzero_si512();
            for (int i = 0; i < 4; ++i) {
                av[t][i] = _mm512_loadu_si512(ab.qs + 64 * i);
                asum[t] = dot_u8s8(asum[t], ones, av[t][i]);
            }
            ad[t] = ab.d;
        }
        for (int r = 0; r < R; ++r) {
            const BlockTQ1_0& wb = reinterpret_cast<const BlockTQ1_0*>(w + r * ws)[b];
            TQ1Codes c;
            tq1_codes(wb, c);
            const float wd = _cvtsh_ss(wb.d);
            for (int t = 0; t < T; ++t) {
                __m512i s = dot_u8s8(_mm512_setzero_si512(), c.c[0], av[t][0]);
                for (int i = 1; i < 4; ++i) s = dot_u8s8(s, c.c[i], av[t][i]);
                s = _mm512_sub_epi32(s, asum[t]);
                acc[r][t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), _mm512_set1_ps(wd * ad[t]), acc[r][t]);
            }
        }
    }
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t) y[t * ldy + r] = _mm512_reduce_add_ps(acc[r][t]);
}

#if LOWBIT_HAS_VNNI
// ---- TQ1_0 for one token (decode): no digits at all ----------------------------------------
// Each byte b yields the chain qₙ = b·3ⁿ mod 256 and digit cₙ = ⌊3qₙ / 256⌋, and since
// qₙ₊₁ = 3qₙ − 256cₙ exactly,
//     256·cₙ = 3qₙ − qₙ₊₁,   so   256·Σ cₙaₙ = 3·Σ qₙaₙ − Σ qₙ₊₁aₙ.
// Both sums are unsigned-byte × int8 dot products of the chain itself, so the digits are never
// formed: per block one 52-byte load, five wrapping ×3 steps (two byte adds each) and ten
// VPDPBUSD, where tq1_tile spends ~16 compare/select operations forming the codes besides its own
// ×3 steps and shuffles. The activations are rearranged instead — once per block, shared by the
// tile's rows — to the byte order of the block: lanes 0..31 hold x = qs[0..31], whose digit n is
// element 32n + m; lanes 32..47 z = qs[32..47] (element 160 + 16n + m); lanes 48..51 h = qh
// (element 240 + 4n + m, four digits only); lanes 52..63 are zero on both sides. The lane sums
// are exact multiples of 256 (the identity holds per byte), at most 256·7680 < 2²⁴, so the
// float conversion is exact and the block's integer equals the reference's. Only with VPDPBUSD:
// VPMADDUBSW's 16-bit pair sums would saturate on qₙ up to 255.
struct TQ1Acts {
    __m512i digit[5];  // activations of digit n in the block's byte order
    __m512i sum256;    // 256·Σ a, split over lanes (any split: only the lane total matters)
};

LOWBIT_VNNI_ATTR HWY_INLINE void tq1_acts(const BlockQ8_K& ab, TQ1Acts& out) {
    const __m512i ones = _mm512_set1_epi8(1);
    __m512i sum = _mm512_setzero_si512();
    for (int n = 0; n < 5; ++n) {
        __m512i v =
            _mm512_zextsi256_si512(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(ab.qs + 32 * n)));
        v = _mm512_inserti32x4(v, _mm_loadu_si128(reinterpret_cast<const __m128i*>(ab.qs + 160 + 16 * n)), 2);
        if (n < 4) {
            int32_t h;
            std::memcpy(&h, ab.qs + 240 + 4 * n, 4);
            v = _mm512_mask_set1_epi32(v, 1 << 12, h);  // bytes 48..51
        }
        out.digit[n] = v;
        sum = _mm512_dpbusd_epi32(sum, ones, v);
    }
    out.sum256 = _mm512_slli_epi32(sum, 8);
}

HWY_INLINE __m512i times3_512(__m512i v) {
    return _mm512_add_epi8(_mm512_add_epi8(v, v), v);
}

template <int R>
LOWBIT_VNNI_ATTR void tq1_tile_decode(int64_t k, const uint8_t* w, size_t ws, const uint8_t* a, size_t,
                                      float* y, int64_t) {
    const int64_t nb = k / QK_K;
    constexpr __mmask64 kBlockBytes = (__mmask64{1} << 52) - 1;  // qs and qh, not d (nor the next block)
    __m512 acc[R];
    for (int r = 0; r < R; ++r) acc[r] = _mm512_setzero_ps();
    for (int64_t b = 0; b < nb; ++b) {
        const BlockQ8_K& ab = reinterpret_cast<const BlockQ8_K*>(a)[b];
        TQ1Acts act;
        tq1_acts(ab, act);
        for (int r = 0; r < R; ++r) {
            const BlockTQ1_0& wb = reinterpret_cast<const BlockTQ1_0*>(w + r * ws)[b];
            // A masked load never touches the bytes it leaves out: the last block of a tensor
            // may end at the mapping's end.
            __m512i q = _mm512_maskz_loadu_epi8(kBlockBytes, &wb);
            __m512i three_q_a = _mm512_setzero_si512();  // Σ qₙaₙ (times 3 below)
            __m512i next_q_a = act.sum256;               // 256·Σa + Σ qₙ₊₁aₙ
            for (int n = 0; n < 5; ++n) {
                three_q_a = _mm512_dpbusd_epi32(three_q_a, q, act.digit[n]);
                q = times3_512(q);
                next_q_a = _mm512_dpbusd_epi32(next_q_a, q, act.digit[n]);
            }
            // 256·Σ (c − 1)·a per lane.
            const __m512i s =
                _mm512_sub_epi32(_mm512_add_epi32(_mm512_slli_epi32(three_q_a, 1), three_q_a), next_q_a);
            acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s),
                                     _mm512_set1_ps(_cvtsh_ss(wb.d) * ab.d * (1.0f / 256)), acc[r]);
        }
    }
    for (int r = 0; r < R; ++r) y[r] = _mm512_reduce_add_ps(acc[r]);
}
#endif

// ---- I2_S ----------------------------------------------------------------------------------------
// A 32-byte block holds 128 codes: element 32g + p at bits 6-2g of byte p. The block is loaded
// into both halves of a register; masking (not shifting) picks two code groups at once:
//   v & [0xC0 | 0x30] = [64·c₀ | 16·c₁] against activations 0..63 of the block,
//   v & [0x0C | 0x03] = [ 4·c₂ |    c₃] against activations 64..127,
// so each 128 elements cost one load, two ANDs and two dot products and the activations are
// read in their natural order. Every lane of an accumulator carries one known power-of-two
// factor, divided out exactly at the end. (Only with VPDPBUSD: the scaled codes, up to 192,
// would saturate VPMADDUBSW's 16-bit pair sums, so the AVX3 target shifts instead.)

// The end of the I2_S tiles that sum two blocks per vector: an odd last block (from `b` on) in
// scalar, then the finish of every row.
template <int R, int T>
HWY_INLINE void i2s_store_pairs(const __m512i (&acc)[R][T], int64_t b, int64_t k, const uint8_t* w, size_t ws,
                                const uint8_t* a, size_t as, float* y, int64_t ldy) {
    const int64_t nb = k / quant::QK_I2_S;
    int32_t tail[R][T] = {};
    for (; b < nb; ++b) {
        for (int r = 0; r < R; ++r)
            for (int t = 0; t < T; ++t) {
                const uint8_t* wb = w + r * ws + b * quant::I2_S_BLOCK_BYTES;
                const int8_t* q = reinterpret_cast<const int8_t*>(a + t * as) + b * quant::QK_I2_S;
                tail[r][t] += i2s_block_dot_ref(wb, q);  // not inline: see kernels.h
            }
    }
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t)
            y[t * ldy + r] = i2s_finish(_mm512_reduce_add_epi32(acc[r][t]) + tail[r][t], a + t * as, k);
}

#if HWY_TARGET == HWY_AVX3_DL
// With GFNI: two blocks per 64-byte load, each code group extracted by one GF2P8AFFINEQB (as for
// TQ2_0), dot products against the activations gathered to match (block b's group in the low
// half, block b+1's in the high half), accumulated in plain int32.
template <int R, int T>
LOWBIT_GFNI_ATTR LOWBIT_VNNI_ATTR void i2s_tile_gfni(int64_t k, const uint8_t* w, size_t ws, const uint8_t* a,
                                                     size_t as, float* y, int64_t ldy) {
    const int64_t nb = k / quant::QK_I2_S;
    __m512i acc[R][T];
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t) acc[r][t] = _mm512_setzero_si512();
    int64_t b = 0;
    for (; b + 2 <= nb; b += 2) {
        __m512i av[T][4];
        for (int t = 0; t < T; ++t) {
            const int8_t* q = reinterpret_cast<const int8_t*>(a + t * as) + b * quant::QK_I2_S;
            for (int g = 0; g < 4; ++g) av[t][g] = tq2_act(q, g);  // q[32g..], q[128+32g..]
        }
        for (int r = 0; r < R; ++r) {
            const __m512i v = _mm512_loadu_si512(w + r * ws + b * quant::I2_S_BLOCK_BYTES);
            for (int g = 0; g < 4; ++g) {
                const __m512i c = pick_2bits_gfni(v, 6 - 2 * g);  // group g sits at bits 6-2g, 7-2g
                for (int t = 0; t < T; ++t) acc[r][t] = _mm512_dpbusd_epi32(acc[r][t], c, av[t][g]);
            }
        }
    }
    i2s_store_pairs<R, T>(acc, b, k, w, ws, a, as, y, ldy);
}
#endif

#if LOWBIT_HAS_VNNI
template <int R, int T>
LOWBIT_VNNI_ATTR void i2s_tile(int64_t k, const uint8_t* w, size_t ws, const uint8_t* a, size_t as, float* y,
                               int64_t ldy) {
    const int64_t nb = k / quant::QK_I2_S;
    const __m512i mask_a =
        _mm512_inserti64x4(_mm512_set1_epi8(static_cast<char>(0xC0)), _mm256_set1_epi8(0x30), 1);
    const __m512i mask_b = _mm512_inserti64x4(_mm512_set1_epi8(0x0C), _mm256_set1_epi8(0x03), 1);
    __m512i acc_a[R][T], acc_b[R][T];
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t) acc_a[r][t] = acc_b[r][t] = _mm512_setzero_si512();
    for (int64_t b = 0; b < nb; ++b) {
        __m512i lo[T], hi[T];
        for (int t = 0; t < T; ++t) {
            const uint8_t* q = a + t * as + b * quant::QK_I2_S;
            lo[t] = _mm512_loadu_si512(q);
            hi[t] = _mm512_loadu_si512(q + 64);
        }
        for (int r = 0; r < R; ++r) {
            const __m512i v = _mm512_broadcast_i64x4(_mm256_loadu_si256(
                reinterpret_cast<const __m256i*>(w + r * ws + b * quant::I2_S_BLOCK_BYTES)));
            const __m512i ua = _mm512_and_si512(v, mask_a), ub = _mm512_and_si512(v, mask_b);
            for (int t = 0; t < T; ++t) {
                acc_a[r][t] = _mm512_dpbusd_epi32(acc_a[r][t], ua, lo[t]);
                acc_b[r][t] = _mm512_dpbusd_epi32(acc_b[r][t], ub, hi[t]);
            }
        }
    }
    // Lanes 0..7 of acc_a carry 64·Σc₀q, lanes 8..15 16·Σc₁q; acc_b 4·Σc₂q and Σc₃q. Each lane
    // is an exact multiple of its factor, so the shifts divide exactly.
    const __m512i shift_a = _mm512_inserti64x4(_mm512_set1_epi32(6), _mm256_set1_epi32(4), 1);
    const __m512i shift_b = _mm512_inserti64x4(_mm512_set1_epi32(2), _mm256_set1_epi32(0), 1);
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t) {
            const __m512i s = _mm512_add_epi32(_mm512_srav_epi32(acc_a[r][t], shift_a),
                                               _mm512_srav_epi32(acc_b[r][t], shift_b));
            y[t * ldy + r] = i2s_finish(_mm512_reduce_add_epi32(s), a + t * as, k);
        }
}
#else
template <int R, int T>
void i2s_tile(int64_t k, const uint8_t* w, size_t ws, const uint8_t* a, size_t as, float* y, int64_t ldy) {
    // Two blocks per register: codes group g of block 2j in the low half, of block 2j+1 in the
    // high half; activations gathered to match.
    const int64_t nb = k / quant::QK_I2_S;
    const __m512i mask = _mm512_set1_epi8(3);
    const __m512i ones = _mm512_set1_epi16(1);
    __m512i acc[R][T];
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t) acc[r][t] = _mm512_setzero_si512();
    int64_t b = 0;
    for (; b + 2 <= nb; b += 2) {
        __m512i av[T][4];
        for (int t = 0; t < T; ++t) {
            const int8_t* q = reinterpret_cast<const int8_t*>(a + t * as) + b * quant::QK_I2_S;
            for (int g = 0; g < 4; ++g) av[t][g] = tq2_act(q, g);  // q[32g..], q[128+32g..]
        }
        for (int r = 0; r < R; ++r) {
            const __m512i v = _mm512_loadu_si512(w + r * ws + b * quant::I2_S_BLOCK_BYTES);
            const __m512i c0 = _mm512_and_si512(_mm512_srli_epi16(v, 6), mask);
            const __m512i c1 = _mm512_and_si512(_mm512_srli_epi16(v, 4), mask);
            const __m512i c2 = _mm512_and_si512(_mm512_srli_epi16(v, 2), mask);
            const __m512i c3 = _mm512_and_si512(v, mask);
            for (int t = 0; t < T; ++t) {
                // Codes ≤ 2: four pair sums stay below 2^11 in 16 bits.
                __m512i s16 = _mm512_maddubs_epi16(c0, av[t][0]);
                s16 = _mm512_add_epi16(s16, _mm512_maddubs_epi16(c1, av[t][1]));
                s16 = _mm512_add_epi16(s16, _mm512_maddubs_epi16(c2, av[t][2]));
                s16 = _mm512_add_epi16(s16, _mm512_maddubs_epi16(c3, av[t][3]));
                acc[r][t] = _mm512_add_epi32(acc[r][t], _mm512_madd_epi16(s16, ones));
            }
        }
    }
    i2s_store_pairs<R, T>(acc, b, k, w, ws, a, as, y, ldy);
}
#endif

#undef LOWBIT_VNNI_ATTR
#undef LOWBIT_HAS_VNNI
#undef LOWBIT_GFNI_ATTR

#elif HWY_TARGET == HWY_AVX2
// =================================================================================================
// AVX2 (32-byte vectors): VPMADDUBSW pairs, summed in 16 bits while they cannot overflow (codes
// ≤ 2 against int8: a pair is at most 512 in magnitude, eight pairs 4096), then VPMADDWD to 32.

HWY_INLINE __m256i load256(const void* p) {
    return _mm256_loadu_si256(static_cast<const __m256i*>(p));
}
HWY_INLINE __m256i widen_sum(__m256i s16) {
    return _mm256_madd_epi16(s16, _mm256_set1_epi16(1));
}
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

// Σ a of a Q8_K block as 16-bit lanes laid out like the sums of eight VPMADDUBSW products, so
// Σ (c − 1)·a = Σ c·a − Σ a is one subtraction per row (at most 8·256 in magnitude: no overflow).
HWY_INLINE __m256i act_sum16(const BlockQ8_K& ab) {
    const __m256i ones = _mm256_set1_epi8(1);
    __m256i s = _mm256_maddubs_epi16(ones, load256(ab.qs));
    for (int i = 1; i < 8; ++i) s = _mm256_add_epi16(s, _mm256_maddubs_epi16(ones, load256(ab.qs + 32 * i)));
    return s;
}

// TQ1_0 digits: wrapping byte multiplies by 3 and unsigned compares.
HWY_INLINE __m256i times3(__m256i v) {
    return _mm256_add_epi8(_mm256_add_epi8(v, v), v);
}
HWY_INLINE __m128i times3_128(__m128i v) {
    return _mm_add_epi8(_mm_add_epi8(v, v), v);
}
HWY_INLINE __m256i digits(__m256i q) {
    const __m256i ge86 = _mm256_cmpeq_epi8(_mm256_max_epu8(q, _mm256_set1_epi8(86)), q);
    const __m256i ge171 = _mm256_cmpeq_epi8(_mm256_max_epu8(q, _mm256_set1_epi8(static_cast<char>(171))), q);
    return _mm256_sub_epi8(_mm256_setzero_si256(), _mm256_add_epi8(ge86, ge171));
}

// The tiles, once per instruction-set variant (see kernels_ternary_avx2-inl.h).
#define LOWBIT_AVX2_TILES "backends/cpu/kernels_ternary_avx2-inl.h"
#include "backends/cpu/avx2_variants-inl.h"

#elif HWY_TARGET == HWY_NEON && defined(__aarch64__)
// =================================================================================================
// NEON: SDOT tiles for ARMv8.2 dot-product cores (see kernels_ternary_neon_dotprod-inl.h); the
// portable code below is the fallback.
#define LOWBIT_NEON_DOTPROD_TILES "backends/cpu/kernels_ternary_neon_dotprod-inl.h"
#include "backends/cpu/neon_dotprod_variant-inl.h"

#endif  // x86 targets, NEON

}  // namespace

#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
void MatmulTQ2_0(int64_t k, const uint8_t* w, size_t ws, int64_t nr, const uint8_t* a, size_t as, int64_t nt,
                 float* y, int64_t ldy) {
#if HWY_TARGET == HWY_AVX3_DL
    if (cpu_extensions().gfni) {
        run_row_tiles<tq2_tile<4, 1, true>, tq2_tile<1, 1, true>, tq2_tile<2, 4, true>, tq2_tile<1, 4, true>>(
            k, w, ws, nr, a, as, nt, y, ldy);
        return;
    }
#endif
    run_row_tiles<tq2_tile<4, 1>, tq2_tile<1, 1>, tq2_tile<2, 4>, tq2_tile<1, 4>>(k, w, ws, nr, a, as, nt, y,
                                                                                  ldy);
}
void MatmulTQ1_0(int64_t k, const uint8_t* w, size_t ws, int64_t nr, const uint8_t* a, size_t as, int64_t nt,
                 float* y, int64_t ldy) {
#if HWY_TARGET == HWY_AVX3_DL
    // One token: the digit-free decode tile. Several: tq1_tile forms each row's codes once for
    // four tokens, which costs less than the decode tile's ten dot products per token.
    run_row_tiles<tq1_tile_decode<4>, tq1_tile_decode<1>, tq1_tile<2, 4>, tq1_tile<1, 4>>(k, w, ws, nr, a, as,
                                                                                          nt, y, ldy);
#else
    run_row_tiles<tq1_tile<4, 1>, tq1_tile<1, 1>, tq1_tile<2, 4>, tq1_tile<1, 4>>(k, w, ws, nr, a, as, nt, y,
                                                                                  ldy);
#endif
}
void MatmulI2_S(int64_t k, const uint8_t* w, size_t ws, int64_t nr, const uint8_t* a, size_t as, int64_t nt,
                float* y, int64_t ldy) {
#if HWY_TARGET == HWY_AVX3_DL
    if (cpu_extensions().gfni) {
        run_row_tiles<i2s_tile_gfni<4, 1>, i2s_tile_gfni<1, 1>, i2s_tile_gfni<2, 4>, i2s_tile_gfni<1, 4>>(
            k, w, ws, nr, a, as, nt, y, ldy);
        return;
    }
#endif
    run_row_tiles<i2s_tile<4, 1>, i2s_tile<1, 1>, i2s_tile<2, 4>, i2s_tile<1, 4>>(k, w, ws, nr, a, as, nt, y,
                                                                                  ldy);
}
#elif HWY_TARGET == HWY_AVX2
void MatmulTQ2_0(int64_t k, const uint8_t* w, size_t ws, int64_t nr, const uint8_t* a, size_t as, int64_t nt,
                 float* y, int64_t ldy) {
    (cpu_extensions().avx_vnni ? avx2_vnni::matmul_tq2 : avx2::matmul_tq2)(k, w, ws, nr, a, as, nt, y, ldy);
}
void MatmulTQ1_0(int64_t k, const uint8_t* w, size_t ws, int64_t nr, const uint8_t* a, size_t as, int64_t nt,
                 float* y, int64_t ldy) {
    (cpu_extensions().avx_vnni ? avx2_vnni::matmul_tq1 : avx2::matmul_tq1)(k, w, ws, nr, a, as, nt, y, ldy);
}
void MatmulI2_S(int64_t k, const uint8_t* w, size_t ws, int64_t nr, const uint8_t* a, size_t as, int64_t nt,
                float* y, int64_t ldy) {
    (cpu_extensions().avx_vnni ? avx2_vnni::matmul_i2s : avx2::matmul_i2s)(k, w, ws, nr, a, as, nt, y, ldy);
}
#elif HWY_TARGET != HWY_SCALAR
// Every other target (NEON on ARM, which first takes the SDOT tiles when the CPU has dotprod;
// SSE4/SSSE3 on older x86, WASM, ...): portable Highway code. Codes and activations are widened
// to int16 and multiplied into int32 pair sums (ReorderWidenMulAccumulate: SMLAL/SMLAL2 on NEON,
// PMADDWD on x86), one block sum at a time, so every block's integer equals the reference's. No
// tiling: one row against one token.
namespace hn = hwy::HWY_NAMESPACE;
using D16 = hn::CappedTag<int16_t, 16>;  // ≤ 16 lanes: every code group below is 16 or 32 elements

struct BlockAcc {
    hn::Vec<hn::RepartitionToWide<D16>> s0, s1;
    int32_t extra = 0;  // products summed outside the vectors
    BlockAcc() : s0(hn::Zero(hn::RepartitionToWide<D16>())), s1(hn::Zero(hn::RepartitionToWide<D16>())) {}
    void add(hn::Vec<D16> codes, const int8_t* act) {
        const D16 d16;
        const hn::Rebind<int8_t, D16> di8;
        s0 = hn::ReorderWidenMulAccumulate(hn::RepartitionToWide<D16>(), codes,
                                           hn::PromoteTo(d16, hn::LoadU(di8, act)), s0, s1);
    }
    int32_t total() const {
        const hn::RepartitionToWide<D16> d32;
        return hn::GetLane(hn::SumOfLanes(d32, hn::Add(s0, s1))) + extra;
    }
};

// Bytes q[0..n) as int16 lanes, n a multiple of the lane count.
HWY_INLINE hn::Vec<D16> bytes16(const uint8_t* q) {
    const D16 d16;
    const hn::Rebind<uint8_t, D16> du8;
    const hn::RebindToUnsigned<D16> du16;
    return hn::BitCast(d16, hn::PromoteTo(du16, hn::LoadU(du8, q)));
}

// Σ ((q[m] >> shift) & 3) · a[m] for m < n (2-bit codes, TQ2_0 and I2_S).
HWY_INLINE void add_codes2(BlockAcc& acc, const uint8_t* q, int shift, const int8_t* a, size_t n) {
    const D16 d16;
    const auto three = hn::Set(d16, 3);
    for (size_t m = 0; m < n; m += hn::Lanes(d16))
        acc.add(hn::And(hn::ShiftRightSame(bytes16(q + m), shift), three), a + m);
}

// Σ digitₙ(q[m]) · a[m] for m < n (TQ1_0: digit = ((q·3ⁿ mod 256)·3) >> 8, codes 0..2).
HWY_INLINE void add_trits(BlockAcc& acc, const uint8_t* q, int pow3, const int8_t* a, size_t n) {
    const D16 d16;
    const auto mul = hn::Set(d16, static_cast<int16_t>(pow3)), byte = hn::Set(d16, 0xFF),
               three = hn::Set(d16, 3);
    for (size_t m = 0; m < n; m += hn::Lanes(d16)) {
        const auto frac = hn::And(hn::Mul(bytes16(q + m), mul), byte);  // ≤ 255·81 fits 16 bits
        acc.add(hn::ShiftRight<8>(hn::Mul(frac, three)), a + m);
    }
}

HWY_INLINE int32_t q8k_sum(const BlockQ8_K& ab) {
    int32_t s = 0;
    for (int16_t v : ab.bsums) s += v;
    return s;
}

// Σ over blocks of wd·ad·(Σ c·a − Σ a).
template <typename Block, typename AddBlock>
HWY_INLINE float tq_row(int64_t k, const Block* wb, const BlockQ8_K* ab, AddBlock&& add_block) {
    float y = 0.0f;
    for (int64_t b = 0; b < k / QK_K; ++b) {
        BlockAcc acc;
        add_block(wb[b], ab[b].qs, acc);
        const int32_t isum = acc.total() - q8k_sum(ab[b]);
        y += static_cast<float>(isum) * (fp16_to_fp32(wb[b].d) * ab[b].d);
    }
    return y;
}

template <typename Block, typename AddBlock>
HWY_INLINE void tq_matmul(int64_t k, const uint8_t* w, size_t ws, int64_t nr, const uint8_t* a, size_t as,
                          int64_t nt, float* y, int64_t ldy, AddBlock&& add_block) {
    for (int64_t t = 0; t < nt; ++t)
        for (int64_t r = 0; r < nr; ++r)
            y[t * ldy + r] = tq_row(k, reinterpret_cast<const Block*>(w + r * ws),
                                    reinterpret_cast<const BlockQ8_K*>(a + t * as), add_block);
}

void MatmulTQ2_0(int64_t k, const uint8_t* w, size_t ws, int64_t nr, const uint8_t* a, size_t as, int64_t nt,
                 float* y, int64_t ldy) {
#if HWY_TARGET == HWY_NEON && defined(__aarch64__)
    if (cpu_extensions().neon_dotprod) return neon_dotprod::matmul_tq2(k, w, ws, nr, a, as, nt, y, ldy);
#endif
    // Element 128j + 32l + m is bits 2l of byte 32j + m.
    tq_matmul<BlockTQ2_0>(k, w, ws, nr, a, as, nt, y, ldy,
                          [](const BlockTQ2_0& b, const int8_t* q, BlockAcc& acc) {
                              for (int j = 0; j < 2; ++j)
                                  for (int l = 0; l < 4; ++l)
                                      add_codes2(acc, b.qs + 32 * j, 2 * l, q + 128 * j + 32 * l, 32);
                          });
}
void MatmulTQ1_0(int64_t k, const uint8_t* w, size_t ws, int64_t nr, const uint8_t* a, size_t as, int64_t nt,
                 float* y, int64_t ldy) {
#if HWY_TARGET == HWY_NEON && defined(__aarch64__)
    if (cpu_extensions().neon_dotprod) return neon_dotprod::matmul_tq1(k, w, ws, nr, a, as, nt, y, ldy);
#endif
    // Elements 32n + m: digit n of qs[m]; 160 + 16n + m: of qs[32 + m]; 240 + 4n + j: of qh[j].
    tq_matmul<BlockTQ1_0>(k, w, ws, nr, a, as, nt, y, ldy,
                          [](const BlockTQ1_0& b, const int8_t* q, BlockAcc& acc) {
                              int pow3 = 1;
                              for (int n = 0; n < 5; ++n, pow3 *= 3) {
                                  add_trits(acc, b.qs, pow3, q + 32 * n, 32);
                                  add_trits(acc, b.qs + 32, pow3, q + 160 + 16 * n, 16);
                              }
                              // The last 16 elements (4 bytes x 4 digits) are fewer than a vector: plain
                              // code.
                              for (int n = 0; n < 4; ++n)
                                  for (int j = 0; j < 4; ++j)
                                      acc.extra += (quant::tq1_trit(b.qh[j], n) + 1) * q[240 + 4 * n + j];
                          });
}
void MatmulI2_S(int64_t k, const uint8_t* w, size_t ws, int64_t nr, const uint8_t* a, size_t as, int64_t nt,
                float* y, int64_t ldy) {
#if HWY_TARGET == HWY_NEON && defined(__aarch64__)
    if (cpu_extensions().neon_dotprod) return neon_dotprod::matmul_i2s(k, w, ws, nr, a, as, nt, y, ldy);
#endif
    // Element 32g + p of a 32-byte block is bits 6 − 2g of byte p; the row's integer, then the
    // reference's own float finish.
    const int64_t nb = k / quant::QK_I2_S;
    for (int64_t t = 0; t < nt; ++t) {
        const int8_t* q = reinterpret_cast<const int8_t*>(a + t * as);
        for (int64_t r = 0; r < nr; ++r) {
            int32_t raw = 0;
            for (int64_t b = 0; b < nb; ++b) {
                BlockAcc acc;
                const uint8_t* wb = w + r * ws + b * quant::I2_S_BLOCK_BYTES;
                for (int g = 0; g < 4; ++g)
                    add_codes2(acc, wb, 6 - 2 * g, q + b * quant::QK_I2_S + 32 * g, 32);
                raw += acc.total();
            }
            y[t * ldy + r] = i2s_finish(raw, a + t * as, k);
        }
    }
}
#else  // HWY_SCALAR: the scalar reference
void MatmulTQ2_0(int64_t k, const uint8_t* w, size_t ws, int64_t nr, const uint8_t* a, size_t as, int64_t nt,
                 float* y, int64_t ldy) {
    matmul_tile_ref(TensorType::TQ2_0, k, w, ws, nr, a, as, nt, y, ldy);
}
void MatmulTQ1_0(int64_t k, const uint8_t* w, size_t ws, int64_t nr, const uint8_t* a, size_t as, int64_t nt,
                 float* y, int64_t ldy) {
    matmul_tile_ref(TensorType::TQ1_0, k, w, ws, nr, a, as, nt, y, ldy);
}
void MatmulI2_S(int64_t k, const uint8_t* w, size_t ws, int64_t nr, const uint8_t* a, size_t as, int64_t nt,
                float* y, int64_t ldy) {
    matmul_tile_ref(TensorType::I2_S, k, w, ws, nr, a, as, nt, y, ldy);
}
#endif

}  // namespace HWY_NAMESPACE
}  // namespace lowbit::cpu
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace lowbit::cpu {

HWY_EXPORT(MatmulTQ2_0);
HWY_EXPORT(MatmulTQ1_0);
HWY_EXPORT(MatmulI2_S);

bool ternary_matmul_tile(TensorType wtype, int64_t k, const uint8_t* w, size_t w_stride, int64_t nr,
                         const uint8_t* a, size_t a_stride, int64_t nt, float* y, int64_t ldy) {
    switch (wtype) {
        case TensorType::TQ2_0:
            HWY_DYNAMIC_DISPATCH(MatmulTQ2_0)(k, w, w_stride, nr, a, a_stride, nt, y, ldy);
            return true;
        case TensorType::TQ1_0:
            HWY_DYNAMIC_DISPATCH(MatmulTQ1_0)(k, w, w_stride, nr, a, a_stride, nt, y, ldy);
            return true;
        case TensorType::I2_S:
            HWY_DYNAMIC_DISPATCH(MatmulI2_S)(k, w, w_stride, nr, a, a_stride, nt, y, ldy);
            return true;
        default:
            return kquant_matmul_tile(wtype, k, w, w_stride, nr, a, a_stride, nt, y, ldy);
    }
}

}  // namespace lowbit::cpu
#endif
