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
#include "backends/cpu/kernels_ternary.h"
#include "lowbit/fp16.h"
#include "quant/blocks.h"
// clang-format on

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
HWY_INLINE void float_tile(int64_t k, const uint8_t* w, size_t w_stride, const uint8_t* a, size_t a_stride, float* y,
                           int64_t ldy) {
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

// Integer dot product of 32 int8 weights and 32 int8 activations as a vector of int32 partial
// sums (lanes of d32); summed later, after scaling, so no horizontal add per block.
template <class D32>
HWY_INLINE hn::Vec<D32> dot_i8x32(D32 d32, const int8_t* w, const int8_t* a) {
    const hn::RepartitionToNarrow<D32> d16;
    const hn::Rebind<int8_t, decltype(d16)> d8;
    constexpr int64_t kChunk = static_cast<int64_t>(hn::MaxLanes(d16));
    auto sum = hn::Zero(d32);
    for (int64_t j = 0; j < 32; j += kChunk) {
        const auto wv = hn::PromoteTo(d16, hn::LoadU(d8, w + j));
        const auto av = hn::PromoteTo(d16, hn::LoadU(d8, a + j));
        auto sum1 = hn::Zero(d32);
        sum = hn::ReorderWidenMulAccumulate(d32, wv, av, sum, sum1);
        sum = hn::Add(sum, sum1);
    }
    return sum;
}

// Q4_0 weights: low nibbles are elements 0..15, high nibbles 16..31, each minus 8.
template <class D32>
HWY_INLINE hn::Vec<D32> dot_q4x32(D32 d32, const uint8_t* qs, const int8_t* a) {
    const hn::RepartitionToNarrow<D32> d16;
    const hn::Rebind<int8_t, decltype(d16)> d8;
    const hn::Rebind<uint8_t, decltype(d16)> du8;
    const hn::RebindToUnsigned<decltype(d16)> du16;
    constexpr int64_t kChunk = static_cast<int64_t>(hn::MaxLanes(d16));
    static_assert(16 % kChunk == 0 || kChunk > 16, "chunk must divide the half-block");
    auto sum = hn::Zero(d32);
    const auto eight = hn::Set(d16, 8);
    const auto mask = hn::Set(du8, 0x0f);
    for (int64_t j = 0; j < 16; j += kChunk) {
        const auto packed = hn::LoadU(du8, qs + j);
        const auto lo = hn::Sub(hn::BitCast(d16, hn::PromoteTo(du16, hn::And(packed, mask))), eight);
        const auto hi = hn::Sub(hn::BitCast(d16, hn::PromoteTo(du16, hn::ShiftRight<4>(packed))), eight);
        auto s1 = hn::Zero(d32);
        sum = hn::ReorderWidenMulAccumulate(d32, lo, hn::PromoteTo(d16, hn::LoadU(d8, a + j)), sum, s1);
        sum = hn::Add(sum, s1);
        auto s2 = hn::Zero(d32);
        sum = hn::ReorderWidenMulAccumulate(d32, hi, hn::PromoteTo(d16, hn::LoadU(d8, a + 16 + j)), sum, s2);
        sum = hn::Add(sum, s2);
    }
    return sum;
}

template <bool kQ4, int R, int T>
HWY_INLINE void q8_tile(int64_t k, const uint8_t* w, size_t w_stride, const uint8_t* a, size_t a_stride, float* y,
                        int64_t ldy) {
    // int16 lanes: at most 32 (one Q8_0 block per 512-bit register) and at most 16 for Q4_0 halves.
    const hn::CappedTag<int32_t, kQ4 ? 8 : 16> d32;
    const hn::Rebind<float, decltype(d32)> df;
    using VF = hn::Vec<decltype(df)>;
    VF acc[R][T];
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t) acc[r][t] = hn::Zero(df);
    const int64_t nb = k / 32;
    for (int64_t b = 0; b < nb; ++b) {
        const BlockQ8_0* ab[T];
        float ad[T];
        for (int t = 0; t < T; ++t) {
            ab[t] = reinterpret_cast<const BlockQ8_0*>(a + t * a_stride) + b;
            ad[t] = fp16_to_fp32(ab[t]->d);
        }
        for (int r = 0; r < R; ++r) {
            if constexpr (kQ4) {
                const BlockQ4_0* wb = reinterpret_cast<const BlockQ4_0*>(w + r * w_stride) + b;
                const float wd = fp16_to_fp32(wb->d);
                for (int t = 0; t < T; ++t) {
                    const auto s = dot_q4x32(d32, wb->qs, ab[t]->qs);
                    acc[r][t] = hn::MulAdd(hn::ConvertTo(df, s), hn::Set(df, wd * ad[t]), acc[r][t]);
                }
            } else {
                const BlockQ8_0* wb = reinterpret_cast<const BlockQ8_0*>(w + r * w_stride) + b;
                const float wd = fp16_to_fp32(wb->d);
                for (int t = 0; t < T; ++t) {
                    const auto s = dot_i8x32(d32, wb->qs, ab[t]->qs);
                    acc[r][t] = hn::MulAdd(hn::ConvertTo(df, s), hn::Set(df, wd * ad[t]), acc[r][t]);
                }
            }
        }
    }
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t) y[t * ldy + r] = hn::GetLane(hn::SumOfLanes(df, acc[r][t]));
}

#endif  // HWY_TARGET != HWY_SCALAR

// ---- tiling ------------------------------------------------------------------------------------

template <template <int, int> class Tile>
HWY_INLINE void run_tiles(int64_t k, const uint8_t* w, size_t w_stride, int64_t nr, const uint8_t* a, size_t a_stride,
                          int64_t nt, float* y, int64_t ldy) {
    if (nt == 1) {
        // Decode: a single activation row; take 4 weight rows at a time for independent chains.
        int64_t r = 0;
        for (; r + 4 <= nr; r += 4) Tile<4, 1>::run(k, w + r * w_stride, w_stride, a, a_stride, y + r, ldy);
        for (; r < nr; ++r) Tile<1, 1>::run(k, w + r * w_stride, w_stride, a, a_stride, y + r, ldy);
        return;
    }
    int64_t t = 0;
    for (; t + 4 <= nt; t += 4) {
        int64_t r = 0;
        for (; r + 2 <= nr; r += 2)
            Tile<2, 4>::run(k, w + r * w_stride, w_stride, a + t * a_stride, a_stride, y + t * ldy + r, ldy);
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

#define LOWBIT_TILE(NAME, CALL)                                                                          \
    template <int R, int T>                                                                              \
    struct NAME {                                                                                        \
        static HWY_INLINE void run(int64_t k, const uint8_t* w, size_t ws, const uint8_t* a, size_t as, \
                                   float* y, int64_t ldy) {                                             \
            CALL;                                                                                        \
        }                                                                                                \
    };
LOWBIT_TILE(TileF32, (float_tile<float, R, T>(k, w, ws, a, as, y, ldy)))
LOWBIT_TILE(TileF16, (float_tile<hwy::float16_t, R, T>(k, w, ws, a, as, y, ldy)))
LOWBIT_TILE(TileBF16, (float_tile<hwy::bfloat16_t, R, T>(k, w, ws, a, as, y, ldy)))
#if HWY_TARGET != HWY_SCALAR
LOWBIT_TILE(TileQ8_0, (q8_tile<false, R, T>(k, w, ws, a, as, y, ldy)))
LOWBIT_TILE(TileQ4_0, (q8_tile<true, R, T>(k, w, ws, a, as, y, ldy)))
#endif
#undef LOWBIT_TILE

void MatmulF32(int64_t k, const uint8_t* w, size_t ws, int64_t nr, const uint8_t* a, size_t as, int64_t nt, float* y,
               int64_t ldy) {
    run_tiles<TileF32>(k, w, ws, nr, a, as, nt, y, ldy);
}
void MatmulF16(int64_t k, const uint8_t* w, size_t ws, int64_t nr, const uint8_t* a, size_t as, int64_t nt, float* y,
               int64_t ldy) {
    run_tiles<TileF16>(k, w, ws, nr, a, as, nt, y, ldy);
}
void MatmulBF16(int64_t k, const uint8_t* w, size_t ws, int64_t nr, const uint8_t* a, size_t as, int64_t nt, float* y,
                int64_t ldy) {
    run_tiles<TileBF16>(k, w, ws, nr, a, as, nt, y, ldy);
}
void MatmulQ8_0(int64_t k, const uint8_t* w, size_t ws, int64_t nr, const uint8_t* a, size_t as, int64_t nt, float* y,
                int64_t ldy) {
#if HWY_TARGET == HWY_SCALAR
    matmul_tile_ref(TensorType::Q8_0, k, w, ws, nr, a, as, nt, y, ldy);
#else
    run_tiles<TileQ8_0>(k, w, ws, nr, a, as, nt, y, ldy);
#endif
}
void MatmulQ4_0(int64_t k, const uint8_t* w, size_t ws, int64_t nr, const uint8_t* a, size_t as, int64_t nt, float* y,
                int64_t ldy) {
#if HWY_TARGET == HWY_SCALAR
    matmul_tile_ref(TensorType::Q4_0, k, w, ws, nr, a, as, nt, y, ldy);
#else
    run_tiles<TileQ4_0>(k, w, ws, nr, a, as, nt, y, ldy);
#endif
}

// ---- attention and conversions -----------------------------------------------------------------

void AttnScoresF16(const float* q, const uint16_t* k, size_t k_stride, int64_t head_dim, int64_t n, float scale,
                   float* scores) {
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
        hn::StoreU(hn::PromoteTo(df, hn::LoadU(dh, reinterpret_cast<const hwy::float16_t*>(x + i))), df, y + i);
    for (; i < n; ++i) y[i] = fp16_to_fp32(x[i]);
}

const char* TargetName() { return hwy::TargetName(HWY_TARGET); }

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
        case TensorType::F32: return HWY_DYNAMIC_DISPATCH(MatmulF32)(k, w, w_stride, nr, a, a_stride, nt, y, ldy);
        case TensorType::F16: return HWY_DYNAMIC_DISPATCH(MatmulF16)(k, w, w_stride, nr, a, a_stride, nt, y, ldy);
        case TensorType::BF16: return HWY_DYNAMIC_DISPATCH(MatmulBF16)(k, w, w_stride, nr, a, a_stride, nt, y, ldy);
        case TensorType::Q8_0: return HWY_DYNAMIC_DISPATCH(MatmulQ8_0)(k, w, w_stride, nr, a, a_stride, nt, y, ldy);
        case TensorType::Q4_0: return HWY_DYNAMIC_DISPATCH(MatmulQ4_0)(k, w, w_stride, nr, a, a_stride, nt, y, ldy);
        default:
            if (ternary_matmul_tile(wtype, k, w, w_stride, nr, a, a_stride, nt, y, ldy)) return;
            return matmul_tile_ref(wtype, k, w, w_stride, nr, a, a_stride, nt, y, ldy);
    }
}

void convert_activation_row(ActFormat f, const float* x, void* out, int64_t k) {
    convert_activation_row_ref(f, x, out, k);
}

void attn_scores_f16(const float* q, const uint16_t* k, size_t k_stride, int64_t head_dim, int64_t n, float scale,
                     float* scores) {
    HWY_DYNAMIC_DISPATCH(AttnScoresF16)(q, k, k_stride, head_dim, n, scale, scores);
}

void axpy_f16(float p, const uint16_t* v, int64_t head_dim, float* out) {
    HWY_DYNAMIC_DISPATCH(AxpyF16)(p, v, head_dim, out);
}

void f32_to_f16_row(const float* x, uint16_t* y, int64_t n) { HWY_DYNAMIC_DISPATCH(F32ToF16Row)(x, y, n); }
void f16_to_f32_row(const uint16_t* x, float* y, int64_t n) { HWY_DYNAMIC_DISPATCH(F16ToF32Row)(x, y, n); }
const char* simd_target_name() { return HWY_DYNAMIC_DISPATCH(TargetName)(); }

}  // namespace lowbit::cpu
#endif  // HWY_ONCE
