// SIMD attention per head (see attention.h for the two numerics), Highway dynamic dispatch.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "backends/cpu/attention_simd.cpp"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
// clang-format off
#include "backends/cpu/attention.h"
#include "lowbit/fp16.h"
// clang-format on
#include <cmath>
#include <vector>

HWY_BEFORE_NAMESPACE();
namespace lowbit::cpu {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Σ a_i · f16(b_i) in float lanes, then summed (SIMD body, scalar tail).
HWY_INLINE float dot_f32_f16(const float* a, const uint16_t* b, int64_t n) {
    const hn::ScalableTag<float> df;
    const hn::Rebind<hwy::float16_t, decltype(df)> dh;
    const int64_t N = static_cast<int64_t>(hn::Lanes(df));
    auto acc = hn::Zero(df);
    int64_t i = 0;
    for (; i + N <= n; i += N)
        acc = hn::MulAdd(hn::LoadU(df, a + i), hn::PromoteTo(df, hn::LoadU(dh, reinterpret_cast<const hwy::float16_t*>(b + i))), acc);
    float s = hn::GetLane(hn::SumOfLanes(df, acc));
    for (; i < n; ++i) s += a[i] * fp16_to_fp32(b[i]);
    return s;
}

// y = f16(f32(y) * s)
HWY_INLINE void scale_f16(uint16_t* y, float s, int64_t n) {
    const hn::ScalableTag<float> df;
    const hn::Rebind<hwy::float16_t, decltype(df)> dh;
    const int64_t N = static_cast<int64_t>(hn::Lanes(df));
    const auto sv = hn::Set(df, s);
    int64_t i = 0;
    for (; i + N <= n; i += N) {
        auto* p = reinterpret_cast<hwy::float16_t*>(y + i);
        hn::StoreU(hn::DemoteTo(dh, hn::Mul(hn::PromoteTo(df, hn::LoadU(dh, p)), sv)), dh, p);
    }
    for (; i < n; ++i) y[i] = fp32_to_fp16(fp16_to_fp32(y[i]) * s);
}

// y = f16(f32(y) + f32(x) * s)
HWY_INLINE void mad_f16(uint16_t* y, const uint16_t* x, float s, int64_t n) {
    const hn::ScalableTag<float> df;
    const hn::Rebind<hwy::float16_t, decltype(df)> dh;
    const int64_t N = static_cast<int64_t>(hn::Lanes(df));
    const auto sv = hn::Set(df, s);
    int64_t i = 0;
    for (; i + N <= n; i += N) {
        auto* p = reinterpret_cast<hwy::float16_t*>(y + i);
        const auto xv = hn::PromoteTo(df, hn::LoadU(dh, reinterpret_cast<const hwy::float16_t*>(x + i)));
        hn::StoreU(hn::DemoteTo(dh, hn::MulAdd(xv, sv, hn::PromoteTo(df, hn::LoadU(dh, p)))), dh, p);
    }
    for (; i < n; ++i) y[i] = fp32_to_fp16(fp16_to_fp32(y[i]) + fp16_to_fp32(x[i]) * s);
}

// y += f32(x) * s
HWY_INLINE void mad_f32(float* y, const uint16_t* x, float s, int64_t n) {
    const hn::ScalableTag<float> df;
    const hn::Rebind<hwy::float16_t, decltype(df)> dh;
    const int64_t N = static_cast<int64_t>(hn::Lanes(df));
    const auto sv = hn::Set(df, s);
    int64_t i = 0;
    for (; i + N <= n; i += N) {
        const auto xv = hn::PromoteTo(df, hn::LoadU(dh, reinterpret_cast<const hwy::float16_t*>(x + i)));
        hn::StoreU(hn::MulAdd(xv, sv, hn::LoadU(df, y + i)), df, y + i);
    }
    for (; i < n; ++i) y[i] += fp16_to_fp32(x[i]) * s;
}

void AttentionHead(const AttnHead& h, bool tiled, float* out, float* scratch) {
    const int64_t D = h.head_dim;
    if (tiled) {
        // F32 numerics: scores, softmax with the sum in double, F32 value accumulation.
        float* s = scratch;
        float max = -INFINITY;
        for (int64_t j = 0; j < h.n_keys; ++j) {
            s[j] = dot_f32_f16(h.q, h.k + j * h.stride, D) * h.scale;
            max = std::max(max, s[j]);
        }
        double sum = 0.0;
        for (int64_t j = 0; j < h.n_keys; ++j) {
            s[j] = std::exp(s[j] - max);
            sum += s[j];
        }
        for (int64_t d = 0; d < D; ++d) out[d] = 0.0f;
        for (int64_t j = 0; j < h.n_keys; ++j) mad_f32(out, h.v + j * h.stride, s[j], D);
        const float inv = static_cast<float>(1.0 / sum);
        for (int64_t d = 0; d < D; ++d) out[d] *= inv;
        return;
    }
    // F16 numerics: q rounded to F16, online softmax over the keys in order, F16 accumulator.
    std::vector<float> qh_store;
    float qbuf[256];
    float* qh = qbuf;
    if (D > 256) {
        qh_store.resize(static_cast<size_t>(D));
        qh = qh_store.data();
    }
    for (int64_t d = 0; d < D; ++d) qh[d] = fp16_to_fp32(fp32_to_fp16(h.q[d]));
    uint16_t* acc = reinterpret_cast<uint16_t*>(scratch);
    for (int64_t d = 0; d < D; ++d) acc[d] = 0;
    float S = 0.0f, M = -INFINITY;
    for (int64_t j = 0; j < h.n_keys; ++j) {
        const float s = dot_f32_f16(qh, h.k + j * h.stride, D) * h.scale;
        float ms = 1.0f, vs = 1.0f;
        if (s > M) {
            const float m_old = M;
            M = s;
            ms = std::exp(m_old - M);
            scale_f16(acc, ms, D);
        } else {
            vs = std::exp(s - M);
        }
        mad_f16(acc, h.v + j * h.stride, vs, D);
        S = S * ms + vs;
    }
    const float inv = S == 0.0f ? 0.0f : 1.0f / S;
    for (int64_t d = 0; d < D; ++d) out[d] = fp16_to_fp32(acc[d]) * inv;
}

}  // namespace HWY_NAMESPACE
}  // namespace lowbit::cpu
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace lowbit::cpu {

HWY_EXPORT(AttentionHead);

void attention_head(const AttnHead& h, bool tiled_numerics, float* out, float* scratch) {
    HWY_DYNAMIC_DISPATCH(AttentionHead)(h, tiled_numerics, out, scratch);
}

void attention_head_ref(const AttnHead& h, float* out) {
    std::vector<double> s(static_cast<size_t>(h.n_keys));
    double max = -INFINITY;
    for (int64_t j = 0; j < h.n_keys; ++j) {
        double d = 0;
        for (int64_t i = 0; i < h.head_dim; ++i) d += static_cast<double>(h.q[i]) * fp16_to_fp32(h.k[j * h.stride + i]);
        s[static_cast<size_t>(j)] = d * h.scale;
        max = std::max(max, s[static_cast<size_t>(j)]);
    }
    double sum = 0;
    for (auto& x : s) {
        x = std::exp(x - max);
        sum += x;
    }
    for (int64_t i = 0; i < h.head_dim; ++i) {
        double acc = 0;
        for (int64_t j = 0; j < h.n_keys; ++j) acc += s[static_cast<size_t>(j)] * fp16_to_fp32(h.v[j * h.stride + i]);
        out[i] = static_cast<float>(acc / sum);
    }
}

}  // namespace lowbit::cpu
#endif
