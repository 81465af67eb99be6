#include "backends/cpu/matmul.h"

#include <algorithm>

#include "backends/cpu/kernels.h"
#include "lowbit/error.h"

namespace lowbit::cpu {

uint8_t* MatmulWorkspace::activations(size_t bytes) {
    if (buf_.size() < bytes) buf_.resize(bytes);
    return buf_.data();
}

bool can_matmul(const Weight& w) { return w.kind == WeightKind::Plain && has_matmul_kernel(w.type); }

void matmul(ThreadPool& pool, MatmulWorkspace& ws, const Weight& w, const float* x, int64_t ldx, int64_t n_tokens,
            float* y, int64_t ldy, const float* bias, bool per_token_int8) {
    if (!can_matmul(w))
        throw UnsupportedError("no CPU kernel for weight '" + (w.tensor ? w.tensor->name : std::string("?")) +
                               "' of type " + std::string(type_name(w.type)));
    const int64_t k = w.ne0;
    const ActFormat af = activation_format(w.type, per_token_int8);
    const size_t ab = activation_row_bytes(af, k);
    uint8_t* act = ws.activations(ab * static_cast<size_t>(n_tokens));
    if (n_tokens >= 8) {
        pool.run(n_tokens, [&](int64_t t, int) { convert_activation_row(af, x + t * ldx, act + t * ab, k); });
    } else {
        for (int64_t t = 0; t < n_tokens; ++t) convert_activation_row(af, x + t * ldx, act + t * ab, k);
    }

    // Bands of rows: several per thread for balance, a multiple of 4 rows (the decode tile),
    // and not so thin that per-band overhead shows.
    const int64_t rows = w.rows;
    const int64_t want_bands = static_cast<int64_t>(pool.size()) * 4;
    int64_t band = std::max<int64_t>(16, (rows + want_bands - 1) / want_bands);
    band = (band + 3) / 4 * 4;
    const int64_t n_bands = (rows + band - 1) / band;
    // Long batches: also split tokens so the activation block a band works on stays in cache.
    const int64_t tok_block = n_tokens > 64 ? 64 : n_tokens;
    const int64_t n_tok_blocks = (n_tokens + tok_block - 1) / tok_block;

    pool.run(n_bands * n_tok_blocks, [&](int64_t task, int) {
        const int64_t b = task % n_bands, tb = task / n_bands;
        const int64_t r0 = b * band, nr = std::min(band, rows - r0);
        const int64_t t0 = tb * tok_block, nt = std::min(tok_block, n_tokens - t0);
        float* yb = y + t0 * ldy + r0;
        matmul_tile(w.type, k, w.data + static_cast<size_t>(r0) * w.row_stride, w.row_stride, nr, act + t0 * ab, ab,
                    nt, yb, ldy);
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
