// One round of the CPU op timings behind issue 2's targets, printed as JSON (one object):
// per-call time of a 1-element add through the public API (dispatch overhead), and the rate of
// add_out / mul_out / sum / allocating x + y on 16M float32 elements, beside the machine's copy
// bandwidth measured the same way. bench/run_cpu_targets.py interleaves rounds with PyTorch's.
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <vector>

#include "ember/ember.h"

namespace {

using Clock = std::chrono::steady_clock;

template <typename F>
double median_seconds(int reps, F&& f) {
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    auto t0 = Clock::now();
    f();
    t.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  using namespace ember;
  const int64_t n = argc > 1 ? std::atoll(argv[1]) : (int64_t{1} << 24);
  const int reps = argc > 2 ? std::atoi(argv[2]) : 15;

  // Dispatch overhead: 1-element add, grad mode on, inputs not requiring grad.
  Tensor a1 = ones({1}), b1 = ones({1});
  const int calls = 200000;
  for (int i = 0; i < calls / 10; ++i) Tensor c = add(a1, b1);
  const double dispatch = median_seconds(7, [&] {
    for (int i = 0; i < calls; ++i) Tensor c = add(a1, b1);
  }) / calls;

  Tensor x = rand({n}), y = rand({n}), out = empty({n});
  // The machine's copy bandwidth: a plain OpenMP copy loop over the same buffers.
  float* dst = out.data_ptr<float>();
  const float* src = x.data_ptr<float>();
  const double copy = median_seconds(reps, [&] {
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; ++i) dst[i] = src[i];
  });
  const double add_out_t = median_seconds(reps, [&] { add_out(out, x, y); });
  const double mul_out_t = median_seconds(reps, [&] { mul_out(out, x, y); });
  volatile float sink = 0;
  const double sum_t = median_seconds(reps, [&] { sink = sum(x).item<float>(); });
  const double add_alloc_t = median_seconds(reps, [&] { Tensor z = x + y; });
  (void)sink;

  const double bytes = static_cast<double>(n) * sizeof(float);
  std::printf(
      "{\"threads\": %d, \"n\": %lld, \"dispatch_add_ns\": %.2f, \"copy_gbs\": %.3f, "
      "\"add_out_gbs\": %.3f, \"mul_out_gbs\": %.3f, \"sum_gbs\": %.3f, \"add_alloc_gbs\": %.3f}\n",
      omp_get_max_threads(), static_cast<long long>(n), dispatch * 1e9, 2 * bytes / copy / 1e9,
      3 * bytes / add_out_t / 1e9, 3 * bytes / mul_out_t / 1e9, bytes / sum_t / 1e9,
      3 * bytes / add_alloc_t / 1e9);
  return 0;
}
