#!/usr/bin/env bash
# Fresh-machine run command: installs what is missing, builds the release preset and starts
# Lowbit Studio. Arguments go to the program. Without a display it runs under xvfb-run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh release lowbit-studio lowbit
bin=build/release/app/lowbit-studio
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ -z "${QT_QPA_PLATFORM:-}" ]; then
  echo "run.sh: no display found; starting under xvfb-run" >&2
  exec xvfb-run -a "$bin" "$@"
fi
exec "$bin" "$@"
