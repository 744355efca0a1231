// The XOR sample's user-defined layer NoisyLinear: its own registered parameters (initialised
// like the book's), an exact affine map in eval() mode, Gaussian noise of the asked standard
// deviation on its output in training only, gradients in both modes, and its printed form.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "ember/ember.h"
#include "noisy_linear.h"
#include "support/test_util.h"

namespace {

using ember::Tensor;
using ember::testing::all_close;

// x W + b in float64 loops.
std::vector<double> affine_reference(const Tensor& x, const Tensor& w, const Tensor& b) {
  const std::vector<double> xv = x.to_vector<double>(), wv = w.to_vector<double>(),
                            bv = b.to_vector<double>();
  const int64_t rows = x.size(0), in = w.size(0), out = w.size(1);
  std::vector<double> y(static_cast<size_t>(rows * out));
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t o = 0; o < out; ++o) {
      double s = bv[o];
      for (int64_t i = 0; i < in; ++i) s += xv[r * in + i] * wv[i * out + o];
      y[r * out + o] = s;
    }
  }
  return y;
}

TEST(NoisyLinear, RegistersItsOwnParameters) {
  samples::NoisyLinear layer(5, 3, 0.07);
  const auto named = layer->named_parameters();
  ASSERT_EQ(named.size(), 2u);
  EXPECT_EQ(named.keys(), (std::vector<std::string>{"weight", "bias"}));
  EXPECT_EQ(layer->weight.sizes().vec(), (std::vector<int64_t>{5, 3}));
  EXPECT_TRUE(layer->weight.requires_grad());
  EXPECT_EQ(layer->bias.to_vector<float>(), (std::vector<float>{0, 0, 0}));
  // Xavier-uniform: |w| <= sqrt(6 / (fan_in + fan_out)), with fans of a [5, 3] tensor.
  const double bound = std::sqrt(6.0 / (5 + 3));
  EXPECT_LE(layer->weight.abs().max().item<double>(), bound);
  EXPECT_GT(layer->weight.abs().max().item<double>(), bound / 2);
  EXPECT_EQ(layer->state_dict().size(), 2u);
}

TEST(NoisyLinear, EvalModeIsTheExactAffineMap) {
  samples::NoisyLinear layer(4, 3, 0.5);
  layer->eval();
  const Tensor x = ember::testing::random_tensor({6, 4});
  const Tensor y1 = layer(x);
  EXPECT_TRUE(all_close(y1, affine_reference(x, layer->weight, layer->bias), 1e-6, 1e-6));
  EXPECT_TRUE(ember::equal(y1, layer(x)));
}

TEST(NoisyLinear, TrainingAddsNoiseOfTheAskedStdToTheOutput) {
  samples::NoisyLinear layer(2, 4, 0.07);
  layer->train();
  const Tensor x = ember::testing::random_tensor({4096, 2});
  const Tensor clean = ember::tensor(affine_reference(x, layer->weight, layer->bias), {4096, 4});
  Tensor noise;
  {
    ember::NoGradGuard no_grad;
    noise = layer(x).to(ember::kFloat64) - clean;
  }
  // 16384 draws: the sample std is within 3% of 0.07 and the mean within 0.005 of 0 (each more
  // than 4 standard errors).
  EXPECT_NEAR(noise.std().item<double>(), 0.07, 0.07 * 0.03);
  EXPECT_NEAR(noise.mean().item<double>(), 0.0, 0.005);
  // Fresh noise on every call.
  EXPECT_FALSE(ember::equal(layer(x), layer(x)));
  // The noise is on the output, not the input: rows of a zero input differ from the bias alone
  // by the noise only.
  ember::NoGradGuard no_grad;
  const Tensor zero_rows = layer(ember::zeros({4096, 2})).to(ember::kFloat64) - layer->bias;
  EXPECT_NEAR(zero_rows.std().item<double>(), 0.07, 0.07 * 0.03);
}

TEST(NoisyLinear, GradientsReachWeightAndBias) {
  samples::NoisyLinear layer(3, 2, 0.07);
  const Tensor x = ember::testing::random_tensor({5, 3});
  for (bool training : {true, false}) {
    layer->train(training);
    layer->zero_grad();
    layer(x).sum().backward();
    ASSERT_TRUE(layer->weight.grad().defined());
    ASSERT_TRUE(layer->bias.grad().defined());
    // d(sum(x W + b + noise))/dW = x^T 1, d/db = rows: the noise adds nothing to either.
    const std::vector<double> xv = x.to_vector<double>();
    std::vector<double> expected(6);
    for (int64_t i = 0; i < 3; ++i) {
      double s = 0;
      for (int64_t r = 0; r < 5; ++r) s += xv[r * 3 + i];
      expected[i * 2] = expected[i * 2 + 1] = s;
    }
    EXPECT_TRUE(all_close(layer->weight.grad(), expected, 1e-5));
    EXPECT_TRUE(all_close(layer->bias.grad(), {5.0, 5.0}, 1e-6));
  }
}

TEST(NoisyLinear, PrintsLikeABuiltInLayer) {
  samples::NoisyLinear layer(2, 4, 0.07);
  EXPECT_EQ(layer->to_string(), "NoisyLinear(in_features=2, out_features=4, noise_stddev=0.07)");
}

}  // namespace
