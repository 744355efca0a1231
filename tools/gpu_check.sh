#!/usr/bin/env bash
# Runs what only a GPU can check, on a GPU machine that has the CUDA toolkit, the NVIDIA driver
# and PyTorch but no package sources (shared GPU.md says what is there):
#
#   tools/gpu_check.sh pack   (here)  build Release with CUDA for sm_90 into build-gpu/ and bundle
#                                     the library, test, bench and sample programs and the
#                                     non-system runtime libraries into .gpu/bundle.tar.xz
#   tools/gpu_check.sh run    (there) unpack, run every test suite (their CUDA tests no longer
#                                     skip), compute-sanitizer memcheck over the CUDA suite and
#                                     racecheck over the kernels that use shared memory, then the
#                                     GPU benchmarks beside PyTorch on the same card; logs and
#                                     summary.md go to $OUT (default .gpu/out), summary last.
#
# The bundle travels with the working tree (carry .gpu); cuDNN, cuBLAS, NCCL and the CUDA runtime
# come from the GPU machine's own PyTorch wheels.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
mode=${1:-}

pack() {
  set -e
  local build=${EMBER_GPU_BUILD:-build-gpu}
  # EMBER_GPU_NOBUILD=1 packs an existing build folder as it is.
  if [[ -z ${EMBER_GPU_NOBUILD:-} ]]; then
    cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DEMBER_WITH_CUDA=ON \
      -DEMBER_CUDA_ARCHS=90 >/dev/null
    cmake --build "$build" -j "$(nproc)"
  fi
  local stage=.gpu/stage
  rm -rf "$stage" && mkdir -p "$stage/lib" "$stage/bin"
  cp -a "$build"/libember.so* "$stage/lib/"
  find "$build/tests" "$build/bench" "$build/samples" -maxdepth 1 2>/dev/null -type f -perm -u+x \
    -exec cp {} "$stage/bin/" \;
  # Runtime libraries that a bare GPU machine may lack (everything but glibc and CUDA's own).
  for f in "$stage"/lib/libember.so* "$stage"/bin/*; do ldd "$f" 2>/dev/null; done |
    awk '/=> \//{print $3}' | sort -u |
    grep -vE '/(libc|libm|libdl|librt|libpthread|ld-linux[^/]*)\.so|libcuda\.so|libcudart|libcublas|libcudnn|libnccl|libnvrtc|libnvJitLink' |
    while read -r lib; do cp -L "$lib" "$stage/lib/"; done
  for lib in "$stage"/lib/libopenblas*.so*; do ldd "$lib" | awk '/=> \//{print $3}'; done |
    grep -E 'gfortran|quadmath|gomp|gcc_s' | sort -u | while read -r lib; do cp -L "$lib" "$stage/lib/"; done
  tar -C "$stage" -cJf .gpu/bundle.tar.xz .
  rm -rf "$stage"
  du -h .gpu/bundle.tar.xz
}

run() {
  local out=${OUT:-$root/.gpu/out}
  mkdir -p "$out"
  local summary="$out/summary.md"
  local work=/tmp/ember-gpu
  rm -rf "$work" && mkdir -p "$work" && tar -C "$work" -xJf .gpu/bundle.tar.xz
  # CUDA libraries from PyTorch's wheels; the toolkit's own when present.
  local pylibs
  pylibs=$(python3 -c "import nvidia, os, glob; print(':'.join(sorted(glob.glob(os.path.join(os.path.dirname(nvidia.__path__[0]), 'nvidia', '*', 'lib')))))" 2>/dev/null)
  export LD_LIBRARY_PATH="$work/lib:${pylibs}:/usr/local/cuda/lib64:${LD_LIBRARY_PATH:-}"
  # Tests read golden files from the path they were built with.
  if [[ ! -e /work/main/tests/data ]]; then mkdir -p /work/main/tests && ln -s "$root/tests/data" /work/main/tests/data; fi
  local card
  card=$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -1)
  {
    echo "# GPU run: $(date -u +%Y-%m-%dT%H:%MZ)"
    echo
    echo "- card: $card"
    echo "- commit: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    echo "- torch: $(python3 -c 'import torch; print(torch.__version__, torch.version.cuda)' 2>&1)"
    echo
    echo "| check | result |"
    echo "| --- | --- |"
  } >"$summary"

  local suite
  for suite in "$work"/bin/ember_*_tests; do
    local name
    name=$(basename "$suite")
    timeout "${EMBER_SUITE_SECONDS:-150}" "$suite" --gtest_brief=1 >"$out/$name.log" 2>&1
    local rc=$?
    local counts
    counts=$(grep -E '^\[  (PASSED|FAILED|SKIPPED) ' "$out/$name.log" | tr '\n' ' ')
    echo "| $name | $([[ $rc == 0 ]] && echo ok || echo "FAILED rc=$rc") $counts |" >>"$summary"
  done

  if command -v compute-sanitizer >/dev/null; then
    timeout "${EMBER_MEMCHECK_SECONDS:-200}" compute-sanitizer --tool memcheck --error-exitcode 9 "$work/bin/ember_cuda_tests" \
      --gtest_brief=1 --gtest_filter='-*DeathTest*' >"$out/memcheck.log" 2>&1
    echo "| compute-sanitizer memcheck (ember_cuda_tests) | rc=$? $(grep -E 'ERROR SUMMARY' "$out/memcheck.log" | tail -1) |" >>"$summary"
    timeout "${EMBER_RACECHECK_SECONDS:-90}" compute-sanitizer --tool racecheck --error-exitcode 9 "$work/bin/ember_cuda_tests" \
      --gtest_brief=1 --gtest_filter='*Reduc*:*Softmax*:*CrossEntropy*:*Norm*:*Sort*:*Scan*:*Cumsum*:*ScatterAdd*:*Nonzero*' \
      >"$out/racecheck.log" 2>&1
    echo "| compute-sanitizer racecheck (shared-memory kernels) | rc=$? $(grep -E 'RACECHECK SUMMARY|ERROR SUMMARY' "$out/racecheck.log" | tail -1) |" >>"$summary"
  else
    echo "| compute-sanitizer | not found |" >>"$summary"
  fi

  # Benchmarks: Ember and PyTorch alternate, 3 rounds each.
  if [[ -x "$work/bin/ember_gpu_ops_bench" ]]; then
    for r in 1 2 3; do
      "$work/bin/ember_gpu_ops_bench" >>"$out/gpu_ops_ember.jsonl" 2>&1
      python3 bench/peers/pytorch_gpu_ops.py >>"$out/gpu_ops_torch.jsonl" 2>&1
    done
  fi
  # PyTorch's C++ API host overhead: build the peer against the wheel's libtorch.
  local torch_cmake
  torch_cmake=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)' 2>/dev/null)
  if [[ -n "$torch_cmake" ]]; then
    mkdir -p "$work/peer" && cat >"$work/peer/CMakeLists.txt" <<EOF
cmake_minimum_required(VERSION 3.18)
project(peer LANGUAGES CXX)
find_package(Torch REQUIRED)
add_executable(libtorch_gpu_overhead $root/bench/peers/libtorch_gpu_overhead.cpp)
target_link_libraries(libtorch_gpu_overhead PRIVATE \${TORCH_LIBRARIES})
set_property(TARGET libtorch_gpu_overhead PROPERTY CXX_STANDARD 17)
EOF
    (cmake -S "$work/peer" -B "$work/peer/build" -G Ninja -DCMAKE_PREFIX_PATH="$torch_cmake" \
      -DCMAKE_BUILD_TYPE=Release && cmake --build "$work/peer/build") >"$out/peer_build.log" 2>&1 &&
      for r in 1 2 3; do "$work/peer/build/libtorch_gpu_overhead" >>"$out/gpu_overhead_libtorch.jsonl" 2>&1; done
  fi
  for lab in "$work"/bin/*lab* "$work"/bin/ember_gpu_train_bench; do
    [[ -x "$lab" ]] || continue
    "$lab" >"$out/$(basename "$lab").log" 2>&1
    echo "| $(basename "$lab") | rc=$? (log in $(basename "$lab").log) |" >>"$summary"
  done
  python3 "$root/bench/summarize_gpu.py" "$out" >>"$summary" 2>&1 || true
  cat "$summary"
}

case "$mode" in
  pack) pack ;;
  run) run ;;
  *) echo "usage: tools/gpu_check.sh pack|run" >&2; exit 2 ;;
esac
