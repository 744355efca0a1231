#!/usr/bin/env bash
# Installs the peers Ember's benchmarks compare against (never needed to build or test Ember):
# Debian's libtorch (C++) and PyTorch 1.13 (python3-torch), with OpenBLAS's OpenMP flavour.
set -euo pipefail
packages=(libtorch-dev python3-torch libopenblas0-openmp python3-matplotlib)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo_cmd=()
  [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
