#!/usr/bin/env bash
# Installs the build and test dependencies (Debian 12). Idempotent: does nothing when all
# packages are present, and skips `apt-get update` then.
set -euo pipefail

packages=(
  cmake g++ pkg-config ccache
  tao-pegtl-dev nlohmann-json3-dev libyaml-cpp-dev libyaml-dev
  libre2-dev libcli11-dev libfmt-dev libgtest-dev libbenchmark-dev
  libgmp-dev libssl-dev
  time python3
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "setup: all dependencies present"
  exit 0
fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
echo "setup: installing ${missing[*]}"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
