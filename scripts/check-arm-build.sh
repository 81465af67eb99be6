#!/usr/bin/env bash
# Compiles the engine core (everything but the Vulkan backend) for 64-bit ARM with Debian's cross
# compiler: the check that the NEON paths of the kernels build (a GCC quirk once broke them there
# while every x86 build was fine). With qemu-user and libhwy-dev:arm64 installed
# (dpkg --add-architecture arm64; apt install qemu-user libhwy-dev:arm64) it also links
# tests/cross/kernels_match_reference.cpp and runs it under qemu: every NEON kernel against the
# scalar reference, twice — on qemu's default CPU ("max", which has the ARMv8.2 dot product, so the
# SDOT tiles run) and as a Cortex-A72 (ARMv8.0, no dotprod: the portable NEON fallback). Needs
# g++-aarch64-linux-gnu (apt) and a configured x86 build for the generated headers
# (scripts/build.sh dev, or $1 = its folder).
#
# Usage: scripts/check-arm-build.sh [BUILD_DIR]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$repo/build/dev}
cxx=aarch64-linux-gnu-g++
command -v "$cxx" > /dev/null || { echo "check-arm-build: $cxx missing (apt install g++-aarch64-linux-gnu)" >&2; exit 2; }
[ -d "$build/core" ] || { echo "check-arm-build: no configured build at $build" >&2; exit 2; }
out=$(mktemp -d "${TMPDIR:-/tmp}/lowbit-arm.XXXXXX")
trap 'rm -rf "$out"' EXIT
defs=(-DHWY_DISABLED_TARGETS="(HWY_SVE|HWY_SVE2|HWY_SVE_256|HWY_SVE2_128|HWY_RVV)")
failed=0
while IFS= read -r src; do
  opt=-O3
  # As core/backends/cpu/CMakeLists.txt: GCC 12 for aarch64 has an internal error on this at -O3.
  [ "$(basename "$src")" = kernels_ref.cpp ] && opt=-O2
  if ! "$cxx" -std=c++20 "$opt" -Wall -Wextra -Werror "${defs[@]}" -I"$repo/core" -I"$repo/core/include" \
      -I"$build/core" -c "$src" -o "$out/$(echo "${src#"$repo"/}" | tr / _).o"; then
    echo "check-arm-build: $src does not build for aarch64" >&2
    failed=1
  fi
done < <(find "$repo/core" -name '*.cpp' -not -path '*/vulkan/*' | sort)
[ $failed = 0 ] || exit 1
echo "check-arm-build: core builds for aarch64 ($(ls "$out" | wc -l) files)"

hwy_arm=/usr/lib/aarch64-linux-gnu/libhwy.so
if ! command -v qemu-aarch64 > /dev/null || [ ! -e "$hwy_arm" ]; then
  echo "check-arm-build: not running the NEON kernels (needs qemu-user and libhwy-dev:arm64)"
  exit 0
fi
aarch64-linux-gnu-ar rcs "$out/libcore.a" "$out"/*.o
"$cxx" -std=c++20 -O2 -I"$repo/core" -I"$repo/core/include" -I"$build/core" -I"$repo/tests" \
  "$repo/tests/cross/kernels_match_reference.cpp" "$out/libcore.a" -lhwy -lpthread -o "$out/kernels_match_reference"
# Both runs, each checked to use the tiles it is meant to check (the harness prints cpu_extensions()).
run_on() {  # CPU model ("" = qemu's default), expected dotprod flag (1 or 0)
  local log=$out/run.log
  echo "check-arm-build: qemu-aarch64 ${1:+-cpu $1}"
  if ! qemu-aarch64 ${1:+-cpu "$1"} -L /usr/aarch64-linux-gnu "$out/kernels_match_reference" | tee "$log"; then
    echo "check-arm-build: NEON kernels differ from the reference (CPU ${1:-max})" >&2
    return 1
  fi
  grep -q "dotprod $2" "$log" || { echo "check-arm-build: CPU ${1:-max} should run with dotprod $2" >&2; return 1; }
}
status=0
run_on "" 1 || status=1
run_on cortex-a72 0 || status=1
exit $status
