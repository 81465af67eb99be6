// No include guard: the AVX2 sign x int8 tile of kernels_onebit_simd.cpp, compiled twice through
// avx2_variants-inl.h (plain and with AVX-VNNI). expand_bits, hsum_epi32 and i8_finish come from
// the includer.

#include "backends/cpu/avx2_byte_dot-inl.h"

template <int R, int T>
void sign_i8_tile(int64_t k, const uint8_t* w, size_t ws, const uint8_t* a, size_t as, float* y,
                  int64_t ldy) {
    __m256i acc[R][T];
    for (int r = 0; r < R; ++r)
        for (int t = 0; t < T; ++t) acc[r][t] = _mm256_setzero_si256();
    int64_t c = 0;
    for (; c + 32 <= k; c += 32) {
        for (int r = 0; r < R; ++r) {
            uint32_t bits;
            std::memcpy(&bits, w + r * ws + c / 8, 4);
            const __m256i u = expand_bits(bits);
            for (int t = 0; t < T; ++t) {
                const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + t * as + c));
                acc[r][t] = ByteDot::finish(ByteDot::add(ByteDot::begin(acc[r][t]), u, q), acc[r][t]);
            }
        }
    }
    int32_t tail[R][T] = {};
    for (; c < k; ++c) {  // fewer than 32 weights left
        for (int r = 0; r < R; ++r)
            for (int t = 0; t < T; ++t)
                if ((w[r * ws + c / 8] >> (c % 8)) & 1) tail[r][t] += static_cast<int8_t>(a[t * as + c]);
    }
    for (int t = 0; t < T; ++t) {
        const uint8_t* at = a + t * as;
        const int32_t sum = i8_row_sum(at, k);
        for (int r = 0; r < R; ++r)
            y[t * ldy + r] = i8_finish(2 * (hsum_epi32(acc[r][t]) + tail[r][t]) - sum, at, k);
    }
}

// This variant's int8 matmul: the tile in tile_driver.h's schedule.
inline void matmul_sign_i8(int64_t k, const uint8_t* w, size_t ws, int64_t nr, const uint8_t* a, size_t as,
                           int64_t nt, float* y, int64_t ldy) {
    run_row_tiles<sign_i8_tile<4, 1>, sign_i8_tile<1, 1>, sign_i8_tile<2, 4>, sign_i8_tile<1, 4>>(
        k, w, ws, nr, a, as, nt, y, ldy);
}
