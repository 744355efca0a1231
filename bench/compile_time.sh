#!/usr/bin/env bash
# Compile cost of the public header: g++ -O0 of a user file that includes <ember/ember.h> and
# makes one tensor, 7 runs, against the 2.5 s target (issue 2). The figure is the median CPU time
# (user + sys) of the single-threaded compiler, which equals its wall time on an idle machine and
# stays meaningful on a busy one; the median wall time is printed beside it.
# usage: bench/compile_time.sh [build_dir]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
[[ -d $build/include/ember ]] || { echo "configure $build first (cmake -S . -B $build)"; exit 1; }
cpu=() wall=() mem=0
for _ in 1 2 3 4 5 6 7; do
  read -r e u s m < <({ /usr/bin/time -f "%e %U %S %M" g++ -std=c++20 -O0 -I"$build/include" \
    -c "$root/bench/compile_time/one_tensor.cpp" -o /tmp/ember_one_tensor.o; } 2>&1 | tail -1)
  cpu+=("$(echo "$u + $s" | bc -l)")
  wall+=("$e")
  mem=$m
done
cpu_median=$(printf '%s\n' "${cpu[@]}" | sort -n | sed -n 4p)
wall_median=$(printf '%s\n' "${wall[@]}" | sort -n | sed -n 4p)
verdict=$(echo "$cpu_median <= 2.5" | bc -l)
printf '%s  compile <ember/ember.h> + one tensor at -O0: median %.2f s CPU (%.2f s wall), %s KB peak (target <= 2.5 s)\n' \
  "$([[ $verdict == 1 ]] && echo PASS || echo FAIL)" "$cpu_median" "$wall_median" "$mem"
