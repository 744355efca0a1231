// The libtorch side of the dispatch-overhead target: per-call time of a 1-element torch::add
// (grad mode on, inputs not requiring grad), printed as JSON like cpu_ops_bench.
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

int main() {
  torch::set_num_threads(2);
  auto a = torch::ones({1}), b = torch::ones({1});
  const int calls = 200000;
  for (int i = 0; i < calls / 10; ++i) auto c = torch::add(a, b);
  std::vector<double> t;
  for (int r = 0; r < 7; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < calls; ++i) auto c = torch::add(a, b);
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  std::printf("{\"libtorch_dispatch_add_ns\": %.2f}\n", t[t.size() / 2] / calls * 1e9);
  return 0;
}
