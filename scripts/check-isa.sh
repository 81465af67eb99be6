#!/usr/bin/env bash
# Checks the compiled CPU kernels for VEX-encoded VNNI instructions (AVX-VNNI) outside the tiles
# made for it (namespace avx2_vnni, picked only when the CPU reports AVX-VNNI). Highway 1.0.3's
# AVX3_DL target string enables AVX-VNNI, so GCC may vectorize a plain loop of an AVX-512 tile
# into `{vex} vpdpbusd`, which AVX-512 VNNI CPUs without AVX-VNNI (Ice Lake, Tiger Lake, Zen 4)
# stop on with SIGILL; the CPU this project is tested on has both, so no test would notice.
#
# Usage: scripts/check-isa.sh LIBRARY_OR_OBJECT...   (run by ctest as isa_vex_vnni_contained)
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: $0 LIBRARY_OR_OBJECT..." >&2; exit 2; }
command -v objdump > /dev/null || { echo "check-isa: objdump missing (apt install binutils)" >&2; exit 2; }
found=$(objdump -d -C --no-show-raw-insn "$@" |
  awk '/^[0-9a-f]+ <.*>:$/ { fn = $0 } /\{vex\} *vpdpbu|\{vex\} *vpdpws/ { print fn }' |
  grep -v 'avx2_vnni::' | sort -u || true)
if [ -n "$found" ]; then
  echo "check-isa: VEX VNNI instructions outside the AVX-VNNI tiles, in:" >&2
  echo "$found" >&2
  exit 1
fi
echo "check-isa: VEX VNNI instructions only in the AVX-VNNI tiles ($*)"
