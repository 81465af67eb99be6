// No include guard: the ARMv8.2 dot-product tiles of kernels_ternary_simd.cpp, compiled with SDOT
// enabled through neon_dotprod_variant-inl.h. i2s_finish, QK_K and the block types come from the
// includer.
//
// SDOT (vdotq_s32) sums four int8 × int8 products per 32-bit lane. Ternary codes c = w + 1 ≤ 3
// are valid int8, so Σ c·a is one SDOT per 16 codes, with no 16-bit intermediate to saturate;
// Σ (c − 1)·a = Σ c·a − Σ a with Σ a from the activations, once per block and token.

// Σ a of a Q8_K block from its group sums (each |bsum| ≤ 2048, so the widening add is exact).
HWY_INLINE int32_t act_block_sum(const BlockQ8_K& ab) {
    return vaddlvq_s16(vld1q_s16(ab.bsums)) + vaddlvq_s16(vld1q_s16(ab.bsums + 8));
}

HWY_INLINE float half_to_float(uint16_t h) {
    return vgetq_lane_f32(vcvt_f32_f16(vreinterpret_f16_u16(vdup_n_u16(h))), 0);  // exact
}

// ---- TQ2_0: element 128j + 32l + m is bits 2l of byte 32j + m. ----
// The block's integer per row and token, then y += (float)isum · (wd · ad) block by block, in
// the portable path's order.
template <int R, int T>
void tq2_tile(int64_t k, const uint8_t* w, size_t ws, const uint8_t* a, size_t as, float* y, int64_t ldy) {
    const int64_t nb = k / QK_K;
    const uint8x16_t mask = vdupq_n_u8(3);
    float acc[R][T] = {};
    for (int64_t b = 0; b < nb; ++b) {
        const BlockQ8_K* ab[T];
        int32_t asum[T];
        for (int t = 0; t < T; ++t) {
            ab[t] = reinterpret_cast<const BlockQ8_K*>(a + t * as) + b;
            asum[t] = act_block_sum(*ab[t]);
        }
        for (int r = 0; r < R; ++r) {
            const BlockTQ2_0& wb = reinterpret_cast<const BlockTQ2_0*>(w + r * ws)[b];
            int32x4_t s[T];
            for (int t = 0; t < T; ++t) s[t] = vdupq_n_s32(0);
            for (int i = 0; i < 4; ++i) {  // bytes 16i..16i+15: half j = i / 2, m = 16(i % 2)..
                const uint8x16_t q = vld1q_u8(wb.qs + 16 * i);
                const int8x16_t c[4] = {
                    vreinterpretq_s8_u8(vandq_u8(q, mask)),
                    vreinterpretq_s8_u8(vandq_u8(vshrq_n_u8(q, 2), mask)),
                    vreinterpretq_s8_u8(vandq_u8(vshrq_n_u8(q, 4), mask)),
                    vreinterpretq_s8_u8(vshrq_n_u8(q, 6)),
                };
                const int off = 128 * (i / 2) + 16 * (i % 2);
                for (int t = 0; t < T; ++t)
                    for (int l = 0; l < 4; ++l)
                        s[t] = vdotq_s32(s[t], c[l], vld1q_s8(ab[t]->qs + off + 32 * l));
            }
            const float wd = half_to_float(wb.d);
            for (int t = 0; t < T; ++t)
                acc[r][t] += static_cast<float>(vaddvq_s32(s[t]) - asum[t]) * (wd * ab[t]->d);
        }
    }
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t) y[t * ldy + r] = acc[r][t];
}

// ---- TQ1_0: base-3 digits. ----
// Digit n of byte b is (q ≥ 86) + (q ≥ 171) with q = b·3ⁿ mod 256 (a wrapping byte multiply).
// The compares give 0xFF (−1 as int8) per true, so their sum is −digit and SDOT accumulates
// −Σ digit·a, negated once per block.
HWY_INLINE int8x16_t neg_digits(uint8x16_t q) {
    return vreinterpretq_s8_u8(vaddq_u8(vcgeq_u8(q, vdupq_n_u8(86)), vcgeq_u8(q, vdupq_n_u8(171))));
}

// Digit n of qs[m] (m < 32) is element 32n + m, of qs[32 + m] (m < 16) 160 + 16n + m, of qh[j]
// 240 + 4n + j (n < 4): so x·3ⁿ lines up with activations 32n.., z·3ⁿ with 160 + 16n.., and one
// vector whose lane 4n + j is qh[j]·3ⁿ with 240...
template <int R, int T>
void tq1_tile(int64_t k, const uint8_t* w, size_t ws, const uint8_t* a, size_t as, float* y, int64_t ldy) {
    const int64_t nb = k / QK_K;
    const uint8x16_t three = vdupq_n_u8(3);
    static constexpr uint8_t kQhPow3[16] = {1, 1, 1, 1, 3, 3, 3, 3, 9, 9, 9, 9, 27, 27, 27, 27};
    const uint8x16_t qh_pow3 = vld1q_u8(kQhPow3);
    float acc[R][T] = {};
    for (int64_t b = 0; b < nb; ++b) {
        const BlockQ8_K* ab[T];
        int32_t asum[T];
        for (int t = 0; t < T; ++t) {
            ab[t] = reinterpret_cast<const BlockQ8_K*>(a + t * as) + b;
            asum[t] = act_block_sum(*ab[t]);
        }
        for (int r = 0; r < R; ++r) {
            const BlockTQ1_0& wb = reinterpret_cast<const BlockTQ1_0*>(w + r * ws)[b];
            int32x4_t s[T];  // −Σ digit·a
            for (int t = 0; t < T; ++t) s[t] = vdupq_n_s32(0);
            for (int h = 0; h < 2; ++h) {  // x = qs[0..31], 16 bytes at a time
                uint8x16_t x = vld1q_u8(wb.qs + 16 * h);
                for (int n = 0; n < 5; ++n, x = vmulq_u8(x, three)) {
                    const int8x16_t c = neg_digits(x);
                    for (int t = 0; t < T; ++t)
                        s[t] = vdotq_s32(s[t], c, vld1q_s8(ab[t]->qs + 32 * n + 16 * h));
                }
            }
            uint8x16_t z = vld1q_u8(wb.qs + 32);
            for (int n = 0; n < 5; ++n, z = vmulq_u8(z, three)) {
                const int8x16_t c = neg_digits(z);
                for (int t = 0; t < T; ++t) s[t] = vdotq_s32(s[t], c, vld1q_s8(ab[t]->qs + 160 + 16 * n));
            }
            uint32_t qh;
            std::memcpy(&qh, wb.qh, 4);  // 4 bytes only: the block may end the mapping
            const int8x16_t ch = neg_digits(vmulq_u8(vreinterpretq_u8_u32(vdupq_n_u32(qh)), qh_pow3));
            for (int t = 0; t < T; ++t) s[t] = vdotq_s32(s[t], ch, vld1q_s8(ab[t]->qs + 240));
            const float wd = half_to_float(wb.d);
            for (int t = 0; t < T; ++t)
                acc[r][t] += static_cast<float>(-vaddvq_s32(s[t]) - asum[t]) * (wd * ab[t]->d);
        }
    }
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t) y[t * ldy + r] = acc[r][t];
}

// ---- I2_S: a 32-byte block is 128 codes, element 32g + p at bits 6 − 2g of byte p. ----
// Σ c·q over the whole row in int32 lanes (|Σ| ≤ 3·128·k), then the reference's float finish.
template <int R, int T>
void i2s_tile(int64_t k, const uint8_t* w, size_t ws, const uint8_t* a, size_t as, float* y, int64_t ldy) {
    const int64_t nb = k / quant::QK_I2_S;
    const uint8x16_t mask = vdupq_n_u8(3);
    int32x4_t acc[R][T];
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t) acc[r][t] = vdupq_n_s32(0);
    for (int64_t b = 0; b < nb; ++b) {
        for (int r = 0; r < R; ++r) {
            const uint8_t* wb = w + r * ws + b * quant::I2_S_BLOCK_BYTES;
            for (int h = 0; h < 2; ++h) {  // bytes p = 16h..16h+15
                const uint8x16_t v = vld1q_u8(wb + 16 * h);
                const int8x16_t c[4] = {
                    vreinterpretq_s8_u8(vshrq_n_u8(v, 6)),
                    vreinterpretq_s8_u8(vandq_u8(vshrq_n_u8(v, 4), mask)),
                    vreinterpretq_s8_u8(vandq_u8(vshrq_n_u8(v, 2), mask)),
                    vreinterpretq_s8_u8(vandq_u8(v, mask)),
                };
                for (int t = 0; t < T; ++t) {
                    const int8_t* q =
                        reinterpret_cast<const int8_t*>(a + t * as) + b * quant::QK_I2_S + 16 * h;
                    for (int g = 0; g < 4; ++g) acc[r][t] = vdotq_s32(acc[r][t], c[g], vld1q_s8(q + 32 * g));
                }
            }
        }
    }
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t) y[t * ldy + r] = i2s_finish(vaddvq_s32(acc[r][t]), a + t * as, k);
}

// The SDOT matmuls: the tiles in tile_driver.h's schedule.
inline void matmul_tq2(int64_t k, const uint8_t* w, size_t ws, int64_t nr, const uint8_t* a, size_t as,
                       int64_t nt, float* y, int64_t ldy) {
    run_row_tiles<tq2_tile<4, 1>, tq2_tile<1, 1>, tq2_tile<2, 4>, tq2_tile<1, 4>>(k, w, ws, nr, a, as, nt, y,
                                                                                  ldy);
}
inline void matmul_tq1(int64_t k, const uint8_t* w, size_t ws, int64_t nr, const uint8_t* a, size_t as,
                       int64_t nt, float* y, int64_t ldy) {
    run_row_tiles<tq1_tile<4, 1>, tq1_tile<1, 1>, tq1_tile<2, 4>, tq1_tile<1, 4>>(k, w, ws, nr, a, as, nt, y,
                                                                                  ldy);
}
inline void matmul_i2s(int64_t k, const uint8_t* w, size_t ws, int64_t nr, const uint8_t* a, size_t as,
                       int64_t nt, float* y, int64_t ldy) {
    run_row_tiles<i2s_tile<4, 1>, i2s_tile<1, 1>, i2s_tile<2, 4>, i2s_tile<1, 4>>(k, w, ws, nr, a, as, nt, y,
                                                                                  ldy);
}
