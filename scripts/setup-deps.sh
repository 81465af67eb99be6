#!/usr/bin/env bash
# Installs the Debian 12 packages Lowbit Studio needs to build, test and run, but only those missing,
# so a second run costs a dpkg query and nothing else. Used by run.sh, test.sh and .ci/run.
set -euo pipefail

PACKAGES=(
  g++ cmake ninja-build pkg-config
  qt6-base-dev qt6-base-dev-tools libqt6sql6-sqlite qt6-charts-dev qt6-svg-dev
  qt6-declarative-dev qml6-module-qtquick qml6-module-qtquick-controls qml6-module-qtquick-templates
  qml6-module-qtquick-layouts qml6-module-qtquick-window qml6-module-qtqml-workerscript qml6-module-qtcharts
  qml6-module-qtquick-dialogs qml6-module-qt-labs-platform qml6-module-qttest qml6-module-qt-labs-settings
  qml6-module-qtqml-models qml6-module-qtquick-shapes qml6-module-qtcore qml6-module-qtqml
  libvulkan-dev mesa-vulkan-drivers glslang-tools spirv-tools vulkan-tools
  libhwy-dev libpcre2-dev nlohmann-json3-dev libbenchmark-dev
  xvfb xauth xdotool imagemagick fonts-dejavu-core fonts-wqy-microhei
)

missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "setup-deps: installing ${#missing[@]} missing package(s): ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "setup-deps: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
