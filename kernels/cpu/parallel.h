// parallel_for: split [begin, end) into contiguous chunks over OpenMP threads when the range is
// large enough to pay for it. Chunks depend only on the range and the thread count, and every
// kernel that reduces combines per-chunk results in a fixed order (deterministic run to run).
#pragma once

#include <algorithm>
#include <cstdint>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace ember::cpu {

// Elements below which a point-wise loop stays on one thread.
inline constexpr int64_t kParallelGrain = 32768;

inline int max_threads() {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

inline bool in_parallel_region() {
#ifdef _OPENMP
  return omp_in_parallel();
#else
  return false;
#endif
}

// Calls f(chunk_begin, chunk_end) on disjoint chunks covering [begin, end).
template <typename F>
void parallel_for(int64_t begin, int64_t end, int64_t grain, const F& f) {
  const int64_t n = end - begin;
  if (n <= 0) return;
  int threads = max_threads();
  if (n <= grain || threads <= 1 || in_parallel_region()) {
    f(begin, end);
    return;
  }
  threads = static_cast<int>(std::min<int64_t>(threads, (n + grain - 1) / grain));
#ifdef _OPENMP
#pragma omp parallel num_threads(threads)
  {
    const int tid = omp_get_thread_num();
    const int nt = omp_get_num_threads();
    const int64_t chunk = (n + nt - 1) / nt;
    const int64_t b = begin + tid * chunk;
    const int64_t e = std::min(end, b + chunk);
    if (b < e) f(b, e);
  }
#else
  f(begin, end);
#endif
}

}  // namespace ember::cpu
