// nn::init against PyTorch's formulas: gains, fans, the bounds and standard deviations of the
// random initialisers (checked statistically on large tensors, where a wrong formula is off by
// far more than the sampling error), and the layers' default initialisations.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "ember/nn/nn.h"
#include "support/test_util.h"

namespace ember::nn {
namespace {

using ember::testing::throws_with;
using ember::testing::values;

struct Stats {
  double mean = 0.0, std = 0.0, min = 0.0, max = 0.0;
};

Stats stats_of(const Tensor& t) {
  const std::vector<double> v = values(t);
  Stats s;
  s.min = *std::min_element(v.begin(), v.end());
  s.max = *std::max_element(v.begin(), v.end());
  for (double x : v) s.mean += x;
  s.mean /= static_cast<double>(v.size());
  for (double x : v) s.std += (x - s.mean) * (x - s.mean);
  s.std = std::sqrt(s.std / static_cast<double>(v.size() - 1));
  return s;
}

// Uniform in [-bound, bound): std bound / sqrt(3), every value inside, extremes near the bounds.
void expect_uniform(const Tensor& t, double bound) {
  const Stats s = stats_of(t);
  const double n = static_cast<double>(t.numel());
  EXPECT_GE(s.min, -bound);
  EXPECT_LE(s.max, bound);
  EXPECT_LT(s.min, -bound * (1.0 - 20.0 / n));
  EXPECT_GT(s.max, bound * (1.0 - 20.0 / n));
  EXPECT_NEAR(s.mean, 0.0, 6.0 * bound / std::sqrt(3.0 * n));
  EXPECT_NEAR(s.std, bound / std::sqrt(3.0), 0.03 * bound / std::sqrt(3.0));
}

void expect_normal(const Tensor& t, double mean, double std) {
  const Stats s = stats_of(t);
  const double n = static_cast<double>(t.numel());
  EXPECT_NEAR(s.mean, mean, 6.0 * std / std::sqrt(n));
  EXPECT_NEAR(s.std, std, 0.03 * std);
}

TEST(Init, CalculateGainLikePyTorch) {
  EXPECT_DOUBLE_EQ(init::calculate_gain(init::kLinear), 1.0);
  EXPECT_DOUBLE_EQ(init::calculate_gain(init::kConv2D), 1.0);
  EXPECT_DOUBLE_EQ(init::calculate_gain(init::kSigmoid), 1.0);
  EXPECT_DOUBLE_EQ(init::calculate_gain(kTanh), 5.0 / 3.0);
  EXPECT_DOUBLE_EQ(init::calculate_gain(kReLU), std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(init::calculate_gain(kLeakyReLU), std::sqrt(2.0 / (1.0 + 0.01 * 0.01)));
  EXPECT_DOUBLE_EQ(init::calculate_gain(kLeakyReLU, std::sqrt(5.0)), std::sqrt(1.0 / 3.0));
  EXPECT_DOUBLE_EQ(init::calculate_gain(init::kSELU), 0.75);
}

TEST(Init, FansLikePyTorch) {
  auto [in2, out2] = init::calculate_fan_in_and_fan_out(empty({7, 5}));
  EXPECT_EQ(in2, 5);
  EXPECT_EQ(out2, 7);
  auto [in4, out4] = init::calculate_fan_in_and_fan_out(empty({8, 3, 5, 2}));
  EXPECT_EQ(in4, 3 * 10);
  EXPECT_EQ(out4, 8 * 10);
  EXPECT_TRUE(throws_with<ValueError>([] { init::calculate_fan_in_and_fan_out(empty({4})); },
                                      {"calculate_fan_in_and_fan_out", "fewer than 2", "[4]"}));
}

TEST(Init, KaimingAndXavierBoundsAndDeviations) {
  Tensor w = empty({256, 128, 3, 3});  // fan_in 1152, fan_out 2304
  const double fan_in = 128 * 9, fan_out = 256 * 9;
  init::kaiming_uniform_(w);  // a = 0, leaky_relu: gain sqrt(2)
  expect_uniform(w, std::sqrt(3.0) * std::sqrt(2.0) / std::sqrt(fan_in));
  init::kaiming_uniform_(w, 0.0, kFanOut, kReLU);
  expect_uniform(w, std::sqrt(3.0) * std::sqrt(2.0) / std::sqrt(fan_out));
  init::kaiming_normal_(w, 0.2, kFanIn, kLeakyReLU);
  expect_normal(w, 0.0, std::sqrt(2.0 / 1.04) / std::sqrt(fan_in));
  init::kaiming_normal_(w, 0.0, kFanOut, kTanh);
  expect_normal(w, 0.0, 5.0 / 3.0 / std::sqrt(fan_out));
  init::xavier_uniform_(w, 2.0);
  expect_uniform(w, 2.0 * std::sqrt(6.0 / (fan_in + fan_out)));
  init::xavier_normal_(w);
  expect_normal(w, 0.0, std::sqrt(2.0 / (fan_in + fan_out)));
}

TEST(Init, PlainFills) {
  Tensor t = empty({300, 300});
  init::uniform_(t, -0.5, 1.5);
  const Stats u = stats_of(t);
  EXPECT_GE(u.min, -0.5);
  EXPECT_LT(u.max, 1.5);
  EXPECT_NEAR(u.mean, 0.5, 0.01);
  init::normal_(t, 3.0, 0.5);
  expect_normal(t, 3.0, 0.5);
  init::constant_(t, 2.5);
  EXPECT_EQ(values(t), std::vector<double>(t.numel(), 2.5));
  init::zeros_(t);
  EXPECT_EQ(values(t), std::vector<double>(t.numel(), 0.0));
  init::ones_(t);
  EXPECT_EQ(values(t), std::vector<double>(t.numel(), 1.0));
  Tensor m = empty({2, 3});
  init::eye_(m);
  EXPECT_EQ(values(m), (std::vector<double>{1, 0, 0, 0, 1, 0}));
}

TEST(Init, FillsParametersThatRequireGradWithoutRecording) {
  Tensor p = empty({4, 4}).requires_grad_();
  init::kaiming_uniform_(p);
  init::zeros_(p);
  EXPECT_TRUE(p.is_leaf());
  EXPECT_TRUE(p.requires_grad());
  EXPECT_EQ(p.grad_fn(), nullptr);
}

TEST(Init, LayerDefaultsMatchPyTorch) {
  // Linear and Conv2d: kaiming_uniform_(a = sqrt(5)) gives a bound of 1/sqrt(fan_in) for the
  // weight; the bias is uniform in the same bound.
  Linear fc(400, 300);
  expect_uniform(fc->weight, 1.0 / std::sqrt(400.0));
  const Stats bias = stats_of(fc->bias);
  EXPECT_GE(bias.min, -1.0 / std::sqrt(400.0));
  EXPECT_LE(bias.max, 1.0 / std::sqrt(400.0));
  EXPECT_GT(bias.max - bias.min, 1.5 / std::sqrt(400.0));

  Conv2d conv(Conv2dOptions(64, 128, 3).groups(2));  // fan_in = 32 * 9
  expect_uniform(conv->weight, 1.0 / std::sqrt(32.0 * 9.0));
  EXPECT_LE(stats_of(conv->bias).max, 1.0 / std::sqrt(32.0 * 9.0));

  Embedding emb(1000, 64);
  expect_normal(emb->weight, 0.0, 1.0);

  BatchNorm2d bn(16);
  EXPECT_EQ(values(bn->weight), std::vector<double>(16, 1.0));
  EXPECT_EQ(values(bn->bias), std::vector<double>(16, 0.0));
  EXPECT_EQ(values(bn->running_mean), std::vector<double>(16, 0.0));
  EXPECT_EQ(values(bn->running_var), std::vector<double>(16, 1.0));
  EXPECT_EQ(bn->num_batches_tracked.dtype(), kInt64);
  EXPECT_EQ(bn->num_batches_tracked.dim(), 0);

  LayerNorm ln(LayerNormOptions({8}));
  EXPECT_EQ(values(ln->weight), std::vector<double>(8, 1.0));
  EXPECT_EQ(values(ln->bias), std::vector<double>(8, 0.0));

  // reset_parameters draws fresh values.
  const std::vector<double> before = values(fc->weight);
  fc->reset_parameters();
  EXPECT_NE(values(fc->weight), before);
}

}  // namespace
}  // namespace ember::nn
