// Kernel lab of Ember's CUDA sum (STYLE.md "kernel lab"): versions of a full float32 sum side by
// side with the copy ceiling, each checked against a float64 sum on the host, timed on the same
// card. Prints one line per (size, version) and a PASS/FAIL line for issue 3's target.
//
// Napkin math: a sum of n float32 reads 4n bytes and writes one value; nothing to compute (one
// add per 4 bytes: 0.8 Tadd/s at 3.35 TB/s, far below an H100's FP32 or even FP64 rate, so
// accumulating in double is free). Its ceiling is the read bandwidth of HBM: an H100 SXM's
// 3.35 TB/s peak, about 90% of it in practice. A device-to-device copy moves 8n bytes (read +
// write) at about the same rate, so the target (sum >= 75% of the copy's GB/s, counting each as
// the bytes it moves) asks the reduction to stream its input at >= 75% of what a copy streams.
// What the sum must get right for that: 16-byte loads, several in flight per thread, enough
// blocks to fill every SM, and a second pass that costs nothing (4096 partials at most).
//
// Versions:
//   copy           cudaMemcpy device-to-device through Ember's copy_ (the ceiling)
//   cub            cub::DeviceReduce::Sum, float accumulation (the library reference)
//   ember          ember::sum: Ember's kernels (reduce_launch.cuh), double accumulation
//   ember_float    the same kernels with float accumulation
//   ember_1k       double accumulation, at most 1024 groups (fewer, longer blocks)
//   ember_scalar   ember::sum of a view one element off alignment (no 16-byte loads)
// Build: part of the CUDA build (bench/CMakeLists.txt); run: build/bench/ember_cuda_reduce_lab
// [elements...]; tools/gpu_check.sh runs it on the GPU machine.
#include <cub/device/device_reduce.cuh>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "ember/core/reduce.h"
#include "ember/ember.h"
#include "kernels/cuda/reduce_launch.cuh"

// A named namespace, not an unnamed one: a using-directive visible at global scope would make
// `cuda` ambiguous in the stubs nvcc generates for CUB's kernels (::cuda::std).
namespace ember_lab {

using namespace ember;
namespace cuda = ::ember::cuda;  // not libcu++'s ::cuda
using Clock = std::chrono::steady_clock;

// Median seconds of `reps` runs of f, each ended by a device synchronisation.
double median_seconds(int reps, const std::function<void()>& f) {
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    cuda::synchronize();
    const auto t0 = Clock::now();
    f();
    cuda::synchronize();
    t.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

// A full sum of x (1-D float32) into out through Ember's launcher with the given accumulator
// type and limits.
template <typename Acc>
void ember_sum_with(const Tensor& x, const Tensor& out, const cuda::ReduceLimits& limits) {
  const ReduceIter it = ::ember::detail::make_reduce_iter(x, 1, false, out, Tensor(), "lab");
  cuda::launch_reduce<float, float>(it, SumReduce<Acc>{}, "lab", limits);
}

struct Version {
  const char* name;
  std::function<void()> run;      // one sum (or copy)
  std::function<double()> value;  // the last run's result, read after timing
};

int run(int argc, char** argv) {
  if (!cuda::is_available()) {
    std::printf("no GPU: %s\n", cuda::unavailable_reason().c_str());
    return 0;
  }
  std::vector<int64_t> sizes;
  for (int i = 1; i < argc; ++i) sizes.push_back(std::atoll(argv[i]));
  if (sizes.empty()) sizes = {int64_t{1} << 22, int64_t{1} << 26, int64_t{1} << 28};
  const int reps = 30;
  bool pass = true;
  std::printf("%-12s %12s %10s %10s %12s\n", "version", "elements", "us", "GB/s", "rel.err");
  for (const int64_t n : sizes) {
    const auto opts = TensorOptions().device(kCUDA);
    const Tensor x = sub(rand({n + 1}, opts), 0.5);
    const Tensor aligned = x.slice(0, 0, n), shifted = x.slice(0, 1, n + 1);
    // The reference: a float64 sum on the host.
    const Tensor host = x.to(Device(kCPU));
    double reference = 0, reference_shifted = 0;
    const float* p = host.data_ptr<float>();
    for (int64_t i = 0; i < n; ++i) reference += p[i];
    reference_shifted = reference - p[0] + p[n];

    Tensor out = empty({}, opts), result, copy_dst = empty({n}, opts);
    size_t cub_bytes = 0;
    cub::DeviceReduce::Sum(nullptr, cub_bytes, aligned.data_ptr<float>(), out.data_ptr<float>(), n,
                           cuda::current_stream());
    const Tensor cub_temp = empty({static_cast<int64_t>(cub_bytes) + 1}, opts.dtype(kUInt8));
    const cuda::ReduceLimits thousand{.target_blocks = 1024, .max_groups = 1024};
    const auto out_value = [&] { return out.item<double>(); };
    const auto result_value = [&] { return result.item<double>(); };

    const std::vector<Version> versions{
        {"copy", [&] { copy_dst.copy_(aligned); }, [] { return 0.0; }},
        {"cub",
         [&] {
           cub::DeviceReduce::Sum(cub_temp.data_ptr(), cub_bytes, aligned.data_ptr<float>(),
                                  out.data_ptr<float>(), n, cuda::current_stream());
         },
         out_value},
        {"ember", [&] { result = sum(aligned); }, result_value},
        {"ember_float", [&] { ember_sum_with<float>(aligned, out, {}); }, out_value},
        {"ember_1k", [&] { ember_sum_with<double>(aligned, out, thousand); }, out_value},
        {"ember_scalar", [&] { result = sum(shifted); }, result_value},
    };
    double copy_gbs = 0, ember_gbs = 0;
    for (const Version& v : versions) {
      v.run();  // warm up
      const double t = median_seconds(reps, [&] { v.run(); });
      const bool is_copy = std::string(v.name) == "copy";
      const double bytes = (is_copy ? 8.0 : 4.0) * static_cast<double>(n);
      const double gbs = bytes / t / 1e9;
      double err = 0;
      if (!is_copy) {
        const double ref = std::string(v.name) == "ember_scalar" ? reference_shifted : reference;
        err = std::fabs(v.value() - ref) / std::max(1.0, std::fabs(ref));
      }
      if (is_copy) copy_gbs = gbs;
      if (std::string(v.name) == "ember") ember_gbs = gbs;
      std::printf("%-12s %12lld %10.1f %10.1f %12.2e\n", v.name, static_cast<long long>(n), t * 1e6,
                  gbs, err);
    }
    const bool ok = ember_gbs >= 0.75 * copy_gbs;
    if (n >= (int64_t{1} << 26)) pass = pass && ok;
    std::printf("sum %lld: %.1f GB/s = %.0f%% of copy %.1f GB/s (target >= 75%%)\n",
                static_cast<long long>(n), ember_gbs, 100 * ember_gbs / copy_gbs, copy_gbs);
  }
  std::printf("%s sum >= 75%% of device-to-device copy bandwidth (64M elements and up) on %s\n",
              pass ? "PASS" : "FAIL", cuda::device_name(0).c_str());
  return 0;
}

}  // namespace ember_lab

int main(int argc, char** argv) {
  return ember_lab::run(argc, argv);
}
