#!/usr/bin/env bash
# Installs the Debian 12 packages Riffle needs to build, run and test, if any are missing.
# Safe to run again: it does nothing when everything is there.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git clang clang-format libclang-rt-14-dev
  libboost-dev libsqlite3-dev sqlite3 nlohmann-json3-dev
  qt6-base-dev qt6-base-dev-tools libqt6svg6-dev libqcustomplot-dev
  libsimdjson-dev librdkafka-dev libmosquitto-dev libssl-dev openssl libre2-dev
  mosquitto mosquitto-clients kcat
  xvfb xauth
  default-jdk-headless maven
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing: ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
