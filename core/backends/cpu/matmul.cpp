#include "backends/cpu/matmul.h"

#include <algorithm>

#include "backends/cpu/kernels.h"
#include "lowbit/error.h"
#include "lowbit/gguf.h"

namespace lowbit::cpu {

uint8_t* MatmulWorkspace::activations(size_t bytes) {
    if (buf_.size() < bytes) buf_.resize(bytes);
    return buf_.data();
}

float* MatmulWorkspace::floats(size_t n) {
    if (floats_.size() < n) floats_.resize(n);
    return floats_.data();
}

namespace {

// A 1-bit weight's companions as the loader validated them (docs/FORMATS.md): OneBit g (ne0
// halves) and h (rows halves).
bool onebit_complete(const Weight& w) {
    return w.in_scale && w.out_scale && w.in_scale->type == TensorType::F16 &&
           w.out_scale->type == TensorType::F16 && w.in_scale->n_elements() == w.ne0 &&
           w.out_scale->n_elements() == w.rows;
}

// Splits rows x tokens into tasks and runs fn(r0, nr, t0, nt) for each on the pool. Bands of
// rows: several per thread for balance, a multiple of 4 rows (the decode tile), and not so thin
// that per-band overhead shows. Long batches also split tokens so the activation block a band
// works on stays in cache.
template <typename Fn>
void run_bands(ThreadPool& pool, int64_t rows, int64_t n_tokens, Fn&& fn) {
    const int64_t want_bands = static_cast<int64_t>(pool.size()) * 4;
    int64_t band = std::max<int64_t>(16, (rows + want_bands - 1) / want_bands);
    band = (band + 3) / 4 * 4;
    const int64_t n_bands = (rows + band - 1) / band;
    const int64_t tok_block = n_tokens > 64 ? 64 : n_tokens;
    const int64_t n_tok_blocks = (n_tokens + tok_block - 1) / tok_block;
    pool.run(n_bands * n_tok_blocks, [&](int64_t task, int) {
        const int64_t b = task % n_bands, tb = task / n_bands;
        const int64_t r0 = b * band, nr = std::min(band, rows - r0);
        const int64_t t0 = tb * tok_block, nt = std::min(tok_block, n_tokens - t0);
        fn(r0, nr, t0, nt);
    });
}

// Converts every token's row, on the pool when the batch is long enough to be worth it.
template <typename Fn>
void for_tokens(ThreadPool& pool, int64_t n_tokens, Fn&& fn) {
    if (n_tokens >= 8) {
        pool.run(n_tokens, [&](int64_t t, int thread) { fn(t, thread); });
    } else {
        for (int64_t t = 0; t < n_tokens; ++t) fn(t, 0);
    }
}

// OneBit / binary: y = ((x ⊙ g) · Sᵀ) ⊙ h  or  β · (x · Sᵀ).
void sign_matmul(ThreadPool& pool, MatmulWorkspace& ws, const Weight& w, const float* x, int64_t ldx,
                 int64_t n_tokens, float* y, int64_t ldy, const float* bias, bool int8) {
    const int64_t k = w.ne0, rows = w.rows;
    const bool onebit = w.kind == WeightKind::OneBit;
    const ActFormat af = int8 ? ActFormat::I8_Row : ActFormat::F32;
    const size_t ab = activation_row_bytes(af, k);
    // Float scratch: h (rows), g (k), then one row of x ⊙ g per thread for the int8 mode.
    const size_t n_threads = static_cast<size_t>(pool.size());
    float* fl = ws.floats(static_cast<size_t>(rows + k) + (int8 ? n_threads * static_cast<size_t>(k) : 0));
    float* h = fl;
    float* g = fl + rows;
    if (onebit) {
        f16_to_f32_row(reinterpret_cast<const uint16_t*>(w.out_scale->data), h, rows);
        f16_to_f32_row(reinterpret_cast<const uint16_t*>(w.in_scale->data), g, k);
    }
    uint8_t* act = ws.activations(ab * static_cast<size_t>(n_tokens));
    for_tokens(pool, n_tokens, [&](int64_t t, int thread) {
        const float* xt = x + t * ldx;
        // W1A16 writes x ⊙ g straight into the activation rows; the int8 mode quantizes it.
        float* xg = int8 ? g + k + static_cast<size_t>(thread) * static_cast<size_t>(k)
                         : reinterpret_cast<float*>(act + t * ab);
        if (onebit) {
            for (int64_t c = 0; c < k; ++c) xg[c] = xt[c] * g[c];
        } else {
            std::copy(xt, xt + k, xg);
        }
        if (int8) convert_activation_row(af, xg, act + t * ab, k);
    });
    run_bands(pool, rows, n_tokens, [&](int64_t r0, int64_t nr, int64_t t0, int64_t nt) {
        float* yb = y + t0 * ldy + r0;
        sign_matmul_tile(af, k, w.data + static_cast<size_t>(r0) * w.row_stride, w.row_stride, nr,
                         act + t0 * ab, ab, nt, yb, ldy);
        for (int64_t t = 0; t < nt; ++t) {
            float* yr = yb + t * ldy;
            for (int64_t r = 0; r < nr; ++r) {
                float v = yr[r] * (onebit ? h[r0 + r] : w.scale);
                if (bias) v += bias[r0 + r];
                yr[r] = v;
            }
        }
    });
}

}  // namespace

bool can_matmul(const Weight& w) {
    switch (w.kind) {
        case WeightKind::Plain:
            return has_matmul_kernel(w.type);
        case WeightKind::OneBit:
            return w.ne0 % 8 == 0 && w.row_stride == static_cast<size_t>(w.ne0 / 8) && onebit_complete(w);
        case WeightKind::Binary:
            return w.ne0 % 8 == 0 && w.row_stride == static_cast<size_t>(w.ne0 / 8);
    }
    return false;
}

void matmul(ThreadPool& pool, MatmulWorkspace& ws, const Weight& w, const float* x, int64_t ldx,
            int64_t n_tokens, float* y, int64_t ldy, const float* bias, bool per_token_int8) {
    if (!can_matmul(w))
        throw UnsupportedError("no CPU kernel for weight '" + (w.tensor ? w.tensor->name : std::string("?")) +
                               "' of type " + std::string(type_name(w.type)));
    if (n_tokens <= 0) return;
    if (w.kind != WeightKind::Plain)
        return sign_matmul(pool, ws, w, x, ldx, n_tokens, y, ldy, bias, per_token_int8);

    const int64_t k = w.ne0;
    const ActFormat af = activation_format(w.type, per_token_int8);
    const size_t ab = activation_row_bytes(af, k);
    uint8_t* act = ws.activations(ab * static_cast<size_t>(n_tokens));
    for_tokens(pool, n_tokens,
               [&](int64_t t, int) { convert_activation_row(af, x + t * ldx, act + t * ab, k); });

    run_bands(pool, w.rows, n_tokens, [&](int64_t r0, int64_t nr, int64_t t0, int64_t nt) {
        float* yb = y + t0 * ldy + r0;
        matmul_tile(w.type, k, w.data + static_cast<size_t>(r0) * w.row_stride, w.row_stride, nr,
                    act + t0 * ab, ab, nt, yb, ldy);
        if (w.scale != 1.0f || bias) {
            for (int64_t t = 0; t < nt; ++t) {
                float* yr = yb + t * ldy;
                for (int64_t r = 0; r < nr; ++r) {
                    float v = yr[r] * w.scale;
                    if (bias) v += bias[r0 + r];
                    yr[r] = v;
                }
            }
        }
    });
}

}  // namespace lowbit::cpu
