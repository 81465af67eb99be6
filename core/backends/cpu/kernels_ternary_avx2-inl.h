// No include guard: the AVX2 tiles of kernels_ternary_simd.cpp, compiled twice through
// avx2_variants-inl.h — plain (namespace avx2) and with AVX-VNNI (namespace avx2_vnni,
// LOWBIT_AVX2_VNNI = 1) — so CPUs with AVX-VNNI but no AVX-512 (Alder Lake and later client
// cores, Zen 5 client) get VPDPBUSD while the others keep VPMADDUBSW, from one binary. The
// helpers (load256, act_sum16, digits, ...) come from the includer.

#include "backends/cpu/avx2_byte_dot-inl.h"

// −Σ a of a Q8_K block, spread over 32-bit lanes (only the lane total matters): the start of
// every row's block sum, so Σ (c − 1)·a = Σ c·a − Σ a costs no subtraction per row.
HWY_INLINE __m256i neg_act_sum(const BlockQ8_K& ab) {
    return _mm256_sub_epi32(_mm256_setzero_si256(), widen_sum(act_sum16(ab)));
}

// ---- TQ2_0: half j (32 bytes) holds elements 128j + 32l + m at bits 2l of byte m. ----
template <int R, int T>
void tq2_tile(int64_t k, const uint8_t* w, size_t ws, const uint8_t* a, size_t as, float* y, int64_t ldy) {
    const int64_t nb = k / QK_K;
    const __m256i mask = _mm256_set1_epi8(3);
    __m256 acc[R][T];
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t) acc[r][t] = _mm256_setzero_ps();
    for (int64_t b = 0; b < nb; ++b) {
        __m256i base[T];
        for (int t = 0; t < T; ++t) base[t] = neg_act_sum(reinterpret_cast<const BlockQ8_K*>(a + t * as)[b]);
        for (int r = 0; r < R; ++r) {
            const BlockTQ2_0& wb = reinterpret_cast<const BlockTQ2_0*>(w + r * ws)[b];
            __m256i c[2][4];
            for (int h = 0; h < 2; ++h) {
                const __m256i v = load256(wb.qs + 32 * h);
                c[h][0] = _mm256_and_si256(v, mask);
                c[h][1] = _mm256_and_si256(_mm256_srli_epi16(v, 2), mask);
                c[h][2] = _mm256_and_si256(_mm256_srli_epi16(v, 4), mask);
                c[h][3] = _mm256_and_si256(_mm256_srli_epi16(v, 6), mask);
            }
            const float wd = _cvtsh_ss(wb.d);
            for (int t = 0; t < T; ++t) {
                const BlockQ8_K& ab = reinterpret_cast<const BlockQ8_K*>(a + t * as)[b];
                ByteDot::Acc s = ByteDot::begin(base[t]);
                for (int h = 0; h < 2; ++h)
                    for (int l = 0; l < 4; ++l)
                        s = ByteDot::add(s, c[h][l], load256(ab.qs + 128 * h + 32 * l));
                acc[r][t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(ByteDot::finish(s, base[t])),
                                            _mm256_set1_ps(wd * ab.d), acc[r][t]);
            }
        }
    }
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t) y[t * ldy + r] = hsum_ps(acc[r][t]);
}

// ---- TQ1_0: base-3 digits by wrapping byte multiplies by 3 and unsigned compares. ----
// Code vectors line up with the activations: x·3ⁿ (n = 0..4) with elements 32n..32n+31, then
// [z·1 | z·3], [z·9 | z·27], [z·81 | h·1 h·3 h·9 h·27] with 160..255.
template <int R, int T>
void tq1_tile(int64_t k, const uint8_t* w, size_t ws, const uint8_t* a, size_t as, float* y, int64_t ldy) {
    const int64_t nb = k / QK_K;
    __m256 acc[R][T];
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t) acc[r][t] = _mm256_setzero_ps();
    for (int64_t b = 0; b < nb; ++b) {
        __m256i base[T];
        for (int t = 0; t < T; ++t) base[t] = neg_act_sum(reinterpret_cast<const BlockQ8_K*>(a + t * as)[b]);
        for (int r = 0; r < R; ++r) {
            const BlockTQ1_0& wb = reinterpret_cast<const BlockTQ1_0*>(w + r * ws)[b];
            __m256i c[8];
            __m256i x = load256(wb.qs);
            for (int n = 0; n < 5; ++n, x = times3(x)) c[n] = digits(x);
            const __m128i z1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(wb.qs + 32));
            const __m128i z3 = times3_128(z1), z9 = times3_128(z3), z27 = times3_128(z9),
                          z81 = times3_128(z27);
            int32_t hword;
            std::memcpy(&hword, wb.qh, 4);
            const __m128i h1 = _mm_set1_epi32(hword);
            const __m128i h3 = times3_128(h1), h9 = times3_128(h3), h27 = times3_128(h9);
            const __m128i h =
                _mm_blend_epi32(_mm_blend_epi32(h1, h3, 0x2), _mm_blend_epi32(h9, h27, 0x8), 0xC);
            c[5] = digits(_mm256_set_m128i(z3, z1));
            c[6] = digits(_mm256_set_m128i(z27, z9));
            c[7] = digits(_mm256_set_m128i(h, z81));
            const float wd = _cvtsh_ss(wb.d);
            for (int t = 0; t < T; ++t) {
                const BlockQ8_K& ab = reinterpret_cast<const BlockQ8_K*>(a + t * as)[b];
                ByteDot::Acc s = ByteDot::begin(base[t]);
                for (int i = 0; i < 8; ++i) s = ByteDot::add(s, c[i], load256(ab.qs + 32 * i));
                acc[r][t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(ByteDot::finish(s, base[t])),
                                            _mm256_set1_ps(wd * ab.d), acc[r][t]);
            }
        }
    }
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t) y[t * ldy + r] = hsum_ps(acc[r][t]);
}

#if LOWBIT_AVX2_VNNI
// ---- TQ1_0 for one token without digits (the AVX3_DL tile's identity, on 256-bit vectors) ----
// With qₙ = b·3ⁿ mod 256 and digit cₙ = ⌊3qₙ/256⌋, 256·Σ cₙaₙ = 3·Σ qₙaₙ − Σ qₙ₊₁aₙ (see
// kernels_ternary_simd.cpp's tq1_tile_decode): twenty VPDPBUSD per block on the ×3 byte chain
// of two vectors — x = qs[0..31], whose digit n is element 32n + m, against the activations as
// they lie; and [z = qs[32..47] | h = qh | 0...], digit n of z at element 160 + 16n + m and of h
// at 240 + 4n + m (four digits), against activations gathered once per block for all rows.
// Only with VPDPBUSD: qₙ runs up to 255, which would saturate VPMADDUBSW's pair sums.
template <int R>
void tq1_tile_decode(int64_t k, const uint8_t* w, size_t ws, const uint8_t* a, size_t, float* y, int64_t) {
    const int64_t nb = k / QK_K;
    // Bytes 32..51 of a block (qs[32..47] and qh): five dwords. VPMASKMOVD never touches the
    // lanes it leaves out, so the last block of a tensor may end at the mapping's end.
    const __m256i zh_lanes = _mm256_setr_epi32(-1, -1, -1, -1, -1, 0, 0, 0);
    __m256 acc[R];
    for (int r = 0; r < R; ++r) acc[r] = _mm256_setzero_ps();
    for (int64_t b = 0; b < nb; ++b) {
        const BlockQ8_K& ab = reinterpret_cast<const BlockQ8_K*>(a)[b];
        __m256i ax[5], azh[5];
        for (int n = 0; n < 5; ++n) {
            ax[n] = load256(ab.qs + 32 * n);
            int32_t h = 0;
            if (n < 4) std::memcpy(&h, ab.qs + 240 + 4 * n, 4);
            azh[n] =
                _mm256_set_m128i(_mm_cvtsi32_si128(h),
                                 _mm_loadu_si128(reinterpret_cast<const __m128i*>(ab.qs + 160 + 16 * n)));
        }
        const __m256i sum256 = _mm256_slli_epi32(widen_sum(act_sum16(ab)), 8);  // 256·Σ a over lanes
        for (int r = 0; r < R; ++r) {
            const BlockTQ1_0& wb = reinterpret_cast<const BlockTQ1_0*>(w + r * ws)[b];
            __m256i qx = load256(wb.qs);
            __m256i qzh = _mm256_maskload_epi32(reinterpret_cast<const int*>(wb.qs + 32), zh_lanes);
            __m256i three_q_a = _mm256_setzero_si256();  // Σ qₙaₙ (times 3 below)
            __m256i next_q_a = sum256;                   // 256·Σa + Σ qₙ₊₁aₙ
            for (int n = 0; n < 5; ++n) {
                three_q_a = _mm256_dpbusd_avx_epi32(three_q_a, qx, ax[n]);
                three_q_a = _mm256_dpbusd_avx_epi32(three_q_a, qzh, azh[n]);
                qx = times3(qx);
                qzh = times3(qzh);
                next_q_a = _mm256_dpbusd_avx_epi32(next_q_a, qx, ax[n]);
                next_q_a = _mm256_dpbusd_avx_epi32(next_q_a, qzh, azh[n]);
            }
            // 256·Σ (c − 1)·a per lane: a multiple of 256 below 2²⁴, so exact as a float.
            const __m256i s =
                _mm256_sub_epi32(_mm256_add_epi32(_mm256_slli_epi32(three_q_a, 1), three_q_a), next_q_a);
            acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s),
                                     _mm256_set1_ps(_cvtsh_ss(wb.d) * ab.d * (1.0f / 256)), acc[r]);
        }
    }
    for (int r = 0; r < R; ++r) y[r] = hsum_ps(acc[r]);
}
#endif

// ---- I2_S: one 32-byte block is 128 codes, group g (bits 6-2g) against activations 32g.. ----
template <int R, int T>
void i2s_tile(int64_t k, const uint8_t* w, size_t ws, const uint8_t* a, size_t as, float* y, int64_t ldy) {
    const int64_t nb = k / quant::QK_I2_S;
    const __m256i mask = _mm256_set1_epi8(3);
    __m256i acc[R][T];
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t) acc[r][t] = _mm256_setzero_si256();
    for (int64_t b = 0; b < nb; ++b) {
        for (int r = 0; r < R; ++r) {
            const __m256i v = load256(w + r * ws + b * quant::I2_S_BLOCK_BYTES);
            const __m256i c[4] = {_mm256_and_si256(_mm256_srli_epi16(v, 6), mask),
                                  _mm256_and_si256(_mm256_srli_epi16(v, 4), mask),
                                  _mm256_and_si256(_mm256_srli_epi16(v, 2), mask), _mm256_and_si256(v, mask)};
            for (int t = 0; t < T; ++t) {
                const uint8_t* q = a + t * as + b * quant::QK_I2_S;
                ByteDot::Acc s = ByteDot::begin(acc[r][t]);
                for (int g = 0; g < 4; ++g) s = ByteDot::add(s, c[g], load256(q + 32 * g));
                acc[r][t] = ByteDot::finish(s, acc[r][t]);
            }
        }
    }
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t) y[t * ldy + r] = i2s_finish(hsum_epi32(acc[r][t]), a + t * as, k);
}

// This variant's matmuls: its tiles in tile_driver.h's schedule.
inline void matmul_tq2(int64_t k, const uint8_t* w, size_t ws, int64_t nr, const uint8_t* a, size_t as,
                       int64_t nt, float* y, int64_t ldy) {
    run_row_tiles<tq2_tile<4, 1>, tq2_tile<1, 1>, tq2_tile<2, 4>, tq2_tile<1, 4>>(k, w, ws, nr, a, as, nt, y,
                                                                                  ldy);
}
inline void matmul_tq1(int64_t k, const uint8_t* w, size_t ws, int64_t nr, const uint8_t* a, size_t as,
                       int64_t nt, float* y, int64_t ldy) {
#if LOWBIT_AVX2_VNNI
    // The digit-free tile for one token. Several tokens: the plain AVX2 tile, whose digits serve
    // four tokens — with VPDPBUSD its eight-deep accumulation chains measured ~8% slower (48 vs
    // 52 GMAC/s, 64 tokens), as the digit work, not the dot products, bounds it.
    run_row_tiles<tq1_tile_decode<4>, tq1_tile_decode<1>, avx2::tq1_tile<2, 4>, avx2::tq1_tile<1, 4>>(
        k, w, ws, nr, a, as, nt, y, ldy);
#else
    run_row_tiles<tq1_tile<4, 1>, tq1_tile<1, 1>, tq1_tile<2, 4>, tq1_tile<1, 4>>(k, w, ws, nr, a, as, nt, y,
                                                                                  ldy);
#endif
}
inline void matmul_i2s(int64_t k, const uint8_t* w, size_t ws, int64_t nr, const uint8_t* a, size_t as,
                       int64_t nt, float* y, int64_t ldy) {
    run_row_tiles<i2s_tile<4, 1>, i2s_tile<1, 1>, i2s_tile<2, 4>, i2s_tile<1, 4>>(k, w, ws, nr, a, as, nt, y,
                                                                                  ldy);
}
