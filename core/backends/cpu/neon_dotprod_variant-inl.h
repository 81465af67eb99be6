// No include guard: compiles the NEON tiles in the file LOWBIT_NEON_DOTPROD_TILES names with the
// ARMv8.2 dot product (SDOT) enabled, in namespace neon_dotprod, inside the NEON target's code on
// aarch64. The pragma keeps SDOT out of every other function of the target, which still runs on
// ARMv8.0 cores; the includer picks these tiles by cpu_extensions().neon_dotprod.
//
//     #define LOWBIT_NEON_DOTPROD_TILES "backends/cpu/kernels_ternary_neon_dotprod-inl.h"
//     #include "backends/cpu/neon_dotprod_variant-inl.h"

#pragma GCC push_options
// "+dotprod" alone is refused; "+crypto" because Highway's NEON target enables it, and the
// always-inline helpers compiled under that target must inline into these tiles (every core with
// dotprod is ARMv8.2 or later).
#pragma GCC target("arch=armv8.2-a+dotprod+crypto")
namespace neon_dotprod {
#include LOWBIT_NEON_DOTPROD_TILES
}  // namespace neon_dotprod
#pragma GCC pop_options

#undef LOWBIT_NEON_DOTPROD_TILES
