// No include guard: compiles the AVX2 tiles in the file LOWBIT_AVX2_TILES names twice, inside the
// AVX2 target's code — plain in namespace avx2, and with AVX-VNNI enabled (`#pragma GCC
// target("avxvnni")`, LOWBIT_AVX2_VNNI = 1) in namespace avx2_vnni — so one binary serves AVX2
// CPUs with and without VEX VPDPBUSD and the plain variant never contains it. The includer picks
// one by cpu_extensions().avx_vnni.
//
//     #define LOWBIT_AVX2_TILES "backends/cpu/kernels_ternary_avx2-inl.h"
//     #include "backends/cpu/avx2_variants-inl.h"

namespace avx2 {
#define LOWBIT_AVX2_VNNI 0
#include LOWBIT_AVX2_TILES
#undef LOWBIT_AVX2_VNNI
}  // namespace avx2

#pragma GCC push_options
#pragma GCC target("avxvnni")
namespace avx2_vnni {
#define LOWBIT_AVX2_VNNI 1
#include LOWBIT_AVX2_TILES
#undef LOWBIT_AVX2_VNNI
}  // namespace avx2_vnni
#pragma GCC pop_options

#undef LOWBIT_AVX2_TILES
