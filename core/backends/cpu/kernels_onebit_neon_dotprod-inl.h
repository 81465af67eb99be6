// No include guard: the ARMv8.2 dot-product sign x int8 tile of kernels_onebit_simd.cpp, compiled
// with SDOT enabled through neon_dotprod_variant-inl.h. i8_finish comes from the includer.
//
// Sign bits become 0xFF bytes (−1 as int8) where the sign is +1, so one SDOT per 16 weights
// accumulates −Σ_{bit = 1} q; the finish is the AVX2 tile's, 2·Σ_{bit = 1} q − Σ q, exact in int32.

// Masks of the 16 sign bits `bits` (weight c at bit c): lane c is byte c / 8 tested against bit c % 8.
HWY_INLINE int8x16_t sign_masks16(uint16_t bits) {
    static constexpr uint8_t kSpread[16] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1};
    static constexpr uint8_t kBit[16] = {1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128};
    const uint8x16_t v = vqtbl1q_u8(vreinterpretq_u8_u16(vdupq_n_u16(bits)), vld1q_u8(kSpread));
    return vreinterpretq_s8_u8(vtstq_u8(v, vld1q_u8(kBit)));
}

template <int R, int T>
void sign_i8_tile(int64_t k, const uint8_t* w, size_t ws, const uint8_t* a, size_t as, float* y,
                  int64_t ldy) {
    int32x4_t acc[R][T];  // −Σ_{bit = 1} q
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t) acc[r][t] = vdupq_n_s32(0);
    int64_t c = 0;
    for (; c + 16 <= k; c += 16) {
        int8x16_t q[T];
        for (int t = 0; t < T; ++t) q[t] = vld1q_s8(reinterpret_cast<const int8_t*>(a + t * as) + c);
        for (int r = 0; r < R; ++r) {
            uint16_t bits;
            std::memcpy(&bits, w + r * ws + c / 8, 2);
            const int8x16_t m = sign_masks16(bits);
            for (int t = 0; t < T; ++t) acc[r][t] = vdotq_s32(acc[r][t], m, q[t]);
        }
    }
    if (c < k) {  // k % 16 == 8 (k is a multiple of 8): eight activations, zero above
        int8x16_t q[T];
        for (int t = 0; t < T; ++t)
            q[t] = vcombine_s8(vld1_s8(reinterpret_cast<const int8_t*>(a + t * as) + c), vdup_n_s8(0));
        for (int r = 0; r < R; ++r) {
            const int8x16_t m = sign_masks16(w[r * ws + c / 8]);
            for (int t = 0; t < T; ++t) acc[r][t] = vdotq_s32(acc[r][t], m, q[t]);
        }
    }
    for (int t = 0; t < T; ++t) {
        const uint8_t* at = a + t * as;
        const int32_t sum = i8_row_sum(at, k);
        for (int r = 0; r < R; ++r) y[t * ldy + r] = i8_finish(-2 * vaddvq_s32(acc[r][t]) - sum, at, k);
    }
}

// This variant's int8 matmul: the tile in tile_driver.h's schedule.
inline void matmul_sign_i8(int64_t k, const uint8_t* w, size_t ws, int64_t nr, const uint8_t* a, size_t as,
                           int64_t nt, float* y, int64_t ldy) {
    run_row_tiles<sign_i8_tile<4, 1>, sign_i8_tile<1, 1>, sign_i8_tile<2, 4>, sign_i8_tile<1, 4>>(
        k, w, ws, nr, a, as, nt, y, ldy);
}
