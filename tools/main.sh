#!/usr/bin/env bash
# README command (1): set up the machine, build Release and run the main job on the best device.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
build=${EMBER_BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release ${EMBER_CMAKE_ARGS:-}
cmake --build "$build" -j "$(nproc)" --target tensor_tour
"$build/samples/tensor_tour" "$@"
