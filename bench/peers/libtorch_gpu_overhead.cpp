// Host overhead per CUDA op of PyTorch's C++ API (launch included, kernel excluded): the time to
// enqueue a tiny torch::add on CUDA tensors, like bench/gpu_ops_bench.cpp measures for Ember.
// Built on the GPU machine against the pip torch there (tools/gpu_check.sh).
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

int main() {
  auto a = torch::ones({1}, torch::kCUDA), b = torch::ones({1}, torch::kCUDA);
  for (int i = 0; i < 1000; ++i) auto c = torch::add(a, b);
  torch::cuda::synchronize();
  const int calls = 20000;
  std::vector<double> per_call;
  for (int r = 0; r < 7; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < calls; ++i) auto c = torch::add(a, b);
    per_call.push_back(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / calls);
    torch::cuda::synchronize();
  }
  std::sort(per_call.begin(), per_call.end());
  std::printf("{\"libtorch_host_overhead_us\": %.3f}\n", per_call[per_call.size() / 2] * 1e6);
  return 0;
}
