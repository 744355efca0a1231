#!/usr/bin/env bash
# README command (2): set up the machine, build everything (CUDA too when the toolkit is here) and
# run every test with ctest. Exits non-zero on any failure. CUDA tests skip when no GPU answers.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
build=${EMBER_BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release ${EMBER_CMAKE_ARGS:-}
cmake --build "$build" -j "$(nproc)"
ctest --test-dir "$build" --output-on-failure -j "$(nproc)" ${EMBER_CTEST_ARGS:-}
