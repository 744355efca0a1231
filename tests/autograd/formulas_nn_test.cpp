// gradcheck (float64, finite differences) of the neural-network ops through autograd: matrix
// products (with double backward), convolution, pooling, normalization, softmax, every loss,
// dropout and embedding; and a small MLP + CNN trained one step.
#include "support/test_util.h"

namespace ember {
namespace {

using autograd::gradcheck;
using autograd::gradgradcheck;
using Fn = std::function<Tensor(const std::vector<Tensor>&)>;

Tensor input(IntArrayRef sizes, double lo = -1, double hi = 1) {
  return testing::random_tensor(sizes, kFloat64, lo, hi).requires_grad_();
}

void check(const std::string& name, const Fn& fn, const std::vector<Tensor>& inputs,
           bool double_backward = false) {
  auto r = gradcheck(fn, inputs);
  EXPECT_TRUE(r.ok) << name << ": " << r.message;
  if (double_backward) {
    auto rr = gradgradcheck(fn, inputs);
    EXPECT_TRUE(rr.ok) << name << " (double backward): " << rr.message;
  }
}

TEST(GradcheckNn, MatrixProducts) {
  check(
      "mm", [](const auto& x) { return mm(x[0], x[1]); }, {input({3, 4}), input({4, 2})}, true);
  check("mm transposed", [](const auto& x) { return mm(x[0].t(), x[1]); },
        {input({4, 3}), input({4, 2})});
  check(
      "bmm", [](const auto& x) { return bmm(x[0], x[1]); }, {input({2, 3, 4}), input({2, 4, 2})},
      true);
  check(
      "matmul vec-mat", [](const auto& x) { return matmul(x[0], x[1]); },
      {input({4}), input({4, 3})}, true);
  check("matmul mat-vec", [](const auto& x) { return matmul(x[0], x[1]); },
        {input({3, 4}), input({4})});
  check("matmul dot", [](const auto& x) { return matmul(x[0], x[1]); }, {input({4}), input({4})});
  check(
      "matmul broadcast", [](const auto& x) { return matmul(x[0], x[1]); },
      {input({2, 1, 3, 4}), input({5, 4, 2})}, true);
  check("addmm", [](const auto& x) { return addmm(x[0], x[1], x[2], 0.5, 2.0); },
        {input({2}), input({3, 4}), input({4, 2})});
  check("linear", [](const auto& x) { return linear(x[0], x[1], x[2]); },
        {input({2, 3, 4}), input({5, 4}), input({5})});
  check("linear no bias", [](const auto& x) { return linear(x[0], x[1]); },
        {input({3, 4}), input({2, 4})});
}

TEST(GradcheckNn, ConvolutionAndPooling) {
  check("conv2d", [](const auto& x) { return conv2d(x[0], x[1], x[2], 1, 1); },
        {input({2, 2, 5, 5}), input({3, 2, 3, 3}), input({3})});
  check("conv2d stride dilation groups",
        [](const auto& x) {
          return conv2d(x[0], x[1], {}, {2, 1}, {1, 0}, {1, 2}, 2);
        },
        {input({1, 4, 6, 7}), input({2, 2, 3, 2})});
  check("max_pool2d",
        [](const auto& x) {
          return max_pool2d(x[0], {2, 2});
        },
        {input({1, 2, 4, 6})});
  check("max_pool2d padded",
        [](const auto& x) {
          return max_pool2d(x[0], {3, 3}, {2, 2}, {1, 1});
        },
        {input({1, 1, 5, 5})});
  check("avg_pool2d",
        [](const auto& x) {
          return avg_pool2d(x[0], {2, 3}, {1, 2}, {1, 1});
        },
        {input({1, 2, 5, 6})});
  check("adaptive_avg_pool2d",
        [](const auto& x) {
          return adaptive_avg_pool2d(x[0], {2, 3});
        },
        {input({1, 2, 5, 7})});
}

TEST(GradcheckNn, NormalizationAndSoftmax) {
  Tensor rm = zeros({3}, kFloat64), rv = ones({3}, kFloat64);
  check("batch_norm train",
        [&](const auto& x) { return batch_norm(x[0], x[1], x[2], rm, rv, true); },
        {input({4, 3, 2, 2}), input({3}), input({3})});
  check("batch_norm eval",
        [&](const auto& x) { return batch_norm(x[0], x[1], x[2], rm, rv, false); },
        {input({4, 3, 2}), input({3}), input({3})});
  check("layer_norm", [](const auto& x) { return layer_norm(x[0], {4}, x[1], x[2]); },
        {input({2, 3, 4}), input({4}), input({4})});
  check("softmax", [](const auto& x) { return softmax(x[0], 1); }, {input({3, 4})});
  check("log_softmax", [](const auto& x) { return log_softmax(x[0], 0); }, {input({3, 4})});
}

TEST(GradcheckNn, Losses) {
  Tensor t = tensor({0, 2, 1, 2});
  Tensor w = tensor({1.0, 0.5, 2.0}, kFloat64);
  for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None}) {
    const std::string k = r == Reduction::Mean ? " mean" : r == Reduction::Sum ? " sum" : " none";
    check("cross_entropy" + k, [=](const auto& x) { return cross_entropy(x[0], t, w, r, 1, 0.1); },
          {input({4, 3})});
    check("nll_loss" + k, [=](const auto& x) { return nll_loss(log_softmax(x[0], 1), t, w, r); },
          {input({4, 3})});
    check("mse" + k, [=](const auto& x) { return mse_loss(x[0], x[1], r); },
          {input({3, 2}), input({3, 2})});
    check("l1" + k, [=](const auto& x) { return l1_loss(x[0], x[1], r); },
          {input({3, 2}), input({3, 2}, 2, 3)});
    check("smooth_l1" + k, [=](const auto& x) { return smooth_l1_loss(x[0], x[1], r, 0.5); },
          {input({3, 2}), input({3, 2})});
    Tensor target = testing::random_tensor({3, 2}, kFloat64, 0, 1);
    check("bce" + k, [=](const auto& x) { return binary_cross_entropy(x[0], target, {}, r); },
          {input({3, 2}, 0.1, 0.9)});
    // pos_weight (like weight and target) is a constant of the loss, as in PyTorch 1.13.
    Tensor pos_weight = testing::random_tensor({2}, kFloat64, 0.5, 2);
    check("bce_logits" + k,
          [=](const auto& x) {
            return binary_cross_entropy_with_logits(x[0], target, {}, pos_weight, r);
          },
          {input({3, 2})});
  }
}

TEST(GradcheckNn, DropoutAndEmbedding) {
  // Same seed before each evaluation: the same mask every time (finite differences need that).
  check("dropout",
        [](const auto& x) {
          manual_seed(7);
          return dropout(x[0], 0.3, true);
        },
        {input({4, 5})});
  Tensor idx = tensor({{1, 3}, {3, 0}});
  check("embedding", [=](const auto& x) { return embedding(x[0], idx); }, {input({4, 3})});
  // padding_idx: that row gets no gradient (by definition, not the derivative).
  Tensor w = input({4, 3});
  embedding(w, idx, 3).sum().backward();
  EXPECT_EQ(testing::values(w.grad()), (std::vector<double>{1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0}));
}

TEST(AutogradNn, SmallCnnGradientsReachEveryParameter) {
  manual_seed(3);
  Tensor x = randn({2, 1, 8, 8});
  Tensor w1 = (randn({4, 1, 3, 3}) * 0.3).requires_grad_(), b1 = zeros({4}).requires_grad_();
  Tensor w2 = (randn({10, 36}) * 0.1).requires_grad_(), b2 = zeros({10}).requires_grad_();
  Tensor h = max_pool2d(relu(conv2d(x, w1, b1)), {2, 2});
  Tensor logits = linear(h.flatten(1), w2, b2);
  Tensor loss = cross_entropy(logits, tensor({3, 7}));
  loss.backward();
  for (const Tensor& p : {w1, b1, w2, b2}) {
    ASSERT_TRUE(p.grad().defined());
    EXPECT_EQ(p.grad().sizes(), p.sizes());
    EXPECT_GT(p.grad().abs().sum().item<double>(), 0.0);
  }
  EXPECT_EQ(loss.grad_fn()->name(), "CrossEntropyLossBackward");
}

}  // namespace
}  // namespace ember
