#!/usr/bin/env bash
# Configures and builds one CMake preset (default: dev). Usage: scripts/build.sh [PRESET] [ninja targets...]
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-dev}
shift || true
"$(dirname "$0")/setup-deps.sh"
if [ ! -f "build/$preset/build.ninja" ]; then
  cmake --preset "$preset" >/dev/null
fi
jobs=${LOWBIT_JOBS:-$(nproc)}
cmake --build "build/$preset" -j "$jobs" ${1:+--target "$@"}
