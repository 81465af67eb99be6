// SIMD kernels, compiled once per instruction-set target by Highway and chosen at run time
// (foreach_target + HWY_DYNAMIC_DISPATCH), so one binary uses AVX-512, AVX2 or SSE4 as the
// CPU allows. Tiles multiply a few weight rows with a few activation rows at once so every
// weight vector loaded from memory is used several times during prefill.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "backends/cpu/kernels_simd.cpp"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
// clang-format off
#include "backends/cpu/kernels.h"
#include "backends/cpu/prefetch.h"
#include "backends/cpu/tile_driver.h"
#include "backends/cpu/kernels_ternary.h"
#include "lowbit/fp16.h"
#include "lowbit/quant.h"
#include "quant/blocks.h"
// clang-format on

#if HWY_TARGET == HWY_AVX3_DL
#include <immintrin.h>
#endif
#include <type_traits>

HWY_BEFORE_NAMESPACE();
namespace lowbit::cpu {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

using quant::BlockQ4_0;
using quant::BlockQ8_0;

// ---- float-family weights (F32, F16, BF16) against F32 activation rows -------------------------

template <typename WT>
HWY_INLINE hn::Vec<hn::ScalableTag<float>> load_weights(const WT* p) {
    const hn::ScalableTag<float> df;
    if constexpr (std::is_same_v<WT, float>) {
        return hn::LoadU(df, p);
    } else if constexpr (std::is_same_v<WT, hwy::float16_t>) {
        const hn::Rebind<hwy::float16_t, decltype(df)> dh;
        return hn::PromoteTo(df, hn::LoadU(dh, p));
    } else {
        const hn::Rebind<hwy::bfloat16_t, decltype(df)> db;
        return hn::PromoteTo(df, hn::LoadU(db, p));
    }
}

template <typename WT>
HWY_INLINE float weight_scalar(const WT* p, int64_t i) {
    if constexpr (std::is_same_v<WT, float>) {
        return p[i];
    } else if constexpr (std::is_same_v<WT, hwy::float16_t>) {
        return fp16_to_fp32(reinterpret_cast<const uint16_t*>(p)[i]);
    } else {
        return bf16_to_fp32(reinterpret_cast<const uint16_t*>(p)[i]);
    }
}

template <typename WT, int R, int T>
HWY_INLINE void float_tile(int64_t k, const uint8_t* w, size_t w_stride, const uint8_t* a, size_t a_stride,
                           float* y, int64_t ldy) {
    const hn::ScalableTag<float> df;
    const int64_t N = static_cast<int64_t>(hn::Lanes(df));
    using V = hn::Vec<decltype(df)>;
    V acc[R][T];
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t) acc[r][t] = hn::Zero(df);
    const WT* wr[R];
    const float* ar[T];
    for (int r = 0; r < R; ++r) wr[r] = reinterpret_cast<const WT*>(w + r * w_stride);
    for (int t = 0; t < T; ++t) ar[t] = reinterpret_cast<const float*>(a + t * a_stride);
    int64_t i = 0;
    for (; i + N <= k; i += N) {
        V av[T];
        for (int t = 0; t < T; ++t) av[t] = hn::LoadU(df, ar[t] + i);
        for (int r = 0; r < R; ++r) {
            const V wv = load_weights(wr[r] + i);
            for (int t = 0; t < T; ++t) acc[r][t] = hn::MulAdd(wv, av[t], acc[r][t]);
        }
    }
    for (int r = 0; r < R; ++r) {
        for (int t = 0; t < T; ++t) {
            float s = hn::GetLane(hn::SumOfLanes(df, acc[r][t]));
            for (int64_t j = i; j < k; ++j) s += weight_scalar(wr[r], j) * ar[t][j];
            y[t * ldy + r] = s;
        }
    }
}

// ---- int8 block formats ------------------------------------------------------------------------
// (The single-lane SCALAR target cannot narrow vectors; it uses the reference kernels instead.)
#if HWY_TARGET != HWY_SCALAR

// One Q8_0/Q4_0 weight block widened to int16 lanes (32 values, in one or more vectors).
template <class D16>
struct Block16 {
    static constexpr size_t kLanes = hn::MaxLanes(D16());
    static constexpr size_t kParts = 32 / kLanes;
    hn::Vec<D16> v[kParts];
    // User-provided so it is compiled for this target: GCC builds an implicit constructor without
    // the target's options, and on NEON it then cannot inline the vectors' constructors.
    Block16() {}
};

template <class D16>
HWY_INLINE void widen_q8(D16 d16, const int8_t* q, Block16<D16>& out) {
    const hn::Rebind<int8_t, D16> d8;
    for (size_t p = 0; p < Block16<D16>::kParts; ++p)
        out.v[p] = hn::PromoteTo(d16, hn::LoadU(d8, q + p * Block16<D16>::kLanes));
}

// Q4_0: element i < 16 is the low nibble of byte i, element 16 + i its high nibble; both minus 8.
template <class D16>
HWY_INLINE void widen_q4(D16 d16, const uint8_t* qs, Block16<D16>& out) {
    constexpr size_t L = Block16<D16>::kLanes;
    const hn::Rebind<uint8_t, D16> du8;
    const hn::RebindToUnsigned<D16> du16;
    const auto eight = hn::Set(d16, 8);
    const auto mask = hn::Set(du8, 0x0f);
    for (size_t p = 0; p < Block16<D16>::kParts; ++p) {
        const size_t first = p * L;  // element index of this part
        const uint8_t* src = qs + (first % 16);
        const auto packed = hn::LoadU(du8, src);
        const auto nib = first < 16 ? hn::And(packed, mask) : hn::ShiftRight<4>(packed);
        out.v[p] = hn::Sub(hn::BitCast(d16, hn::PromoteTo(du16, nib)), eight);
    }
}

template <bool kQ4, int R, int T>
HWY_INLINE void q8_tile(int64_t k, const uint8_t* w, size_t w_stride, const uint8_t* a, size_t a_stride,
                        float* y, int64_t ldy) {
    // int16 lanes: at most 32 (a whole block in one 512-bit register); Q4_0 needs parts of 16.
    using D16 = hn::CappedTag<int16_t, kQ4 ? 16 : 32>;
    const D16 d16;
    const hn::RepartitionToWide<D16> d32;
    const hn::Rebind<float, decltype(d32)> df;
    using VF = hn::Vec<decltype(df)>;
    using B16 = Block16<D16>;
    VF acc[R][T];
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t) acc[r][t] = hn::Zero(df);
    const int64_t nb = k / 32;
    for (int64_t b = 0; b < nb; ++b) {
        B16 av[T];
        float ad[T];
        for (int t = 0; t < T; ++t) {
            const BlockQ8_0* ab = reinterpret_cast<const BlockQ8_0*>(a + t * a_stride) + b;
            widen_q8(d16, ab->qs, av[t]);
            ad[t] = fp16_to_fp32(ab->d);
        }
        for (int r = 0; r < R; ++r) {
            B16 wv;
            float wd;
            if constexpr (kQ4) {
                const BlockQ4_0* wb = reinterpret_cast<const BlockQ4_0*>(w + r * w_stride) + b;
                widen_q4(d16, wb->qs, wv);
                wd = fp16_to_fp32(wb->d);
            } else {
                const BlockQ8_0* wb = reinterpret_cast<const BlockQ8_0*>(w + r * w_stride) + b;
                widen_q8(d16, wb->qs, wv);
                wd = fp16_to_fp32(wb->d);
            }
            for (int t = 0; t < T; ++t) {
                auto sum = hn::Zero(d32);
                for (size_t p = 0; p < B16::kParts; ++p) {
                    auto s1 = hn::Zero(d32);
                    sum = hn::ReorderWidenMulAccumulate(d32, wv.v[p], av[t].v[p], sum, s1);
                    sum = hn::Add(sum, s1);
                }
                acc[r][t] = hn::MulAdd(hn::ConvertTo(df, sum), hn::Set(df, wd * ad[t]), acc[r][t]);
            }
        }
    }
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t) y[t * ldy + r] = hn::GetLane(hn::SumOfLanes(df, acc[r][t]));
}

#endif  // HWY_TARGET != HWY_SCALAR

#if HWY_TARGET == HWY_AVX3_DL
// ---- Q8_0 / Q4_0 decode with VPDPBUSD (one token) ---------------------------------------------
// The generic tile widens every block to int16 and pays a scalar F16 conversion, a multiply and a
// broadcast per 32 weights. Here two blocks share one 512-bit VPDPBUSD and the scales of eight
// blocks are handled as vectors:
//   Q8_0: u = w XOR 0x80 = w + 128 (unsigned), so Σ u·a = Σ w·a + 128·Σ a;
//   Q4_0: u = the nibble (0..15) = w + 8,      so Σ u·a = Σ w·a +   8·Σ a;
// the offset term is the same for every row and is subtracted as a vector computed once per
// eight blocks. Lanes 0..7 of a pair's sums belong to its first block, 8..15 to its second; each
// lane's exact integer is scaled by its block's wd·ad and accumulated in float.
#define LOWBIT_VNNI_ATTR __attribute__((target("avx512vnni")))

// The 64 weights of blocks b and b+1 as unsigned bytes (w + offset), in the activations' order.
template <bool kQ4>
LOWBIT_VNNI_ATTR HWY_INLINE __m512i q_pair_unsigned(const uint8_t* row, int64_t b) {
    if constexpr (kQ4) {
        const auto* blk = reinterpret_cast<const BlockQ4_0*>(row) + b;
        const __m128i q0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(blk[0].qs));
        const __m128i q1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(blk[1].qs));
        // [q0 | q0 | q1 | q1]: low nibbles are elements 0..15 of a block, high nibbles 16..31.
        const __m512i v =
            _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_set_m128i(q0, q0)), _mm256_set_m128i(q1, q1), 1);
        const __m512i hi = _mm512_srli_epi16(v, 4);
        return _mm512_and_si512(_mm512_mask_blend_epi64(0xCC, v, hi), _mm512_set1_epi8(0x0F));
    } else {
        const auto* blk = reinterpret_cast<const BlockQ8_0*>(row) + b;
        const __m512i v = _mm512_inserti64x4(
            _mm512_castsi256_si512(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk[0].qs))),
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk[1].qs)), 1);
        return _mm512_xor_si512(v, _mm512_set1_epi8(static_cast<char>(0x80)));
    }
}

// F16 scales of blocks b..b+7 (at `stride` bytes from each other) as eight floats.
HWY_INLINE __m256 eight_scales(const uint8_t* first_d, int stride) {
    const __m256i offsets =
        _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32(stride));
    // 32-bit gathers read the scale and the next two bytes; only the low 16 bits are kept.
    const __m256i g = _mm256_i32gather_epi32(reinterpret_cast<const int*>(first_d), offsets, 1);
    return _mm256_cvtph_ps(_mm256_cvtepi32_epi16(g));
}

// Blocks b..nb-1 of one row against one token (the last k % 256 weights): the reference's dot.
template <bool kQ4>
HWY_INLINE float q8_tail(const uint8_t* row, const BlockQ8_0* ab, int64_t b, int64_t nb) {
    using WBlock = std::conditional_t<kQ4, BlockQ4_0, BlockQ8_0>;
    if (b == nb) return 0.0f;
    return quant::vec_dot_ref(kQ4 ? TensorType::Q4_0 : TensorType::Q8_0,
                              reinterpret_cast<const WBlock*>(row) + b, ab + b, (nb - b) * 32);
}

template <bool kQ4, int R, int T>  // T = 1: the shape run_row_tiles asks for one token
LOWBIT_VNNI_ATTR void q8_decode_tile(int64_t k, const uint8_t* w, size_t ws, const uint8_t* a, size_t,
                                     float* y, int64_t) {
    static_assert(T == 1);
    using WBlock = std::conditional_t<kQ4, BlockQ4_0, BlockQ8_0>;
    const int64_t nb = k / 32;
    const auto* ab = reinterpret_cast<const BlockQ8_0*>(a);
    const __m512i offset = _mm512_set1_epi8(kQ4 ? 8 : static_cast<char>(0x80));
    // Lane l of a pair's sums belongs to block l / 8 of the pair: which of eight scales it takes.
    __m512i pick[4];
    for (int p = 0; p < 4; ++p)
        pick[p] = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_set1_epi32(2 * p)),
                                     _mm256_set1_epi32(2 * p + 1), 1);
    __m512 acc[R];
    for (int r = 0; r < R; ++r) acc[r] = _mm512_setzero_ps();
    int64_t b = 0;
    for (; b + 8 <= nb; b += 8) {
        __m512i act[4], neg_offset[4];
        for (int p = 0; p < 4; ++p) {
            act[p] = _mm512_inserti64x4(
                _mm512_castsi256_si512(
                    _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ab[b + 2 * p].qs))),
                _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ab[b + 2 * p + 1].qs)), 1);
            neg_offset[p] = _mm512_sub_epi32(_mm512_setzero_si512(),
                                             _mm512_dpbusd_epi32(_mm512_setzero_si512(), offset, act[p]));
        }
        const __m256 ad = eight_scales(reinterpret_cast<const uint8_t*>(&ab[b].d), sizeof(BlockQ8_0));
        for (int r = 0; r < R; ++r) {
            const uint8_t* row = w + r * ws;
            const __m256 wd = eight_scales(row + b * sizeof(WBlock), sizeof(WBlock));
            const __m512 scale = _mm512_castps256_ps512(_mm256_mul_ps(wd, ad));
            for (int p = 0; p < 4; ++p) {
                const __m512i s =
                    _mm512_dpbusd_epi32(neg_offset[p], q_pair_unsigned<kQ4>(row, b + 2 * p), act[p]);
                acc[r] =
                    _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), _mm512_permutexvar_ps(pick[p], scale), acc[r]);
            }
        }
    }
    for (int r = 0; r < R; ++r) y[r] = _mm512_reduce_add_ps(acc[r]) + q8_tail<kQ4>(w + r * ws, ab, b, nb);
}

// Several tokens: the weight pairs are formed once per row for all T tokens; the tokens' activation
// pairs and offset sums are formed once per eight blocks for all rows.
template <bool kQ4, int R, int T>
LOWBIT_VNNI_ATTR void q8_multi_tile(int64_t k, const uint8_t* w, size_t ws, const uint8_t* a, size_t as,
                                    float* y, int64_t ldy) {
    using WBlock = std::conditional_t<kQ4, BlockQ4_0, BlockQ8_0>;
    const int64_t nb = k / 32;
    const __m512i offset = _mm512_set1_epi8(kQ4 ? 8 : static_cast<char>(0x80));
    __m512i pick[4];
    for (int p = 0; p < 4; ++p)
        pick[p] = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_set1_epi32(2 * p)),
                                     _mm256_set1_epi32(2 * p + 1), 1);
    __m512 acc[R][T];
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t) acc[r][t] = _mm512_setzero_ps();
    __m512i act[T][4], neg_offset[T][4];
    int64_t b = 0;
    for (; b + 8 <= nb; b += 8) {
        __m256 ad[T];
        for (int t = 0; t < T; ++t) {
            const auto* ab = reinterpret_cast<const BlockQ8_0*>(a + t * as);
            for (int p = 0; p < 4; ++p) {
                act[t][p] = _mm512_inserti64x4(
                    _mm512_castsi256_si512(
                        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ab[b + 2 * p].qs))),
                    _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ab[b + 2 * p + 1].qs)), 1);
                neg_offset[t][p] = _mm512_sub_epi32(
                    _mm512_setzero_si512(), _mm512_dpbusd_epi32(_mm512_setzero_si512(), offset, act[t][p]));
            }
            ad[t] = eight_scales(reinterpret_cast<const uint8_t*>(&ab[b].d), sizeof(BlockQ8_0));
        }
        for (int r = 0; r < R; ++r) {
            const uint8_t* row = w + r * ws;
            const __m256 wd = eight_scales(row + b * sizeof(WBlock), sizeof(WBlock));
            __m512 scale[T];
            for (int t = 0; t < T; ++t) scale[t] = _mm512_castps256_ps512(_mm256_mul_ps(wd, ad[t]));
            for (int p = 0; p < 4; ++p) {
                const __m512i u = q_pair_unsigned<kQ4>(row, b + 2 * p);
                for (int t = 0; t < T; ++t) {
                    const __m512i s = _mm512_dpbusd_epi32(neg_offset[t][p], u, act[t][p]);
                    acc[r][t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s),
                                                _mm512_permutexvar_ps(pick[p], scale[t]), acc[r][t]);
                }
            }
        }
    }
    for (int t = 0; t < T; ++t) {
        const auto* ab = reinterpret_cast<const BlockQ8_0*>(a + t * as);
        for (int r = 0; r < R; ++r)
            y[t * ldy + r] = _mm512_reduce_add_ps(acc[r][t]) + q8_tail<kQ4>(w + r * ws, ab, b, nb);
    }
}
#undef LOWBIT_VNNI_ATTR

// One token: 4 rows at a time; several: 4 rows x 4 tokens (the tile stages the activations once
// per eight blocks for all its rows: Q4_0's 64-token tile runs ~20% faster with 4 rows than 2).
template <bool kQ4>
void q8_vnni_matmul(int64_t k, const uint8_t* w, size_t ws, int64_t nr, const uint8_t* a, size_t as,
                    int64_t nt, float* y, int64_t ldy) {
    run_row_tiles<q8_decode_tile<kQ4, 4, 1>, q8_decode_tile<kQ4, 1, 1>, q8_multi_tile<kQ4, 4, 4>,
                  q8_multi_tile<kQ4, 1, 4>, 4>(k, w, ws, nr, a, as, nt, y, ldy);
}
#endif  // HWY_AVX3_DL

// ---- tiling ------------------------------------------------------------------------------------

// Rows per multi-token tile: 4 x 4 accumulators fit the 32 registers of AVX-512; 2 x 4 the 16 of AVX2.
constexpr int kTileRows = HWY_MAX_BYTES >= 64 ? 4 : 2;

template <template <int, int> class Tile>
HWY_INLINE void run_tiles(int64_t k, const uint8_t* w, size_t w_stride, int64_t nr, const uint8_t* a,
                          size_t a_stride, int64_t nt, float* y, int64_t ldy) {
    if (nt == 1) {
        // Decode: a single activation row; take 4 weight rows at a time for independent chains.
        int64_t r = 0;
        for (; r + 4 <= nr; r += 4) {
            prefetch_tile_ahead(w + r * w_stride, w_stride);
            Tile<4, 1>::run(k, w + r * w_stride, w_stride, a, a_stride, y + r, ldy);
        }
        for (; r < nr; ++r) Tile<1, 1>::run(k, w + r * w_stride, w_stride, a, a_stride, y + r, ldy);
        return;
    }
    int64_t t = 0;
    for (; t + 4 <= nt; t += 4) {
        int64_t r = 0;
        for (; r + kTileRows <= nr; r += kTileRows)
            Tile<kTileRows, 4>::run(k, w + r * w_stride, w_stride, a + t * a_stride, a_stride,
                                    y + t * ldy + r, ldy);
        for (; r < nr; ++r)
            Tile<1, 4>::run(k, w + r * w_stride, w_stride, a + t * a_stride, a_stride, y + t * ldy + r, ldy);
    }
    for (; t < nt; ++t) {
        int64_t r = 0;
        for (; r + 4 <= nr; r += 4)
            Tile<4, 1>::run(k, w + r * w_stride, w_stride, a + t * a_stride, a_stride, y + t * ldy + r, ldy);
        for (; r < nr; ++r)
            Tile<1, 1>::run(k, w + r * w_stride, w_stride, a + t * a_stride, a_stride, y + t * ldy + r, ldy);
    }
}

#define LOWBIT_TILE(NAME, CALL)                                                                         \
    template <int R, int T>                                                                             \
    struct NAME {                                                                                       \
        static HWY_INLINE void run(int64_t k, const uint8_t* w, size_t ws, const uint8_t* a, size_t as, \
                                   float* y, int64_t ldy) {                                             \
            CALL;                                                                                       \
        }                                                                                               \
    };
LOWBIT_TILE(TileF32, (float_tile<float, R, T>(k, w, ws, a, as, y, ldy)))
LOWBIT_TILE(TileF16, (float_tile<hwy::float16_t, R, T>(k, w, ws, a, as, y, ldy)))
LOWBIT_TILE(TileBF16, (float_tile<hwy::bfloat16_t, R, T>(k, w, ws, a, as, y, ldy)))
#if HWY_TARGET != HWY_SCALAR
LOWBIT_TILE(TileQ8_0, (q8_tile<false, R, T>(k, w, ws, a, as, y, ldy)))
LOWBIT_TILE(TileQ4_0, (q8_tile<true, R, T>(k, w, ws, a, as, y, ldy)))
#endif
#undef LOWBIT_TILE

void MatmulF32(int64_t k, const uint8_t* w, size_t ws, int64_t nr, const uint8_t* a, size_t as, int64_t nt,
               float* y, int64_t ldy) {
    run_tiles<TileF32>(k, w, ws, nr, a, as, nt, y, ldy);
}
void MatmulF16(int64_t k, const uint8_t* w, size_t ws, int64_t nr, const uint8_t* a, size_t as, int64_t nt,
               float* y, int64_t ldy) {
    run_tiles<TileF16>(k, w, ws, nr, a, as, nt, y, ldy);
}
void MatmulBF16(int64_t k, const uint8_t* w, size_t ws, int64_t nr, const uint8_t* a, size_t as, int64_t nt,
                float* y, int64_t ldy) {
    run_tiles<TileBF16>(k, w, ws, nr, a, as, nt, y, ldy);
}
void MatmulQ8_0(int64_t k, const uint8_t* w, size_t ws, int64_t nr, const uint8_t* a, size_t as, int64_t nt,
                float* y, int64_t ldy) {
#if HWY_TARGET == HWY_SCALAR
    matmul_tile_ref(TensorType::Q8_0, k, w, ws, nr, a, as, nt, y, ldy);
#else
#if HWY_TARGET == HWY_AVX3_DL
    return q8_vnni_matmul<false>(k, w, ws, nr, a, as, nt, y, ldy);
#endif
    run_tiles<TileQ8_0>(k, w, ws, nr, a, as, nt, y, ldy);
#endif
}
void MatmulQ4_0(int64_t k, const uint8_t* w, size_t ws, int64_t nr, const uint8_t* a, size_t as, int64_t nt,
                float* y, int64_t ldy) {
#if HWY_TARGET == HWY_SCALAR
    matmul_tile_ref(TensorType::Q4_0, k, w, ws, nr, a, as, nt, y, ldy);
#else
#if HWY_TARGET == HWY_AVX3_DL
    return q8_vnni_matmul<true>(k, w, ws, nr, a, as, nt, y, ldy);
#endif
    run_tiles<TileQ4_0>(k, w, ws, nr, a, as, nt, y, ldy);
#endif
}

// ---- attention and conversions -----------------------------------------------------------------

void AttnScoresF16(const float* q, const uint16_t* k, size_t k_stride, int64_t head_dim, int64_t n,
                   float scale, float* scores) {
    const hn::ScalableTag<float> df;
    const hn::Rebind<hwy::float16_t, decltype(df)> dh;
    const int64_t N = static_cast<int64_t>(hn::Lanes(df));
    // q rounded to F16 precision once (llama.cpp multiplies F16 keys with an F16 copy of q).
    float qh[512];
    const int64_t hd = head_dim < 512 ? head_dim : 512;
    for (int64_t d = 0; d < hd; ++d) qh[d] = fp16_to_fp32(fp32_to_fp16(q[d]));
    for (int64_t j = 0; j < n; ++j) {
        const uint16_t* kr = k + j * k_stride;
        auto acc = hn::Zero(df);
        int64_t d = 0;
        for (; d + N <= hd; d += N) {
            const auto kv = hn::PromoteTo(df, hn::LoadU(dh, reinterpret_cast<const hwy::float16_t*>(kr + d)));
            acc = hn::MulAdd(kv, hn::LoadU(df, qh + d), acc);
        }
        float s = hn::GetLane(hn::SumOfLanes(df, acc));
        for (; d < hd; ++d) s += fp16_to_fp32(kr[d]) * qh[d];
        scores[j] = s * scale;
    }
}

void AxpyF16(float p, const uint16_t* v, int64_t n, float* out) {
    const hn::ScalableTag<float> df;
    const hn::Rebind<hwy::float16_t, decltype(df)> dh;
    const int64_t N = static_cast<int64_t>(hn::Lanes(df));
    const auto pv = hn::Set(df, p);
    int64_t d = 0;
    for (; d + N <= n; d += N) {
        const auto vv = hn::PromoteTo(df, hn::LoadU(dh, reinterpret_cast<const hwy::float16_t*>(v + d)));
        hn::StoreU(hn::MulAdd(vv, pv, hn::LoadU(df, out + d)), df, out + d);
    }
    for (; d < n; ++d) out[d] += p * fp16_to_fp32(v[d]);
}

void F32ToF16Row(const float* x, uint16_t* y, int64_t n) {
    const hn::ScalableTag<float> df;
    const hn::Rebind<hwy::float16_t, decltype(df)> dh;
    const int64_t N = static_cast<int64_t>(hn::Lanes(df));
    int64_t i = 0;
    for (; i + N <= n; i += N)
        hn::StoreU(hn::DemoteTo(dh, hn::LoadU(df, x + i)), dh, reinterpret_cast<hwy::float16_t*>(y + i));
    for (; i < n; ++i) y[i] = fp32_to_fp16(x[i]);
}

void F16ToF32Row(const uint16_t* x, float* y, int64_t n) {
    const hn::ScalableTag<float> df;
    const hn::Rebind<hwy::float16_t, decltype(df)> dh;
    const int64_t N = static_cast<int64_t>(hn::Lanes(df));
    int64_t i = 0;
    for (; i + N <= n; i += N)
        hn::StoreU(hn::PromoteTo(df, hn::LoadU(dh, reinterpret_cast<const hwy::float16_t*>(x + i))), df,
                   y + i);
    for (; i < n; ++i) y[i] = fp16_to_fp32(x[i]);
}

const char* TargetName() {
    return hwy::TargetName(HWY_TARGET);
}

}  // namespace HWY_NAMESPACE
}  // namespace lowbit::cpu
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace lowbit::cpu {

HWY_EXPORT(MatmulF32);
HWY_EXPORT(MatmulF16);
HWY_EXPORT(MatmulBF16);
HWY_EXPORT(MatmulQ8_0);
HWY_EXPORT(MatmulQ4_0);
HWY_EXPORT(AttnScoresF16);
HWY_EXPORT(AxpyF16);
HWY_EXPORT(F32ToF16Row);
HWY_EXPORT(F16ToF32Row);
HWY_EXPORT(TargetName);

void matmul_tile(TensorType wtype, int64_t k, const uint8_t* w, size_t w_stride, int64_t nr, const uint8_t* a,
                 size_t a_stride, int64_t nt, float* y, int64_t ldy) {
    switch (wtype) {
        case TensorType::F32:
            return HWY_DYNAMIC_DISPATCH(MatmulF32)(k, w, w_stride, nr, a, a_stride, nt, y, ldy);
        case TensorType::F16:
            return HWY_DYNAMIC_DISPATCH(MatmulF16)(k, w, w_stride, nr, a, a_stride, nt, y, ldy);
        case TensorType::BF16:
            return HWY_DYNAMIC_DISPATCH(MatmulBF16)(k, w, w_stride, nr, a, a_stride, nt, y, ldy);
        case TensorType::Q8_0:
            return HWY_DYNAMIC_DISPATCH(MatmulQ8_0)(k, w, w_stride, nr, a, a_stride, nt, y, ldy);
        case TensorType::Q4_0:
            return HWY_DYNAMIC_DISPATCH(MatmulQ4_0)(k, w, w_stride, nr, a, a_stride, nt, y, ldy);
        default:
            if (ternary_matmul_tile(wtype, k, w, w_stride, nr, a, a_stride, nt, y, ldy)) return;
            if (q32_matmul_tile(wtype, k, w, w_stride, nr, a, a_stride, nt, y, ldy)) return;
            return matmul_tile_ref(wtype, k, w, w_stride, nr, a, a_stride, nt, y, ldy);
    }
}

void convert_activation_row(ActFormat f, const float* x, void* out, int64_t k) {
    convert_activation_row_ref(f, x, out, k);
}

void attn_scores_f16(const float* q, const uint16_t* k, size_t k_stride, int64_t head_dim, int64_t n,
                     float scale, float* scores) {
    HWY_DYNAMIC_DISPATCH(AttnScoresF16)(q, k, k_stride, head_dim, n, scale, scores);
}

void axpy_f16(float p, const uint16_t* v, int64_t head_dim, float* out) {
    HWY_DYNAMIC_DISPATCH(AxpyF16)(p, v, head_dim, out);
}

void f32_to_f16_row(const float* x, uint16_t* y, int64_t n) {
    HWY_DYNAMIC_DISPATCH(F32ToF16Row)(x, y, n);
}
void f16_to_f32_row(const uint16_t* x, float* y, int64_t n) {
    HWY_DYNAMIC_DISPATCH(F16ToF32Row)(x, y, n);
}
const char* simd_target_name() {
    return HWY_DYNAMIC_DISPATCH(TargetName)();
}

}  // namespace lowbit::cpu
#endif  // HWY_ONCE
