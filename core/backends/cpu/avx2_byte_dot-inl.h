// No include guard: included once per instruction-set variant, inside that variant's namespace,
// by the -inl.h tile files of the AVX2 target (kernels_ternary_avx2-inl.h,
// kernels_onebit_avx2-inl.h) as avx2_variants-inl.h compiles them. With LOWBIT_AVX2_VNNI = 1
// AVX-VNNI is enabled (`#pragma GCC target("avxvnni")`) around the inclusion; with 0 the code is
// plain AVX2.
//
// ByteDot sums products of unsigned bytes u (ternary codes ≤ 2, or 0/1 sign bits) and signed
// bytes s per 32-bit lane:
//     Acc acc = ByteDot::begin(base);  acc = ByteDot::add(acc, u, s); ...
//     __m256i sum = ByteDot::finish(acc, base);  // base + Σ u·s, per 32-bit lane
// AVX-VNNI: one VPDPBUSD per add, accumulating onto `base` itself. Plain AVX2: VPMADDUBSW pairs
// summed in 16 bits, widened once by VPMADDWD at the finish; exact while the 16-bit total
// stays in range, so at most eight adds between begin and finish with u ≤ 2 (a pair is at most
// 2·2·128 = 512 in magnitude) or sixteen with u ≤ 1. Lane totals differ between the two (the
// pairs are grouped differently), the sum over all lanes does not.
struct ByteDot {
    using Acc = __m256i;
#if LOWBIT_AVX2_VNNI
    static Acc begin(__m256i base) {
        return base;
    }
    static Acc add(Acc acc, __m256i u, __m256i s) {
        return _mm256_dpbusd_avx_epi32(acc, u, s);
    }
    static __m256i finish(Acc acc, __m256i /*base: already in acc*/) {
        return acc;
    }
#else
    static Acc begin(__m256i /*base: added at the finish*/) {
        return _mm256_setzero_si256();
    }
    static Acc add(Acc acc, __m256i u, __m256i s) {
        return _mm256_add_epi16(acc, _mm256_maddubs_epi16(u, s));
    }
    static __m256i finish(Acc acc, __m256i base) {
        return _mm256_add_epi32(base, _mm256_madd_epi16(acc, _mm256_set1_epi16(1)));
    }
#endif
};
