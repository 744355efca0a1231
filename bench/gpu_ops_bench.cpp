// One round of the CUDA op timings behind issue 3's targets, printed as JSON: the device-to-device
// copy bandwidth (cudaMemcpy through Ember's copy_), add_out / mul_out / relu / sum on 64M float32
// elements (counting bytes read + written), and the host overhead per op (the time to enqueue a
// tiny add, launch included, kernel excluded: measured while the GPU drains the queue).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "ember/ember.h"

namespace {

using Clock = std::chrono::steady_clock;

// Median seconds of `reps` timed runs of f, each followed by a device synchronisation.
template <typename F>
double median_seconds(int reps, F&& f) {
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    ember::cuda::synchronize();
    auto t0 = Clock::now();
    f();
    ember::cuda::synchronize();
    t.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  using namespace ember;
  if (!cuda::is_available()) {
    std::printf("{\"error\": \"no GPU: %s\"}\n", cuda::unavailable_reason().c_str());
    return 0;
  }
  const int64_t n = argc > 1 ? std::atoll(argv[1]) : (int64_t{1} << 26);
  const int reps = argc > 2 ? std::atoi(argv[2]) : 30;
  const auto opts = TensorOptions().device(kCUDA);
  Tensor x = rand({n}, opts), y = rand({n}, opts), out = empty({n}, opts);
  const double bytes = static_cast<double>(n) * sizeof(float);

  // Warm up every path once.
  out.copy_(x);
  add_out(out, x, y);
  volatile float sink = sum(x).item<float>();
  (void)sink;

  const double copy = median_seconds(reps, [&] { out.copy_(x); });
  const double add_t = median_seconds(reps, [&] { add_out(out, x, y); });
  const double mul_t = median_seconds(reps, [&] { mul_out(out, x, y); });
  const double relu_t = median_seconds(reps, [&] { relu_out(out, x); });
  const double sum_t = median_seconds(reps, [&] { Tensor s = sum(x); });

  // Host overhead: enqueue many tiny adds; the host time per op is the launch path alone as long
  // as the GPU keeps up (each tiny kernel takes ~2 us on the device).
  Tensor a = ones({1}, opts), b = ones({1}, opts);
  for (int i = 0; i < 1000; ++i) Tensor c = add(a, b);
  cuda::synchronize();
  const int calls = 20000;
  std::vector<double> per_call;
  for (int r = 0; r < 7; ++r) {
    auto t0 = Clock::now();
    for (int i = 0; i < calls; ++i) Tensor c = add(a, b);
    per_call.push_back(std::chrono::duration<double>(Clock::now() - t0).count() / calls);
    cuda::synchronize();
  }
  std::sort(per_call.begin(), per_call.end());

  std::printf(
      "{\"device\": \"%s\", \"n\": %lld, \"copy_gbs\": %.1f, \"add_out_gbs\": %.1f, "
      "\"mul_out_gbs\": %.1f, \"relu_out_gbs\": %.1f, \"sum_gbs\": %.1f, \"host_overhead_us\": %.3f}\n",
      cuda::device_name(0).c_str(), static_cast<long long>(n), 2 * bytes / copy / 1e9,
      3 * bytes / add_t / 1e9, 3 * bytes / mul_t / 1e9, 2 * bytes / relu_t / 1e9,
      bytes / sum_t / 1e9, per_call[per_call.size() / 2] * 1e6);
  return 0;
}
