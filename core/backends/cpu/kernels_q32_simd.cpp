// Kernels for the block types that llama-quantize falls back to when a row is not a multiple of
// 256 (Q4_K -> Q5_0, Q5_K -> Q5_1, IQ* -> IQ4_NL: small models such as Qwen2.5-0.5B, n_embd
// 896, or SmolLM2, 576, carry them in every "Q4_K_M" file), the older Q4_1, and IQ4_XS:
//   Q4_1, Q5_0, Q5_1, IQ4_NL  x Q8_0 (32-element blocks)
//   IQ4_XS                    x Q8_K (256-element blocks, eight 32-element groups)
// Compiled per x86 target by Highway and picked at run time; other targets use the reference.
//
// Each 32-element weight block is decoded to 32 signed bytes w (|w| <= 127: Q5_0 is -16..15,
// IQ4's levels -127..113) and multiplied with the int8 activations a (|a| <= 127) by
// VPMADDUBSW(|w|, sign(a, w)), whose pair sums (<= 2·127·127) cannot saturate, then VPMADDWD
// against 1 (or against IQ4_XS's group scale):
//     y += (d_w·d_a)·Σ w·a  [+ (m_w·d_a)·Σ a  for Q4_1/Q5_1]
// The integer block sums are exact (= quant::block_dots_ref); only the float sum is reordered.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "backends/cpu/kernels_q32_simd.cpp"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
// clang-format off
#include "backends/cpu/kernels.h"
#include "backends/cpu/prefetch.h"
#include "backends/cpu/kernels_ternary.h"
#include "quant/blocks.h"
#include "quant/unpack.h"
// clang-format on

#undef LOWBIT_Q32_SIMD  // this file is compiled once per target
#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL || HWY_TARGET == HWY_AVX2
#include <immintrin.h>
#define LOWBIT_Q32_SIMD 1
#else
#define LOWBIT_Q32_SIMD 0
#endif
#include <cstring>

HWY_BEFORE_NAMESPACE();
namespace lowbit::cpu {
namespace HWY_NAMESPACE {

#if LOWBIT_Q32_SIMD
namespace {  // helpers private to this file

using quant::BlockIQ4_NL;
using quant::BlockIQ4_XS;
using quant::BlockQ4_1;
using quant::BlockQ5_0;
using quant::BlockQ5_1;
using quant::BlockQ8_0;
using quant::BlockQ8_K;
using quant::QK_K;

HWY_INLINE __m256i load256(const void* p) {
    return _mm256_loadu_si256(static_cast<const __m256i*>(p));
}
HWY_INLINE float hsum_ps(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

// The 16 packed bytes of a 32-element block as 32 nibbles in element order: low nibbles are
// elements 0..15, high nibbles 16..31.
HWY_INLINE __m256i nibbles(const uint8_t* qs) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
    const __m128i mask = _mm_set1_epi8(0x0F);
    return _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(v, 4), mask), _mm_and_si128(v, mask));
}

// Bit 4 of every element of a Q5 block: bit j of the little-endian 32-bit qh is element j's.
HWY_INLINE __m256i fifth_bits(const uint8_t* qh) {
    uint32_t bits;
    std::memcpy(&bits, qh, sizeof(bits));
    // Byte j of the vector gets byte j / 8 of qh, then keeps only its bit j % 8.
    const __m256i spread =
        _mm256_shuffle_epi8(_mm256_set1_epi32(static_cast<int>(bits)),
                            _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202, 0x0101010101010101, 0));
    const __m256i select = _mm256_set1_epi64x(static_cast<long long>(0x8040201008040201ull));
    const __m256i set = _mm256_cmpeq_epi8(_mm256_and_si256(spread, select), select);
    return _mm256_and_si256(set, _mm256_set1_epi8(0x10));
}

// IQ4's 16 levels in both 128-bit halves, for VPSHUFB.
HWY_INLINE __m256i iq4_table() {
    return _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(quant::kIq4Values)));
}

// Σ w·a over 32 signed bytes each, as 16 int16 pair sums.
HWY_INLINE __m256i pair_dot(__m256i w, __m256i a) {
    return _mm256_maddubs_epi16(_mm256_sign_epi8(w, w), _mm256_sign_epi8(a, w));
}

// ---- 32-element weight blocks x Q8_0 -------------------------------------------------------------

struct Q32Block {
    __m256i w;  // 32 signed values
    float d;
    float m;  // Q4_1/Q5_1: the block's offset, else 0
};

template <typename Block>
struct Q32Traits;

template <>
struct Q32Traits<BlockQ4_1> {
    static constexpr bool kHasMin = true;
    static HWY_INLINE void decode(const BlockQ4_1& b, __m256i, Q32Block& o) {
        o.w = nibbles(b.qs);
        o.d = _cvtsh_ss(b.d);
        o.m = _cvtsh_ss(b.m);
    }
};
template <>
struct Q32Traits<BlockQ5_0> {
    static constexpr bool kHasMin = false;
    static HWY_INLINE void decode(const BlockQ5_0& b, __m256i, Q32Block& o) {
        o.w = _mm256_sub_epi8(_mm256_or_si256(nibbles(b.qs), fifth_bits(b.qh)), _mm256_set1_epi8(16));
        o.d = _cvtsh_ss(b.d);
        o.m = 0.0f;
    }
};
template <>
struct Q32Traits<BlockQ5_1> {
    static constexpr bool kHasMin = true;
    static HWY_INLINE void decode(const BlockQ5_1& b, __m256i, Q32Block& o) {
        o.w = _mm256_or_si256(nibbles(b.qs), fifth_bits(b.qh));
        o.d = _cvtsh_ss(b.d);
        o.m = _cvtsh_ss(b.m);
    }
};
template <>
struct Q32Traits<BlockIQ4_NL> {
    static constexpr bool kHasMin = false;
    static HWY_INLINE void decode(const BlockIQ4_NL& b, __m256i table, Q32Block& o) {
        o.w = _mm256_shuffle_epi8(table, nibbles(b.qs));
        o.d = _cvtsh_ss(b.d);
        o.m = 0.0f;
    }
};

template <typename Block, int R, int T>
void q32_tile(int64_t k, const uint8_t* w, size_t ws, const uint8_t* a, size_t as, float* y, int64_t ldy) {
    using Traits = Q32Traits<Block>;
    const int64_t nb = k / 32;
    const __m256i table = iq4_table();
    const __m256i ones16 = _mm256_set1_epi16(1);
    const __m256i ones8 = _mm256_set1_epi8(1);
    __m256 acc[R][T];
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t) acc[r][t] = _mm256_setzero_ps();
    for (int64_t b = 0; b < nb; ++b) {
        __m256i av[T];
        __m256 asum[T];  // Σ a per lane group, for the min term
        float ad[T];
        for (int t = 0; t < T; ++t) {
            const BlockQ8_0& ab = reinterpret_cast<const BlockQ8_0*>(a + t * as)[b];
            av[t] = load256(ab.qs);
            ad[t] = _cvtsh_ss(ab.d);
            if constexpr (Traits::kHasMin)
                asum[t] = _mm256_cvtepi32_ps(_mm256_madd_epi16(_mm256_maddubs_epi16(ones8, av[t]), ones16));
        }
        for (int r = 0; r < R; ++r) {
            Q32Block wb;
            Traits::decode(reinterpret_cast<const Block*>(w + r * ws)[b], table, wb);
            for (int t = 0; t < T; ++t) {
                const __m256i sumi = _mm256_madd_epi16(pair_dot(wb.w, av[t]), ones16);
                acc[r][t] =
                    _mm256_fmadd_ps(_mm256_cvtepi32_ps(sumi), _mm256_set1_ps(wb.d * ad[t]), acc[r][t]);
                if constexpr (Traits::kHasMin)
                    acc[r][t] = _mm256_fmadd_ps(asum[t], _mm256_set1_ps(wb.m * ad[t]), acc[r][t]);
            }
        }
    }
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t) y[t * ldy + r] = hsum_ps(acc[r][t]);
}

// ---- IQ4_XS x Q8_K -------------------------------------------------------------------------------

template <int R, int T>
void iq4xs_tile(int64_t k, const uint8_t* w, size_t ws, const uint8_t* a, size_t as, float* y, int64_t ldy) {
    const int64_t nb = k / QK_K;
    const __m256i table = iq4_table();
    __m256 acc[R][T];
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t) acc[r][t] = _mm256_setzero_ps();
    for (int64_t b = 0; b < nb; ++b) {
        for (int r = 0; r < R; ++r) {
            const BlockIQ4_XS& wb = reinterpret_cast<const BlockIQ4_XS*>(w + r * ws)[b];
            __m256i sumi[T];
            for (int t = 0; t < T; ++t) sumi[t] = _mm256_setzero_si256();
            for (int g = 0; g < QK_K / 32; ++g) {
                const __m256i scale = _mm256_set1_epi16(static_cast<short>(quant::iq4_xs_group_scale(wb, g)));
                const __m256i wv = _mm256_shuffle_epi8(table, nibbles(wb.qs + 16 * g));
                for (int t = 0; t < T; ++t) {
                    const BlockQ8_K& ab = reinterpret_cast<const BlockQ8_K*>(a + t * as)[b];
                    // Pair sums (<= 32258) times the scale (|s| <= 32) fit int32 per lane.
                    sumi[t] = _mm256_add_epi32(
                        sumi[t], _mm256_madd_epi16(pair_dot(wv, load256(ab.qs + 32 * g)), scale));
                }
            }
            const float d = _cvtsh_ss(wb.d);
            for (int t = 0; t < T; ++t) {
                const float da = reinterpret_cast<const BlockQ8_K*>(a + t * as)[b].d;
                acc[r][t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sumi[t]), _mm256_set1_ps(d * da), acc[r][t]);
            }
        }
    }
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t) y[t * ldy + r] = hsum_ps(acc[r][t]);
}

// One token: 4 rows at a time (independent chains, the next rows prefetched); several: 2 rows x
// 4 tokens, so each decoded block serves four tokens (AVX2's 16 registers).
template <template <int, int> class Tile>
void run_q32_tiles(int64_t k, const uint8_t* w, size_t ws, int64_t nr, const uint8_t* a, size_t as,
                   int64_t nt, float* y, int64_t ldy) {
    int64_t t = 0;
    for (; nt > 1 && t + 4 <= nt; t += 4) {
        int64_t r = 0;
        for (; r + 2 <= nr; r += 2) Tile<2, 4>::run(k, w + r * ws, ws, a + t * as, as, y + t * ldy + r, ldy);
        for (; r < nr; ++r) Tile<1, 4>::run(k, w + r * ws, ws, a + t * as, as, y + t * ldy + r, ldy);
    }
    for (; t < nt; ++t) {
        int64_t r = 0;
        for (; r + 4 <= nr; r += 4) {
            if (nt == 1) prefetch_tile_ahead(w + r * ws, ws);
            Tile<4, 1>::run(k, w + r * ws, ws, a + t * as, as, y + t * ldy + r, ldy);
        }
        for (; r < nr; ++r) Tile<1, 1>::run(k, w + r * ws, ws, a + t * as, as, y + t * ldy + r, ldy);
    }
}

template <typename Block>
struct Q32Tile {
    template <int R, int T>
    struct Of {
        static HWY_INLINE void run(int64_t k, const uint8_t* w, size_t ws, const uint8_t* a, size_t as,
                                   float* y, int64_t ldy) {
            q32_tile<Block, R, T>(k, w, ws, a, as, y, ldy);
        }
    };
};
template <int R, int T>
struct Iq4XsTile {
    static HWY_INLINE void run(int64_t k, const uint8_t* w, size_t ws, const uint8_t* a, size_t as, float* y,
                               int64_t ldy) {
        iq4xs_tile<R, T>(k, w, ws, a, as, y, ldy);
    }
};

}  // namespace

#define LOWBIT_Q32_ENTRY(NAME, TILE, TYPE)                                                                 \
    void NAME(int64_t k, const uint8_t* w, size_t ws, int64_t nr, const uint8_t* a, size_t as, int64_t nt, \
              float* y, int64_t ldy) {                                                                     \
        run_q32_tiles<TILE>(k, w, ws, nr, a, as, nt, y, ldy);                                              \
    }
LOWBIT_Q32_ENTRY(MatmulQ4_1, Q32Tile<BlockQ4_1>::Of, Q4_1)
LOWBIT_Q32_ENTRY(MatmulQ5_0, Q32Tile<BlockQ5_0>::Of, Q5_0)
LOWBIT_Q32_ENTRY(MatmulQ5_1, Q32Tile<BlockQ5_1>::Of, Q5_1)
LOWBIT_Q32_ENTRY(MatmulIQ4_NL, Q32Tile<BlockIQ4_NL>::Of, IQ4_NL)
LOWBIT_Q32_ENTRY(MatmulIQ4_XS, Iq4XsTile, IQ4_XS)
#else
#define LOWBIT_Q32_ENTRY(NAME, TILE, TYPE)                                                                 \
    void NAME(int64_t k, const uint8_t* w, size_t ws, int64_t nr, const uint8_t* a, size_t as, int64_t nt, \
              float* y, int64_t ldy) {                                                                     \
        matmul_tile_ref(TensorType::TYPE, k, w, ws, nr, a, as, nt, y, ldy);                                \
    }
LOWBIT_Q32_ENTRY(MatmulQ4_1, _, Q4_1)
LOWBIT_Q32_ENTRY(MatmulQ5_0, _, Q5_0)
LOWBIT_Q32_ENTRY(MatmulQ5_1, _, Q5_1)
LOWBIT_Q32_ENTRY(MatmulIQ4_NL, _, IQ4_NL)
LOWBIT_Q32_ENTRY(MatmulIQ4_XS, _, IQ4_XS)
#endif
#undef LOWBIT_Q32_ENTRY

}  // namespace HWY_NAMESPACE
}  // namespace lowbit::cpu
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace lowbit::cpu {

HWY_EXPORT(MatmulQ4_1);
HWY_EXPORT(MatmulQ5_0);
HWY_EXPORT(MatmulQ5_1);
HWY_EXPORT(MatmulIQ4_NL);
HWY_EXPORT(MatmulIQ4_XS);

bool q32_matmul_tile(TensorType wtype, int64_t k, const uint8_t* w, size_t w_stride, int64_t nr,
                     const uint8_t* a, size_t a_stride, int64_t nt, float* y, int64_t ldy) {
    switch (wtype) {
        case TensorType::Q4_1:
            HWY_DYNAMIC_DISPATCH(MatmulQ4_1)(k, w, w_stride, nr, a, a_stride, nt, y, ldy);
            return true;
        case TensorType::Q5_0:
            HWY_DYNAMIC_DISPATCH(MatmulQ5_0)(k, w, w_stride, nr, a, a_stride, nt, y, ldy);
            return true;
        case TensorType::Q5_1:
            HWY_DYNAMIC_DISPATCH(MatmulQ5_1)(k, w, w_stride, nr, a, a_stride, nt, y, ldy);
            return true;
        case TensorType::IQ4_NL:
            HWY_DYNAMIC_DISPATCH(MatmulIQ4_NL)(k, w, w_stride, nr, a, a_stride, nt, y, ldy);
            return true;
        case TensorType::IQ4_XS:
            HWY_DYNAMIC_DISPATCH(MatmulIQ4_XS)(k, w, w_stride, nr, a, a_stride, nt, y, ldy);
            return true;
        default:
            return false;
    }
}

}  // namespace lowbit::cpu
#endif
