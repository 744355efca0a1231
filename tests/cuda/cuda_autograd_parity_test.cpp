// Gradients on CUDA against gradients on the CPU: the same float32 function of the same inputs,
// differentiated by autograd on each device (point-wise ops, broadcasting, views, reductions,
// indexing, matrix products, convolution, pooling, normalization, losses), and a small CNN's
// parameter gradients after one backward. Skips without a GPU.
#include <functional>
#include <string>

#include "cuda/cuda_test_util.h"

namespace ember {
namespace {

using Fn = std::function<Tensor(const std::vector<Tensor>&)>;

struct Case {
  std::string name;
  Fn fn;
  std::vector<std::vector<int64_t>> shapes;
  double lo = -1, hi = 1;
};

// Gradients of sum(fn(inputs) * weights) with respect to every input, on one device.
std::vector<Tensor> gradients_on(Device device, const Case& c, const std::vector<Tensor>& host_inputs,
                                 const Tensor& host_weights_seed) {
  std::vector<Tensor> inputs;
  for (const Tensor& h : host_inputs) inputs.push_back(h.to(device).requires_grad_());
  Tensor out = c.fn(inputs);
  // A fixed weighting so every output element matters differently.
  Tensor w = host_weights_seed.reshape({-1}).narrow(0, 0, out.numel()).reshape(out.sizes()).to(device);
  (out * w).sum().backward();
  std::vector<Tensor> g;
  for (const Tensor& in : inputs) g.push_back(in.grad().defined() ? in.grad().cpu() : Tensor());
  return g;
}

std::vector<Case> cases() {
  auto t = [](const char* n, Fn f, std::vector<std::vector<int64_t>> s, double lo = -1, double hi = 1) {
    return Case{n, std::move(f), std::move(s), lo, hi};
  };
  const Tensor idx = tensor({2, 0, 1, 2});
  const Tensor targets = tensor({1, 0, 3, 2, 1});
  return {
      t("mul broadcast", [](auto& x) { return x[0] * x[1] + x[0].exp(); }, {{4, 5}, {5}}),
      t("div log sqrt", [](auto& x) { return (x[0] / x[1]).log() + x[1].sqrt(); }, {{3, 4}, {3, 4}}, 0.5, 2),
      t("activations", [](auto& x) { return x[0].relu() + x[0].sigmoid() + x[0].tanh() + x[0].gelu(); }, {{64, 33}}),
      t("views", [](auto& x) { return x[0].t().reshape({-1, 2}).slice(0, 1, 7, 2).expand({3, 3, 2}); }, {{4, 3}}),
      t("reductions", [](auto& x) { return x[0].sum({1}) + x[0].mean({1}) + x[0].amax({1}) + x[0].std({1}); }, {{6, 130}}),
      t("logsumexp norm", [](auto& x) { return x[0].logsumexp({0}) + x[0].norm(2, {0}); }, {{37, 9}}),
      t("cumsum cat", [](auto& x) { return cat({x[0].cumsum(1), x[1]}, 1); }, {{3, 5}, {3, 2}}),
      t("index_select gather", [idx](auto& x) { return x[0].index_select(1, idx) + x[0].gather(1, idx.expand({3, 4})); }, {{3, 3}}),
      t("sort topk", [](auto& x) { return std::get<0>(x[0].sort(1)) + std::get<0>(x[0].topk(8, 1)); }, {{3, 8}}),
      t("matmul linear", [](auto& x) { return linear(matmul(x[0], x[1]), x[2], x[3]); }, {{2, 5, 6}, {6, 7}, {3, 7}, {3}}),
      t("conv2d", [](auto& x) { return conv2d(x[0], x[1], x[2], 1, 1); }, {{2, 3, 9, 9}, {4, 3, 3, 3}, {4}}),
      t("conv2d strided groups", [](auto& x) { return conv2d(x[0], x[1], {}, 2, 0, 1, 2); }, {{1, 4, 8, 8}, {6, 2, 3, 3}}),
      t("pooling", [](auto& x) { return max_pool2d(x[0], {2, 2}).sum({1}) + avg_pool2d(x[0], {2, 2}).sum({1}) + adaptive_avg_pool2d(x[0], {2, 2}).sum({1}).mean(); }, {{2, 3, 8, 8}}),
      t("batch_norm", [](auto& x) { return batch_norm(x[0], x[1], x[2], {}, {}, true); }, {{8, 4, 3, 3}, {4}, {4}}),
      t("layer_norm", [](auto& x) { return layer_norm(x[0], {16}, x[1], x[2]); }, {{5, 16}, {16}, {16}}),
      t("softmax log_softmax", [](auto& x) { return softmax(x[0], 1) + log_softmax(x[0], 1); }, {{5, 11}}),
      t("cross_entropy", [targets](auto& x) { return cross_entropy(x[0], targets, {}, Reduction::Mean, -100, 0.1); }, {{5, 4}}),
      t("nll mse bce", [targets](auto& x) {
          return nll_loss(log_softmax(x[0], 1), targets) + mse_loss(x[0], x[1]) +
                 binary_cross_entropy_with_logits(x[0], x[1].sigmoid());
        }, {{5, 4}, {5, 4}}),
      t("embedding", [](auto& x) { return embedding(x[0], tensor({{1, 3}, {3, 0}})); }, {{4, 6}}),
  };
}

TEST(CudaAutogradParity, GradientsMatchTheCpu) {
  EMBER_REQUIRE_CUDA();
  testing::FreshRandom rnd;
  for (const Case& c : cases()) {
    std::vector<Tensor> host;
    for (const auto& s : c.shapes) host.push_back(rnd.uniform(s, kFloat32, c.lo, c.hi));
    Tensor seed = rnd.uniform({4096}, kFloat32, 0.5, 1.5);
    auto cpu = gradients_on(Device(kCPU), c, host, seed);
    auto gpu = gradients_on(Device(kCUDA, 0), c, host, seed);
    for (size_t i = 0; i < cpu.size(); ++i) {
      ASSERT_EQ(cpu[i].defined(), gpu[i].defined()) << c.name << " input " << i;
      if (!cpu[i].defined()) continue;
      EXPECT_TRUE(testing::all_close(gpu[i], cpu[i], 1e-4, 1e-5)) << c.name << " input " << i;
    }
  }
}

TEST(CudaAutogradParity, SmallCnnTrainingStepMatchesTheCpu) {
  EMBER_REQUIRE_CUDA();
  auto run = [](Device device) {
    manual_seed(11);
    Tensor x = randn({4, 1, 12, 12});
    Tensor w1 = randn({8, 1, 3, 3}) * 0.3, w2 = randn({10, 200}) * 0.1;
    std::vector<Tensor> params{w1.to(device).requires_grad_(), w2.to(device).requires_grad_()};
    Tensor h = max_pool2d(relu(conv2d(x.to(device), params[0])), {2, 2});
    Tensor loss = cross_entropy(linear(h.flatten(1), params[1]), tensor({1, 2, 3, 4}).to(device));
    loss.backward();
    return std::vector<Tensor>{loss.cpu(), params[0].grad().cpu(), params[1].grad().cpu()};
  };
  auto cpu = run(Device(kCPU));
  auto gpu = run(Device(kCUDA, 0));
  for (size_t i = 0; i < cpu.size(); ++i) EXPECT_TRUE(testing::all_close(gpu[i], cpu[i], 1e-4, 1e-6)) << i;
}

}  // namespace
}  // namespace ember
