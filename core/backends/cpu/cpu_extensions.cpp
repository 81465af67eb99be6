#include "backends/cpu/cpu_extensions.h"

#include <cstdlib>
#include <string_view>

#if defined(__aarch64__) && defined(__linux__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

namespace lowbit::cpu {
namespace {

// True when `list` (comma-separated) names `name` or "all".
bool names(std::string_view list, std::string_view name) {
    while (!list.empty()) {
        const size_t comma = list.find(',');
        const std::string_view item = list.substr(0, comma);
        if (item == name || item == "all") return true;
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
    }
    return false;
}

CpuExtensions detect() {
    CpuExtensions ext;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    ext.gfni = __builtin_cpu_supports("gfni");
    ext.avx_vnni = __builtin_cpu_supports("avxvnni");
#elif defined(__aarch64__) && defined(__linux__)
    ext.neon_dotprod = (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) != 0;
#endif
    const char* off = std::getenv("LOWBIT_CPU_DISABLE");
    return off ? without_disabled(ext, off) : ext;
}

}  // namespace

CpuExtensions without_disabled(CpuExtensions ext, std::string_view disabled) {
    if (names(disabled, "gfni")) ext.gfni = false;
    if (names(disabled, "avxvnni")) ext.avx_vnni = false;
    if (names(disabled, "dotprod")) ext.neon_dotprod = false;
    return ext;
}

const CpuExtensions& cpu_extensions() {
    static const CpuExtensions ext = detect();
    return ext;
}

}  // namespace lowbit::cpu
