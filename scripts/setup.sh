#!/usr/bin/env bash
# Installs the build and test dependencies (Debian 12). Idempotent: does nothing when all
# packages are present, and skips `apt-get update` then.
set -euo pipefail

packages=(
  cmake g++ pkg-config ccache
  libyaml-dev
  libre2-dev libcli11-dev libfmt-dev libgtest-dev libbenchmark-dev
  libgmp-dev libssl-dev libabsl-dev
  time python3 python3-yaml libxml2-utils yamllint
  # libFuzzer for the fuzz targets (scripts/fuzz.sh): clang and its runtime libraries.
  clang libclang-rt-14-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "setup: all Debian packages present"
else
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The reference validators of our outputs (SARIF multitool, kubernetes-models, Ajv) come
# from npm. They are optional: without node, or offline, the tests that use them say so and
# skip.
tools="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/tools"
if command -v npm >/dev/null 2>&1; then
  if [[ ! -x $tools/node_modules/.bin/sarif-multitool || ! -d $tools/node_modules/kubernetes-models ||
        ! -d $tools/node_modules/ajv ]]; then
    echo "setup: installing the output validators (npm ci in tests/tools)"
    (cd "$tools" && npm ci --no-audit --no-fund --loglevel=error) ||
      echo "setup: npm ci failed; the validator tests will skip"
  fi
  multitool="$tools/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"
  if [[ -f $multitool ]]; then chmod u+x "$multitool"; fi
else
  echo "setup: node/npm not found; the validator tests will skip"
fi
