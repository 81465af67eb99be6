#pragma once
// Instruction-set extensions the kernels use beyond what Highway's target dispatch checks: a
// Highway target (AVX2, AVX3_DL, NEON) fixes the baseline, and within it a kernel picks a faster
// tile when the CPU has one of these. Detected once; the answer never changes while the process
// runs.
//
// LOWBIT_CPU_DISABLE (a comma-separated list of the names below, or "all") hides extensions the
// CPU has, so the fallback tiles can be tested and measured on a CPU that has them (ctest runs
// test_cpu_kernels a second time that way; docs/BENCHMARKS.md measures both).
#include <string_view>

namespace lowbit::cpu {

struct CpuExtensions {
    bool gfni = false;          // x86 GF2P8AFFINEQB ("gfni"): byte bit-picking in the AVX3_DL ternary tiles
    bool avx_vnni = false;      // x86 VEX VPDPBUSD on 256-bit vectors ("avxvnni"): AVX2-only CPUs
                                // (Alder Lake and later client cores, Zen 5 client)
    bool neon_dotprod = false;  // ARMv8.2 SDOT/UDOT ("dotprod")
};

// What this CPU has, less what LOWBIT_CPU_DISABLE names.
const CpuExtensions& cpu_extensions();

// `ext` less the extensions a LOWBIT_CPU_DISABLE value names ("gfni,avxvnni", "all"; unknown
// names are ignored).
CpuExtensions without_disabled(CpuExtensions ext, std::string_view disabled);

}  // namespace lowbit::cpu
