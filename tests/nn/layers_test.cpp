// Each layer's forward against an independent float64 computation written out in naive loops,
// and each module against its nn::functional form. Parameters are the layers' own (randomly
// initialised) values; inputs are fresh random tensors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

#include "ember/nn/nn.h"
#include "support/test_util.h"

namespace ember::nn {
namespace {

using ember::testing::all_close;
using ember::testing::random_tensor;
using ember::testing::throws_with;
using ember::testing::values;
namespace F = functional;

constexpr double kRtol = 1e-5;
constexpr double kAtol = 1e-6;

// x [rows, in] @ w[out, in]^T + b (b may be empty).
std::vector<double> linear_reference(const std::vector<double>& x, const std::vector<double>& w,
                                     const std::vector<double>& b, int64_t in, int64_t out) {
  const int64_t rows = static_cast<int64_t>(x.size()) / in;
  std::vector<double> y;
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t o = 0; o < out; ++o) {
      double acc = b.empty() ? 0.0 : b[o];
      for (int64_t i = 0; i < in; ++i) acc += x[r * in + i] * w[o * in + i];
      y.push_back(acc);
    }
  }
  return y;
}

TEST(Layers, LinearMatchesLoops) {
  Linear fc(5, 3);
  for (auto shape : {std::vector<int64_t>{4, 5}, std::vector<int64_t>{2, 3, 5}}) {
    Tensor x = random_tensor(shape);
    Tensor y = fc(x);
    std::vector<int64_t> out_shape = shape;
    out_shape.back() = 3;
    ASSERT_EQ(y.sizes().vec(), out_shape);
    const auto expected = linear_reference(values(x), values(fc->weight), values(fc->bias), 5, 3);
    EXPECT_TRUE(all_close(y, expected, kRtol, kAtol));
    EXPECT_TRUE(all_close(F::linear(x, fc->weight, fc->bias), expected, kRtol, kAtol));
  }
  Linear no_bias(LinearOptions(5, 2).bias(false));
  Tensor x = random_tensor({3, 5});
  EXPECT_TRUE(all_close(no_bias(x), linear_reference(values(x), values(no_bias->weight), {}, 5, 2),
                        kRtol, kAtol));
}

TEST(Layers, Conv2dMatchesLoops) {
  struct Case {
    int64_t in, out, kh, kw, stride_h, stride_w, pad_h, pad_w, dil_h, dil_w, groups;
    bool bias;
  };
  for (const Case& c :
       {Case{3, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, true}, Case{4, 6, 3, 2, 2, 1, 0, 1, 1, 2, 2, true},
        Case{2, 2, 2, 2, 1, 2, 1, 0, 2, 1, 2, false}}) {
    Conv2d conv(Conv2dOptions(c.in, c.out, {c.kh, c.kw})
                    .stride({c.stride_h, c.stride_w})
                    .padding({c.pad_h, c.pad_w})
                    .dilation({c.dil_h, c.dil_w})
                    .groups(c.groups)
                    .bias(c.bias));
    const int64_t n = 2, h = 7, w = 6;
    Tensor x = random_tensor({n, c.in, h, w});
    Tensor y = conv(x);
    const int64_t oh = (h + 2 * c.pad_h - c.dil_h * (c.kh - 1) - 1) / c.stride_h + 1;
    const int64_t ow = (w + 2 * c.pad_w - c.dil_w * (c.kw - 1) - 1) / c.stride_w + 1;
    ASSERT_EQ(y.sizes().vec(), (std::vector<int64_t>{n, c.out, oh, ow}));
    const auto xv = values(x), wv = values(conv->weight);
    const auto bv = c.bias ? values(conv->bias) : std::vector<double>(c.out, 0.0);
    const int64_t cin_g = c.in / c.groups, cout_g = c.out / c.groups;
    std::vector<double> expected;
    for (int64_t b = 0; b < n; ++b)
      for (int64_t o = 0; o < c.out; ++o)
        for (int64_t i = 0; i < oh; ++i)
          for (int64_t j = 0; j < ow; ++j) {
            double acc = bv[o];
            const int64_t g = o / cout_g;
            for (int64_t ci = 0; ci < cin_g; ++ci)
              for (int64_t ki = 0; ki < c.kh; ++ki)
                for (int64_t kj = 0; kj < c.kw; ++kj) {
                  const int64_t yi = i * c.stride_h - c.pad_h + ki * c.dil_h;
                  const int64_t xj = j * c.stride_w - c.pad_w + kj * c.dil_w;
                  if (yi < 0 || yi >= h || xj < 0 || xj >= w) continue;
                  const int64_t cin = g * cin_g + ci;
                  acc += xv[((b * c.in + cin) * h + yi) * w + xj] *
                         wv[((o * cin_g + ci) * c.kh + ki) * c.kw + kj];
                }
            expected.push_back(acc);
          }
    EXPECT_TRUE(all_close(y, expected, kRtol, kAtol));
  }
}

// Naive 2-d pooling over [N, C, H, W]: max (padding as -inf) or average.
std::vector<double> pool_reference(const Tensor& x, int64_t k, int64_t stride, int64_t pad,
                                   bool max, bool count_include_pad) {
  const auto xv = values(x);
  const int64_t n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  const int64_t oh = (h + 2 * pad - k) / stride + 1, ow = (w + 2 * pad - k) / stride + 1;
  std::vector<double> out;
  for (int64_t p = 0; p < n * c; ++p)
    for (int64_t i = 0; i < oh; ++i)
      for (int64_t j = 0; j < ow; ++j) {
        double best = -std::numeric_limits<double>::infinity(), sum = 0.0;
        int64_t count = 0;
        for (int64_t a = 0; a < k; ++a)
          for (int64_t b = 0; b < k; ++b) {
            const int64_t yi = i * stride - pad + a, xj = j * stride - pad + b;
            if (yi < 0 || yi >= h || xj < 0 || xj >= w) continue;
            const double v = xv[(p * h + yi) * w + xj];
            best = std::max(best, v);
            sum += v;
            ++count;
          }
        out.push_back(max ? best : sum / static_cast<double>(count_include_pad ? k * k : count));
      }
  return out;
}

TEST(Layers, PoolingMatchesLoops) {
  Tensor x = random_tensor({2, 3, 7, 6});
  MaxPool2d max_pool(MaxPool2dOptions(3).stride(2).padding(1));
  EXPECT_TRUE(all_close(max_pool(x), pool_reference(x, 3, 2, 1, true, true), 0.0));
  EXPECT_TRUE(all_close(F::max_pool2d(x, F::MaxPool2dFuncOptions(2)),
                        pool_reference(x, 2, 2, 0, true, true), 0.0));
  auto [values_out, indices] = max_pool->forward_with_indices(x);
  EXPECT_TRUE(equal(values_out, max_pool(x)));
  EXPECT_EQ(indices.dtype(), kInt64);

  AvgPool2d avg(AvgPool2dOptions(3).stride(2).padding(1));
  EXPECT_TRUE(all_close(avg(x), pool_reference(x, 3, 2, 1, false, true), kRtol, kAtol));
  AvgPool2d avg_exclusive(AvgPool2dOptions(3).stride(2).padding(1).count_include_pad(false));
  EXPECT_TRUE(all_close(avg_exclusive(x), pool_reference(x, 3, 2, 1, false, false), kRtol, kAtol));

  // Adaptive: window i covers [floor(i * H / oh), ceil((i + 1) * H / oh)).
  AdaptiveAvgPool2d adaptive(AdaptiveAvgPool2dOptions({3, 2}));
  Tensor y = adaptive(x);
  ASSERT_EQ(y.sizes().vec(), (std::vector<int64_t>{2, 3, 3, 2}));
  const auto xv = values(x);
  std::vector<double> expected;
  for (int64_t p = 0; p < 6; ++p)
    for (int64_t i = 0; i < 3; ++i)
      for (int64_t j = 0; j < 2; ++j) {
        const int64_t h0 = i * 7 / 3, h1 = ((i + 1) * 7 + 2) / 3;
        const int64_t w0 = j * 6 / 2, w1 = ((j + 1) * 6 + 1) / 2;
        double sum = 0.0;
        for (int64_t a = h0; a < h1; ++a)
          for (int64_t b = w0; b < w1; ++b) sum += xv[(p * 7 + a) * 6 + b];
        expected.push_back(sum / static_cast<double>((h1 - h0) * (w1 - w0)));
      }
  EXPECT_TRUE(all_close(y, expected, kRtol, kAtol));
  EXPECT_TRUE(all_close(AdaptiveAvgPool2d(1)(x), x.mean({2, 3}, true), kRtol, kAtol));
}

// Per-channel batch statistics of [N, C, *]: (mean, biased variance).
std::pair<std::vector<double>, std::vector<double>> channel_stats(const Tensor& x) {
  const auto xv = values(x);
  const int64_t n = x.size(0), c = x.size(1), inner = x.numel() / (n * c);
  std::vector<double> mean(c, 0.0), var(c, 0.0);
  for (int64_t ch = 0; ch < c; ++ch) {
    for (int64_t b = 0; b < n; ++b)
      for (int64_t k = 0; k < inner; ++k) mean[ch] += xv[(b * c + ch) * inner + k];
    mean[ch] /= static_cast<double>(n * inner);
    for (int64_t b = 0; b < n; ++b)
      for (int64_t k = 0; k < inner; ++k) {
        const double d = xv[(b * c + ch) * inner + k] - mean[ch];
        var[ch] += d * d;
      }
    var[ch] /= static_cast<double>(n * inner);
  }
  return {mean, var};
}

std::vector<double> normalize_reference(const Tensor& x, const std::vector<double>& mean,
                                        const std::vector<double>& var,
                                        const std::vector<double>& weight,
                                        const std::vector<double>& bias, double eps) {
  const auto xv = values(x);
  const int64_t n = x.size(0), c = x.size(1), inner = x.numel() / (n * c);
  std::vector<double> y(xv.size());
  for (int64_t b = 0; b < n; ++b)
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t k = 0; k < inner; ++k) {
        const size_t i = static_cast<size_t>((b * c + ch) * inner + k);
        y[i] = (xv[i] - mean[ch]) / std::sqrt(var[ch] + eps) * weight[ch] + bias[ch];
      }
  return y;
}

TEST(Layers, BatchNormTrainingUsesBatchStatisticsAndUpdatesRunningOnes) {
  BatchNorm2d bn(BatchNorm2dOptions(3).momentum(0.3));
  {
    NoGradGuard no_grad;
    bn->weight.copy_(random_tensor({3}, kFloat32, 0.5, 1.5));
    bn->bias.copy_(random_tensor({3}));
  }
  Tensor x = random_tensor({4, 3, 5, 5}, kFloat32, -1.0, 3.0);
  auto [mean, var] = channel_stats(x);
  const double count = 4 * 25;
  Tensor y = bn(x);
  EXPECT_TRUE(
      all_close(y, normalize_reference(x, mean, var, values(bn->weight), values(bn->bias), 1e-5),
                1e-4, 1e-5));
  std::vector<double> running_mean, running_var;
  for (int c = 0; c < 3; ++c) {
    running_mean.push_back(0.3 * mean[c]);
    running_var.push_back(0.7 + 0.3 * var[c] * count / (count - 1));
  }
  EXPECT_TRUE(all_close(bn->running_mean, running_mean, kRtol, kAtol));
  EXPECT_TRUE(all_close(bn->running_var, running_var, kRtol, kAtol));
  EXPECT_EQ(bn->num_batches_tracked.item<int64_t>(), 1);

  // Eval mode normalizes with the running statistics and leaves them alone.
  bn->eval();
  Tensor x2 = random_tensor({2, 3, 4, 4});
  EXPECT_TRUE(all_close(bn(x2),
                        normalize_reference(x2, running_mean, running_var, values(bn->weight),
                                            values(bn->bias), 1e-5),
                        1e-4, 1e-5));
  EXPECT_TRUE(all_close(bn->running_mean, running_mean, kRtol, kAtol));
  EXPECT_EQ(bn->num_batches_tracked.item<int64_t>(), 1);
  EXPECT_TRUE(throws_with<ValueError>(
      [&] {
        bn(random_tensor({2, 3}));
      },
      {"BatchNorm2d", "4-d", "[2, 3]"}));
}

TEST(Layers, BatchNorm1dCumulativeAverageAndNoRunningStats) {
  BatchNorm1d bn(BatchNorm1dOptions(4).momentum(std::nullopt).affine(false));
  EXPECT_EQ(bn->parameters().size(), 0u);
  Tensor a = random_tensor({6, 4}), b = random_tensor({5, 4, 3});
  bn(a);
  bn(b);
  auto [mean_a, var_a] = channel_stats(a);
  auto [mean_b, var_b] = channel_stats(b);
  std::vector<double> expected_mean;
  for (int c = 0; c < 4; ++c) expected_mean.push_back((mean_a[c] + mean_b[c]) / 2);
  EXPECT_TRUE(all_close(bn->running_mean, expected_mean, kRtol, kAtol));
  EXPECT_EQ(bn->num_batches_tracked.item<int64_t>(), 2);

  BatchNorm1d stateless(BatchNorm1dOptions(4).track_running_stats(false));
  EXPECT_EQ(stateless->buffers().size(), 0u);
  stateless->eval();  // without running statistics eval mode still uses the batch's own
  EXPECT_TRUE(all_close(stateless(a),
                        normalize_reference(a, mean_a, var_a, std::vector<double>(4, 1.0),
                                            std::vector<double>(4, 0.0), 1e-5),
                        1e-4, 1e-5));
}

TEST(Layers, LayerNormMatchesLoops) {
  LayerNorm ln(LayerNormOptions({4, 5}).eps(1e-6));
  {
    NoGradGuard no_grad;
    ln->weight.copy_(random_tensor({4, 5}));
    ln->bias.copy_(random_tensor({4, 5}));
  }
  Tensor x = random_tensor({3, 4, 5}, kFloat32, -3.0, 4.0);
  const auto xv = values(x), w = values(ln->weight), b = values(ln->bias);
  std::vector<double> expected;
  for (int r = 0; r < 3; ++r) {
    double mean = 0.0, var = 0.0;
    for (int k = 0; k < 20; ++k) mean += xv[r * 20 + k] / 20.0;
    for (int k = 0; k < 20; ++k) var += (xv[r * 20 + k] - mean) * (xv[r * 20 + k] - mean) / 20.0;
    for (int k = 0; k < 20; ++k) {
      expected.push_back((xv[r * 20 + k] - mean) / std::sqrt(var + 1e-6) * w[k] + b[k]);
    }
  }
  EXPECT_TRUE(all_close(ln(x), expected, 1e-4, 1e-5));
  LayerNorm plain(LayerNormOptions({5}).elementwise_affine(false));
  EXPECT_EQ(plain->parameters().size(), 0u);
  EXPECT_EQ(plain(x).sizes().vec(), x.sizes().vec());
}

TEST(Layers, DropoutScalesKeptElementsAndIsTheIdentityInEval) {
  Dropout drop(0.25);
  Tensor x = random_tensor({200, 100}, kFloat32, 1.0, 2.0);
  Tensor y = drop(x);
  const auto xv = values(x), yv = values(y);
  int64_t zeros = 0;
  for (size_t i = 0; i < xv.size(); ++i) {
    if (yv[i] == 0.0) {
      ++zeros;
    } else {
      EXPECT_NEAR(yv[i], xv[i] / 0.75, 1e-5 * std::fabs(xv[i]));
    }
  }
  EXPECT_NEAR(static_cast<double>(zeros) / 20000.0, 0.25, 0.02);  // ~7 standard deviations
  drop->eval();
  EXPECT_TRUE(equal(drop(x), x));
  EXPECT_TRUE(equal(F::dropout(x, F::DropoutFuncOptions().p(0.5).training(false)), x));
  EXPECT_TRUE(equal(F::dropout(x, 0.0), x));
  EXPECT_EQ(values(F::dropout(x, 1.0)), std::vector<double>(x.numel(), 0.0));
  EXPECT_TRUE(throws_with<ValueError>([] { Dropout(1.5); }, {"Dropout", "1.5"}));
  EXPECT_TRUE(
      throws_with<ValueError>([&] { F::dropout(x, -0.1); }, {"dropout", "between 0 and 1"}));
}

TEST(Layers, FlattenIdentityAndEmbedding) {
  Tensor x = random_tensor({2, 3, 4, 5});
  EXPECT_EQ(Flatten()(x).sizes().vec(), (std::vector<int64_t>{2, 60}));
  EXPECT_EQ(Flatten(FlattenOptions().start_dim(0).end_dim(1))(x).sizes().vec(),
            (std::vector<int64_t>{6, 4, 5}));
  EXPECT_TRUE(Identity()(x).is_same(x));

  Embedding emb(EmbeddingOptions(6, 3).padding_idx(2));
  EXPECT_EQ(values(emb->weight.select(0, 2)), std::vector<double>(3, 0.0));
  Tensor idx = tensor({{0, 2, 5}, {5, 1, 0}});
  Tensor y = emb(idx);
  ASSERT_EQ(y.sizes().vec(), (std::vector<int64_t>{2, 3, 3}));
  const auto w = values(emb->weight);
  std::vector<double> expected;
  for (int64_t i : {0, 2, 5, 5, 1, 0})
    for (int d = 0; d < 3; ++d) expected.push_back(w[i * 3 + d]);
  EXPECT_TRUE(all_close(y, expected, 0.0));
  EXPECT_TRUE(equal(F::embedding(idx, emb->weight), y));

  Embedding frozen = Embedding::from_pretrained(tensor({{1.0, 2.0}, {3.0, 4.0}}));
  EXPECT_FALSE(frozen->weight.requires_grad());
  EXPECT_EQ(values(frozen(tensor({1}))), (std::vector<double>{3.0, 4.0}));
  EXPECT_TRUE(
      Embedding::from_pretrained(tensor({{1.0}}), EmbeddingFromPretrainedOptions().freeze(false))
          ->weight.requires_grad());
}

TEST(Layers, ActivationsMatchTheirFormulas) {
  Tensor x = random_tensor({3, 7}, kFloat32, -4.0, 4.0);
  const auto xv = values(x);
  auto map = [&](double (*f)(double)) {
    std::vector<double> out;
    for (double v : xv) out.push_back(f(v));
    return out;
  };
  EXPECT_TRUE(all_close(ReLU()(x), map([](double v) { return v > 0 ? v : 0.0; }), 0.0));
  EXPECT_TRUE(all_close(LeakyReLU(LeakyReLUOptions().negative_slope(0.2))(x),
                        map([](double v) { return v > 0 ? v : 0.2 * v; }), 1e-6));
  EXPECT_TRUE(
      all_close(F::leaky_relu(x, 0.2), map([](double v) { return v > 0 ? v : 0.2 * v; }), 1e-6));
  EXPECT_TRUE(all_close(
      GELU()(x), map([](double v) { return 0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0))); }), 1e-5,
      1e-6));
  EXPECT_TRUE(all_close(GELU(GELUOptions().approximate("tanh"))(x), map([](double v) {
                          const double k = std::sqrt(2.0 / std::numbers::pi);
                          return 0.5 * v * (1.0 + std::tanh(k * (v + 0.044715 * v * v * v)));
                        }),
                        1e-5, 1e-6));
  EXPECT_TRUE(
      all_close(Sigmoid()(x), map([](double v) { return 1.0 / (1.0 + std::exp(-v)); }), 1e-6));
  EXPECT_TRUE(all_close(Tanh()(x), map([](double v) { return std::tanh(v); }), 1e-6, 1e-7));

  // Softmax and log-softmax along dim 1 and dim 0.
  for (int64_t dim : {1, 0}) {
    std::vector<double> soft(xv.size()), log_soft(xv.size());
    const int64_t rows = 3, cols = 7;
    const int64_t outer = dim == 1 ? rows : cols, len = dim == 1 ? cols : rows;
    for (int64_t o = 0; o < outer; ++o) {
      auto idx = [&](int64_t k) { return dim == 1 ? o * cols + k : k * cols + o; };
      double m = -1e300, sum = 0.0;
      for (int64_t k = 0; k < len; ++k) m = std::max(m, xv[idx(k)]);
      for (int64_t k = 0; k < len; ++k) sum += std::exp(xv[idx(k)] - m);
      for (int64_t k = 0; k < len; ++k) {
        soft[idx(k)] = std::exp(xv[idx(k)] - m) / sum;
        log_soft[idx(k)] = xv[idx(k)] - m - std::log(sum);
      }
    }
    EXPECT_TRUE(all_close(Softmax(dim)(x), soft, 1e-5, 1e-7));
    EXPECT_TRUE(all_close(LogSoftmax(dim)(x), log_soft, 1e-5, 1e-6));
    EXPECT_TRUE(all_close(F::softmax(x, dim), soft, 1e-5, 1e-7));
    EXPECT_TRUE(all_close(F::log_softmax(x, F::LogSoftmaxFuncOptions(dim).dtype(kFloat64)),
                          log_soft, 1e-12, 1e-12));
  }

  // In place.
  Tensor y = x.clone();
  Tensor r = ReLU(ReLUOptions(true))(y);
  EXPECT_TRUE(r.is_same(y));
  EXPECT_TRUE(all_close(y, map([](double v) { return v > 0 ? v : 0.0; }), 0.0));
  Tensor z = x.clone();
  F::leaky_relu(z, F::LeakyReLUFuncOptions().negative_slope(0.1).inplace(true));
  EXPECT_TRUE(all_close(z, map([](double v) { return v > 0 ? v : 0.1 * v; }), 1e-6));
}

// ---- losses ----

double mean_of(const std::vector<double>& v) {
  double s = 0.0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

TEST(Losses, RegressionLossesMatchFormulas) {
  Tensor input = random_tensor({4, 5}), target = random_tensor({4, 5});
  const auto a = values(input), b = values(target);
  std::vector<double> sq, ab, smooth;
  const double beta = 0.7;
  for (size_t i = 0; i < a.size(); ++i) {
    const double d = a[i] - b[i];
    sq.push_back(d * d);
    ab.push_back(std::fabs(d));
    smooth.push_back(std::fabs(d) < beta ? 0.5 * d * d / beta : std::fabs(d) - 0.5 * beta);
  }
  EXPECT_TRUE(all_close(MSELoss()(input, target), {mean_of(sq)}, kRtol));
  EXPECT_TRUE(all_close(MSELoss(MSELossOptions(kSum))(input, target), {mean_of(sq) * 20}, kRtol));
  EXPECT_TRUE(all_close(F::mse_loss(input, target, F::MSELossFuncOptions(kNone)), sq, kRtol));
  EXPECT_TRUE(all_close(L1Loss()(input, target), {mean_of(ab)}, kRtol));
  EXPECT_TRUE(all_close(SmoothL1Loss(SmoothL1LossOptions().beta(beta))(input, target),
                        {mean_of(smooth)}, kRtol));
  EXPECT_TRUE(
      all_close(F::smooth_l1_loss(input, target, F::SmoothL1LossFuncOptions(kNone).beta(beta)),
                smooth, kRtol, kAtol));
}

TEST(Losses, BinaryCrossEntropyMatchesFormulas) {
  Tensor logits = random_tensor({4, 3}, kFloat32, -3.0, 3.0);
  Tensor probabilities = logits.sigmoid();
  Tensor target = random_tensor({4, 3}, kFloat32, 0.0, 1.0);
  Tensor weight = random_tensor({3}, kFloat32, 0.5, 1.5);
  Tensor pos_weight = random_tensor({3}, kFloat32, 0.5, 2.0);
  const auto z = values(logits), t = values(target), w = values(weight), pw = values(pos_weight);
  std::vector<double> bce, bce_logits;
  for (size_t i = 0; i < z.size(); ++i) {
    const double p = 1.0 / (1.0 + std::exp(-z[i]));
    const double c = w[i % 3];
    bce.push_back(-c * (t[i] * std::log(p) + (1 - t[i]) * std::log(1 - p)));
    bce_logits.push_back(-(pw[i % 3] * t[i] * std::log(p) + (1 - t[i]) * std::log(1 - p)));
  }
  EXPECT_TRUE(all_close(BCELoss(BCELossOptions().weight(weight))(probabilities, target),
                        {mean_of(bce)}, 1e-5));
  EXPECT_TRUE(all_close(
      BCEWithLogitsLoss(BCEWithLogitsLossOptions().pos_weight(pos_weight))(logits, target),
      {mean_of(bce_logits)}, 1e-5));
  EXPECT_TRUE(all_close(
      F::binary_cross_entropy_with_logits(
          logits, target,
          F::BinaryCrossEntropyWithLogitsFuncOptions().pos_weight(pos_weight).reduction(kNone)),
      bce_logits, 1e-5, 1e-6));
  // The weight is a buffer of the module: saved and moved with it.
  BCELoss weighted(BCELossOptions().weight(weight));
  EXPECT_EQ(weighted->named_buffers().keys(), std::vector<std::string>{"weight"});
}

TEST(Losses, CrossEntropyAndNllMatchFormulas) {
  const int64_t n = 6, c = 4;
  Tensor logits = random_tensor({n, c}, kFloat32, -3.0, 3.0);
  Tensor target = tensor({0, 3, 2, 1, 2, 3});
  Tensor weight = random_tensor({c}, kFloat32, 0.5, 1.5);
  const auto z = values(logits), w = values(weight);
  const std::vector<int64_t> cls{0, 3, 2, 1, 2, 3};
  std::vector<std::vector<double>> logp(n, std::vector<double>(c));
  for (int64_t i = 0; i < n; ++i) {
    double m = -1e300, s = 0.0;
    for (int64_t k = 0; k < c; ++k) m = std::max(m, z[i * c + k]);
    for (int64_t k = 0; k < c; ++k) s += std::exp(z[i * c + k] - m);
    for (int64_t k = 0; k < c; ++k) logp[i][k] = z[i * c + k] - m - std::log(s);
  }
  // Plain mean.
  double plain = 0.0;
  for (int64_t i = 0; i < n; ++i) plain -= logp[i][cls[i]] / n;
  EXPECT_TRUE(all_close(CrossEntropyLoss()(logits, target), {plain}, kRtol));
  // Weighted, ignore_index 2, label smoothing 0.2 (PyTorch's definition: the smoothing term is
  // weighted per class and the mean divides by the sum of the target weights).
  const double eps = 0.2;
  double nll = 0.0, smooth = 0.0, weight_sum = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    if (cls[i] == 2) continue;
    nll -= w[cls[i]] * logp[i][cls[i]];
    weight_sum += w[cls[i]];
    for (int64_t k = 0; k < c; ++k) smooth -= w[k] * logp[i][k];
  }
  const double expected = (1 - eps) * nll / weight_sum + eps / c * smooth / weight_sum;
  CrossEntropyLoss ce(
      CrossEntropyLossOptions().weight(weight).ignore_index(2).label_smoothing(eps));
  EXPECT_TRUE(all_close(ce(logits, target), {expected}, 1e-5));
  EXPECT_TRUE(all_close(
      F::cross_entropy(
          logits, target,
          F::CrossEntropyFuncOptions().weight(weight).ignore_index(2).label_smoothing(eps)),
      {expected}, 1e-5));
  // NLL on log-probabilities, summed, weighted.
  Tensor log_probs = F::log_softmax(logits, 1);
  double nll_sum = 0.0;
  for (int64_t i = 0; i < n; ++i) nll_sum -= w[cls[i]] * logp[i][cls[i]];
  EXPECT_TRUE(all_close(NLLLoss(NLLLossOptions().weight(weight).reduction(kSum))(log_probs, target),
                        {nll_sum}, 1e-5));
  EXPECT_TRUE(all_close(F::nll_loss(log_probs, target), {plain}, 1e-5));
}

TEST(Losses, LossModulesMoveTheirWeightsWithThem) {
  Tensor weight = ones({3});
  CrossEntropyLoss ce(CrossEntropyLossOptions().weight(weight));
  ce->to(kFloat64);
  EXPECT_EQ(ce->weight.dtype(), kFloat64);
  EXPECT_EQ(ce->state_dict().keys(), std::vector<std::string>{"weight"});
  EXPECT_EQ(CrossEntropyLoss()->state_dict().size(), 0u);
}

// ---- containers ----

TEST(Containers, SequentialIndexingPushBackAndFunctions) {
  Sequential seq(Linear(3, 4), ReLU());
  seq->push_back(Functional([](const Tensor& x) { return x * 2.0; }));
  seq->push_back([](const Tensor& x) { return x + 1.0; });
  seq->push_back("head", Linear(4, 2));
  EXPECT_EQ(seq->size(), 5u);
  EXPECT_EQ(seq->named_children().keys(), (std::vector<std::string>{"0", "1", "2", "3", "head"}));
  Tensor x = random_tensor({5, 3});
  auto& first = seq->at<LinearImpl>(0);
  Tensor expected = seq->at<LinearImpl>(4).forward((first.forward(x).relu() * 2.0) + 1.0);
  EXPECT_TRUE(all_close(seq->forward(x), expected, kRtol, kAtol));
  EXPECT_TRUE(all_close(seq(x), expected, kRtol, kAtol));
  EXPECT_EQ(seq[1]->name(), "ReLU");
  EXPECT_EQ(seq->ptr<Linear>(4)->options.out_features(), 2);
  EXPECT_TRUE(throws_with<IndexError>([&] { seq[9]; }, {"Sequential", "9", "5"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { seq->at<Conv2dImpl>(0); },
                                      {"Sequential", "Linear", "not the requested type"}));
  EXPECT_TRUE(
      throws_with<ValueError>([] { Sequential()->forward(ones({1})); }, {"Sequential", "empty"}));
  Sequential tail(Linear(2, 2));
  seq->extend(*tail);
  EXPECT_EQ(seq->size(), 6u);
  EXPECT_EQ(seq->parameters().size(), 6u);
  int count = 0;
  for (const auto& m : *seq) count += m != nullptr;
  EXPECT_EQ(count, 6);
}

TEST(Containers, ModuleListAndModuleDict) {
  ModuleList list(Linear(2, 3), ReLU());
  list->push_back(Linear(3, 1));
  list->insert(1, Dropout(0.1));
  EXPECT_EQ(list->named_children().keys(), (std::vector<std::string>{"0", "1", "2", "3"}));
  EXPECT_EQ(list[1]->name(), "Dropout");
  EXPECT_EQ(list->at<LinearImpl>(3).options.in_features(), 3);
  EXPECT_EQ(list->named_parameters().keys(),
            (std::vector<std::string>{"0.weight", "0.bias", "3.weight", "3.bias"}));
  EXPECT_TRUE(throws_with<IndexError>([&] { list->insert(7, ReLU()); }, {"ModuleList", "7"}));

  ModuleDict dict(std::vector<std::pair<std::string, std::shared_ptr<Module>>>{
      {"encoder", Linear(4, 2).ptr()}, {"act", Tanh().ptr()}});
  dict->insert("decoder", Linear(2, 4));
  EXPECT_EQ(dict->keys(), (std::vector<std::string>{"encoder", "act", "decoder"}));
  EXPECT_TRUE(dict->contains("act"));
  EXPECT_EQ(dict["act"]->name(), "Tanh");
  EXPECT_EQ(dict->at<LinearImpl>("decoder").options.out_features(), 4);
  dict->insert("act", ReLU());  // replaces, keeping its place
  EXPECT_EQ(dict->keys(), (std::vector<std::string>{"encoder", "act", "decoder"}));
  EXPECT_EQ(dict["act"]->name(), "ReLU");
  EXPECT_EQ(dict->pop("encoder")->name(), "Linear");
  EXPECT_EQ(dict->size(), 2u);
  EXPECT_TRUE(throws_with<ValueError>([&] { dict["missing"]; }, {"ModuleDict", "'missing'"}));
  EXPECT_EQ(dict->named_parameters().keys(),
            (std::vector<std::string>{"decoder.weight", "decoder.bias"}));
}

}  // namespace
}  // namespace ember::nn
