// Gradients through modules: every parameter of a model that uses every layer receives a
// gradient after one backward; the unregistered-submodule trap shown from the optimizer's side;
// clip_grad_norm_ and clip_grad_value_ against hand-computed norms.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "ember/nn/nn.h"
#include "support/test_util.h"

namespace ember::nn {
namespace {

using ember::testing::all_close;
using ember::testing::random_tensor;
using ember::testing::throws_with;
using ember::testing::values;

// Uses every layer with parameters or modes, so that a missing gradient anywhere shows.
struct EverythingNetImpl : Module {
  EverythingNetImpl() {
    embed = register_module("embed", Embedding(10, 4));
    conv = register_module(
        "conv",
        Sequential(Conv2d(Conv2dOptions(1, 3, 3).padding(1)), BatchNorm2d(3), LeakyReLU(),
                   MaxPool2d(2), AvgPool2d(AvgPool2dOptions(1)), AdaptiveAvgPool2d(2), Flatten()));
    head = register_module(
        "head", Sequential(Linear(12 + 4, 8), BatchNorm1d(8), GELU(), Dropout(0.1),
                           LayerNorm(LayerNormOptions({8})), Tanh(),
                           Linear(LinearOptions(8, 3).bias(false)), Sigmoid(), Identity()));
  }
  Tensor forward(const Tensor& image, const Tensor& token) {
    Tensor features = cat({conv->forward(image), embed(token)}, 1);
    return head->forward(features);
  }
  Embedding embed{nullptr};
  Sequential conv{nullptr}, head{nullptr};
};
EMBER_MODULE(EverythingNet);

TEST(Gradients, EveryParameterReceivesAGradient) {
  EverythingNet net;
  Tensor image = random_tensor({4, 1, 8, 8});
  Tensor token = tensor({1, 5, 9, 0});
  Tensor target = tensor({0, 2, 1, 2});
  Tensor loss = functional::cross_entropy(net(image, token), target);
  loss.backward();
  const auto params = net->named_parameters();
  EXPECT_EQ(params.size(), 12u);
  for (const auto& p : params) {
    ASSERT_TRUE(p.value().grad().defined()) << p.key() << " has no gradient";
    EXPECT_EQ(p.value().grad().sizes().vec(), p.value().sizes().vec()) << p.key();
    double sum = 0.0;
    for (double g : values(p.value().grad())) sum += std::fabs(g);
    EXPECT_GT(sum, 0.0) << p.key() << " has an all-zero gradient";
  }
  net->zero_grad();
  for (const Tensor& p : net->parameters()) EXPECT_FALSE(p.grad().defined());
}

TEST(Gradients, AnUnregisteredSubmoduleIsInvisibleToTraining) {
  // With the construction check turned off, the forgotten layer's weights get gradients but are
  // not among parameters(), so an optimizer built from parameters() would never update them.
  struct LeakyImpl : Module {
    LeakyImpl() {
      used = register_module("used", Linear(3, 3));
      forgotten = Linear(3, 1);
    }
    Tensor forward(const Tensor& x) { return forgotten(used(x)); }
    Linear used{nullptr}, forgotten{nullptr};
  };
  set_unregistered_module_check(false);
  auto net = make_module<LeakyImpl>();
  set_unregistered_module_check(true);
  net->forward(random_tensor({2, 3})).sum().backward();
  EXPECT_TRUE(net->forgotten->weight.grad().defined());
  for (const Tensor& p : net->parameters()) {
    EXPECT_FALSE(p.is_same(net->forgotten->weight));
  }
  EXPECT_EQ(net->parameters().size(), 2u);
}

TEST(ClipGrad, NormScalesAllGradientsTogether) {
  Tensor a = zeros({2, 2}).requires_grad_(), b = zeros({3}).requires_grad_();
  Tensor c = zeros({1}).requires_grad_();  // no gradient: skipped
  a.mutable_grad() = tensor({{3.0, 0.0}, {0.0, 4.0}}, kFloat32);
  b.mutable_grad() = tensor({12.0, 0.0, 0.0}, kFloat32);
  const double total = utils::clip_grad_norm_({a, b, c}, 6.5);
  EXPECT_NEAR(total, 13.0, 1e-5);
  const double scale = 6.5 / (13.0 + 1e-6);
  EXPECT_TRUE(all_close(a.grad(), {3 * scale, 0, 0, 4 * scale}, 1e-6));
  EXPECT_TRUE(all_close(b.grad(), {12 * scale, 0, 0}, 1e-6));
  EXPECT_FALSE(c.grad().defined());

  // Below the limit nothing changes.
  EXPECT_NEAR(utils::clip_grad_norm_({a, b}, 100.0), 6.5, 1e-5);
  EXPECT_TRUE(all_close(a.grad(), {3 * scale, 0, 0, 4 * scale}, 1e-6));

  // Other norms: 1 and infinity.
  a.mutable_grad() = tensor({{-1.0, 2.0}, {3.0, -4.0}}, kFloat32);
  b.mutable_grad() = tensor({5.0, 0.0, -6.0}, kFloat32);
  EXPECT_NEAR(utils::clip_grad_norm_({a, b}, 1e9, 1.0), 21.0, 1e-5);
  EXPECT_NEAR(utils::clip_grad_norm_({a, b}, 3.0, std::numeric_limits<double>::infinity()), 6.0,
              1e-6);
  EXPECT_TRUE(all_close(b.grad(), {2.5, 0.0, -3.0}, 1e-6));

  // Mixed dtypes accumulate in float64; one tensor forms work.
  Tensor d = zeros({2}, kFloat64).requires_grad_();
  d.mutable_grad() = tensor({6.0, 8.0}, kFloat64);
  EXPECT_DOUBLE_EQ(utils::clip_grad_norm_(d, 1e9), 10.0);
  EXPECT_EQ(utils::clip_grad_norm_(std::vector<Tensor>{c}, 1.0), 0.0);
}

TEST(ClipGrad, NonFiniteNormsAndValues) {
  Tensor a = zeros({2}).requires_grad_();
  a.mutable_grad() = tensor({std::numeric_limits<double>::infinity(), 1.0}, kFloat32);
  EXPECT_TRUE(throws_with<ValueError>(
      [&] { utils::clip_grad_norm_(a, 1.0, 2.0, /*error_if_nonfinite=*/true); },
      {"clip_grad_norm_", "inf", "error_if_nonfinite"}));
  EXPECT_TRUE(std::isinf(values(a.grad())[0]));  // not scaled when the check throws
  EXPECT_TRUE(std::isinf(utils::clip_grad_norm_(a, 1.0)));

  Tensor b = zeros({4}).requires_grad_();
  b.mutable_grad() = tensor({-3.0, -0.5, 0.25, 9.0}, kFloat32);
  utils::clip_grad_value_(b, 1.0);
  EXPECT_EQ(values(b.grad()), (std::vector<double>{-1.0, -0.5, 0.25, 1.0}));
  EXPECT_TRUE(throws_with<ValueError>([&] { utils::clip_grad_value_(b, -1.0); },
                                      {"clip_grad_value_", "-1"}));
}

TEST(ClipGrad, OnAModelsParameters) {
  Sequential net(Linear(4, 8), ReLU(), Linear(8, 2));
  functional::mse_loss(net(random_tensor({16, 4})), random_tensor({16, 2})).backward();
  double expected = 0.0;
  for (const Tensor& p : net->parameters()) {
    for (double g : values(p.grad())) expected += g * g;
  }
  expected = std::sqrt(expected);
  const double total = utils::clip_grad_norm_(net->parameters(), expected / 2);
  EXPECT_NEAR(total, expected, 1e-5 * expected);
  double after = 0.0;
  for (const Tensor& p : net->parameters()) {
    for (double g : values(p.grad())) after += g * g;
  }
  EXPECT_NEAR(std::sqrt(after), expected / 2, 1e-5 * expected);
}

}  // namespace
}  // namespace ember::nn
