#!/usr/bin/env bash
# Fresh-machine test command: installs what is missing, builds the `ci` preset (warnings are errors)
# and runs the whole ctest suite. Extra arguments go to ctest (e.g. -R gguf).
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${LOWBIT_PRESET:-ci}
scripts/build.sh "$preset"
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$(mktemp -d)}
chmod 700 "$XDG_RUNTIME_DIR"
cd "build/$preset"
ctest --output-on-failure -j "${LOWBIT_TEST_JOBS:-2}" "$@"
