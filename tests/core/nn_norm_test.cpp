// batch_norm (training: batch statistics, saved mean / invstd, the in-place running-stat update
// with the unbiased variance; eval: running statistics) and layer_norm against naive float64
// loops, on 2-D, 3-D and 4-D (MNIST-sized) inputs, with and without weight and bias; backward
// kernels against central finite differences; errors.
#include "core/nn_test_helpers.h"

namespace ember {
namespace {

using testing::close_to;
using testing::pointwise_rtol;
using testing::random_tensor;
using testing::throws_with;
using testing::values;

struct BatchNormReference {
  std::vector<double> out, mean, invstd, running_mean, running_var;
};

// Naive batch norm over input [N, C, S...] in row-major values.
BatchNormReference naive_batch_norm(const Tensor& input, const std::vector<double>& w,
                                    const std::vector<double>& b, std::vector<double> rm,
                                    std::vector<double> rv, bool training, double momentum,
                                    double eps) {
  const auto x = values(input);
  const int64_t n = input.size(0), c = input.size(1);
  const int64_t s = input.numel() / (n * c);
  BatchNormReference r;
  r.out.resize(x.size());
  for (int64_t ch = 0; ch < c; ++ch) {
    double mean = 0, var = 0;
    if (training) {
      for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < s; ++j) mean += x[(i * c + ch) * s + j];
      mean /= static_cast<double>(n * s);
      for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < s; ++j) var += std::pow(x[(i * c + ch) * s + j] - mean, 2);
      const double biased = var / static_cast<double>(n * s);
      r.mean.push_back(mean);
      r.invstd.push_back(1.0 / std::sqrt(biased + eps));
      rm[ch] = (1 - momentum) * rm[ch] + momentum * mean;
      rv[ch] = (1 - momentum) * rv[ch] + momentum * var / static_cast<double>(n * s - 1);
      var = biased;
    } else {
      mean = rm[ch];
      var = rv[ch];
    }
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < s; ++j) {
        const int64_t k = (i * c + ch) * s + j;
        r.out[k] = (x[k] - mean) / std::sqrt(var + eps) * (w.empty() ? 1.0 : w[ch]) +
                   (b.empty() ? 0.0 : b[ch]);
      }
  }
  r.running_mean = rm;
  r.running_var = rv;
  return r;
}

TEST(NnNorm, BatchNormTrainingAndEvalMatchReference) {
  const std::vector<std::vector<int64_t>> shapes = {
      {64, 32, 26, 26}, {8, 5}, {4, 3, 7}, {3, 4, 5, 6}};
  for (DType dt : {kFloat32, kFloat64}) {
    const double rtol = pointwise_rtol(dt);
    for (const auto& shape : shapes) {
      for (bool affine : {true, false}) {
        SCOPED_TRACE(::testing::Message()
                     << dtype_name(dt) << " " << shape.size() << "-D affine " << affine);
        const int64_t c = shape[1];
        const Tensor x = random_tensor(shape, dt);
        const Tensor w = affine ? random_tensor({c}, dt, 0.5, 1.5) : Tensor();
        const Tensor b = affine ? random_tensor({c}, dt) : Tensor();
        const Tensor rm = random_tensor({c}, dt), rv = random_tensor({c}, dt, 0.5, 2.0);
        const auto wv = affine ? values(w) : std::vector<double>(),
                   bv = affine ? values(b) : std::vector<double>();
        const auto rm0 = values(rm), rv0 = values(rv);
        const auto ref = naive_batch_norm(x, wv, bv, rm0, rv0, true, 0.1, 1e-5);
        const uint32_t version = rm.version();
        const auto [y, mean, invstd] = native_batch_norm(x, w, b, rm, rv, true, 0.1, 1e-5);
        EXPECT_TRUE(close_to(y, ref.out, rtol));
        EXPECT_TRUE(close_to(mean, ref.mean, rtol));
        EXPECT_TRUE(close_to(invstd, ref.invstd, rtol));
        EXPECT_TRUE(close_to(rm, ref.running_mean, rtol));  // updated in place
        EXPECT_TRUE(close_to(rv, ref.running_var, rtol));
        EXPECT_GT(rm.version(), version);

        const auto eval_ref = naive_batch_norm(x, wv, bv, values(rm), values(rv), false, 0.1, 1e-3);
        const auto [ye, me, ie] = native_batch_norm(x, w, b, rm, rv, false, 0.1, 1e-3);
        EXPECT_TRUE(close_to(ye, eval_ref.out, rtol));
        EXPECT_EQ(me.numel(), 0);
        EXPECT_TRUE(close_to(rm, ref.running_mean, rtol));  // eval leaves them alone
        EXPECT_TRUE(close_to(batch_norm(x, w, b, rm, rv, false, 0.1, 1e-3), eval_ref.out, rtol));
      }
    }
  }
  // Training without running statistics, and a channels-last input.
  const Tensor x = random_tensor({4, 3, 5, 5}, kFloat64);
  const auto ref = naive_batch_norm(x, {}, {}, {0, 0, 0}, {1, 1, 1}, true, 0.1, 1e-5);
  const Tensor cl = x.permute({0, 2, 3, 1}).contiguous().permute({0, 3, 1, 2});
  EXPECT_TRUE(close_to(batch_norm(cl, {}, {}, {}, {}, true), ref.out, 1e-10));
}

TEST(NnNorm, BatchNormBackwardMatchesFiniteDifferences) {
  for (bool training : {true, false}) {
    const Tensor x = random_tensor({3, 2, 4, 3}, kFloat64);
    const Tensor w = random_tensor({2}, kFloat64, 0.5, 1.5), b = random_tensor({2}, kFloat64);
    const Tensor rm = random_tensor({2}, kFloat64), rv = random_tensor({2}, kFloat64, 0.5, 2.0);
    // Forward without running stats in training, so repeated calls do not change them.
    const Tensor rm_f = training ? Tensor() : rm, rv_f = training ? Tensor() : rv;
    const auto [y, mean, invstd] = native_batch_norm(x, w, b, rm_f, rv_f, training, 0.1, 1e-5);
    const std::vector<double> up = testing::random_upstream(y.numel());
    const Tensor gy = tensor(up, y.sizes()).to(kFloat64);
    const auto [gx, gw, gb] =
        native_batch_norm_backward(gy, x, w, rm, rv, mean, invstd, training, 1e-5);
    const auto fx = [&](const Tensor& t) {
      return values(batch_norm(t, w, b, rm_f, rv_f, training, 0.1, 1e-5));
    };
    const auto fw = [&](const Tensor& t) {
      return values(batch_norm(x, t, b, rm_f, rv_f, training, 0.1, 1e-5));
    };
    const auto fb = [&](const Tensor& t) {
      return values(batch_norm(x, w, t, rm_f, rv_f, training, 0.1, 1e-5));
    };
    EXPECT_TRUE(testing::gradient_matches(gx, testing::numeric_gradient(fx, x, up)))
        << "training " << training;
    EXPECT_TRUE(testing::gradient_matches(gw, testing::numeric_gradient(fw, w, up)));
    EXPECT_TRUE(testing::gradient_matches(gb, testing::numeric_gradient(fb, b, up)));
    // Only the input's gradient, and no weight.
    const auto [gx2, gw2, gb2] = native_batch_norm_backward(gy, x, {}, rm, rv, mean, invstd,
                                                            training, 1e-5, {true, false, false});
    EXPECT_FALSE(gw2.defined());
    EXPECT_FALSE(gb2.defined());
    const auto fx2 = [&](const Tensor& t) {
      return values(batch_norm(t, {}, {}, rm_f, rv_f, training, 0.1, 1e-5));
    };
    EXPECT_TRUE(testing::gradient_matches(gx2, testing::numeric_gradient(fx2, x, up)));
  }
}

std::vector<double> naive_layer_norm(const std::vector<double>& x, int64_t rows, int64_t cols,
                                     const std::vector<double>& w, const std::vector<double>& b,
                                     double eps) {
  std::vector<double> y(x.size());
  for (int64_t r = 0; r < rows; ++r) {
    double mean = 0, var = 0;
    for (int64_t j = 0; j < cols; ++j) mean += x[r * cols + j];
    mean /= static_cast<double>(cols);
    for (int64_t j = 0; j < cols; ++j) var += std::pow(x[r * cols + j] - mean, 2);
    var /= static_cast<double>(cols);
    for (int64_t j = 0; j < cols; ++j)
      y[r * cols + j] = (x[r * cols + j] - mean) / std::sqrt(var + eps) * (w.empty() ? 1 : w[j]) +
                        (b.empty() ? 0 : b[j]);
  }
  return y;
}

TEST(NnNorm, LayerNormMatchesReference) {
  for (DType dt : {kFloat32, kFloat64}) {
    const Tensor x = random_tensor({4, 5, 6, 7}, dt);
    // Normalized over the last dim, and over the last two dims.
    for (const std::vector<int64_t>& ns : {std::vector<int64_t>{7}, std::vector<int64_t>{6, 7}}) {
      const int64_t cols = ns.size() == 1 ? 7 : 42;
      const Tensor w = random_tensor(ns, dt), b = random_tensor(ns, dt);
      const auto [y, mean, rstd] = native_layer_norm(x, ns, w, b, 1e-5);
      EXPECT_TRUE(close_to(
          y, naive_layer_norm(values(x), x.numel() / cols, cols, values(w), values(b), 1e-5),
          pointwise_rtol(dt)));
      EXPECT_EQ(mean.sizes(),
                ns.size() == 1 ? IntArrayRef({4, 5, 6, 1}) : IntArrayRef({4, 5, 1, 1}));
      EXPECT_TRUE(close_to(layer_norm(x, ns),
                           naive_layer_norm(values(x), x.numel() / cols, cols, {}, {}, 1e-5),
                           pointwise_rtol(dt)));
    }
  }
  // A transposed input.
  const Tensor x = random_tensor({6, 5}, kFloat64);
  const Tensor xt = x.t().contiguous().t();
  EXPECT_TRUE(close_to(layer_norm(xt, 5), naive_layer_norm(values(x), 6, 5, {}, {}, 1e-5), 1e-10));
}

TEST(NnNorm, LayerNormBackwardMatchesFiniteDifferences) {
  const Tensor x = random_tensor({3, 4, 5}, kFloat64);
  const std::vector<int64_t> ns = {4, 5};
  const Tensor w = random_tensor({4, 5}, kFloat64), b = random_tensor({4, 5}, kFloat64);
  const auto [y, mean, rstd] = native_layer_norm(x, ns, w, b, 1e-5);
  const std::vector<double> up = testing::random_upstream(y.numel());
  const Tensor gy = tensor(up, y.sizes()).to(kFloat64);
  const auto [gx, gw, gb] = native_layer_norm_backward(gy, x, ns, mean, rstd, w);
  const auto fx = [&](const Tensor& t) { return values(layer_norm(t, ns, w, b)); };
  const auto fw = [&](const Tensor& t) { return values(layer_norm(x, ns, t, b)); };
  const auto fb = [&](const Tensor& t) { return values(layer_norm(x, ns, w, t)); };
  EXPECT_TRUE(testing::gradient_matches(gx, testing::numeric_gradient(fx, x, up)));
  EXPECT_TRUE(testing::gradient_matches(gw, testing::numeric_gradient(fw, w, up)));
  EXPECT_TRUE(testing::gradient_matches(gb, testing::numeric_gradient(fb, b, up)));
  // Without weight; and more columns than one block of the column sums (256).
  const Tensor x2 = random_tensor({3, 300}, kFloat64);
  const auto [y2, mean2, rstd2] = native_layer_norm(x2, 300, {}, {}, 1e-5);
  const std::vector<double> up2 = testing::random_upstream(y2.numel());
  const Tensor gy2 = tensor(up2, y2.sizes()).to(kFloat64);
  const auto [gx2, gw2, gb2] = native_layer_norm_backward(gy2, x2, 300, mean2, rstd2, {});
  const auto fx2 = [&](const Tensor& t) { return values(layer_norm(t, 300)); };
  EXPECT_TRUE(testing::gradient_matches(gx2, testing::numeric_gradient(fx2, x2, up2)));
  // gw and gb of the weightless call: the sums of gy * xhat and of gy over rows.
  const auto yv = values(y2);
  std::vector<double> rgw(300, 0.0), rgb(300, 0.0);
  for (int64_t r = 0; r < 3; ++r)
    for (int64_t j = 0; j < 300; ++j) {
      rgw[j] += up2[r * 300 + j] * yv[r * 300 + j];
      rgb[j] += up2[r * 300 + j];
    }
  EXPECT_TRUE(close_to(gw2, rgw, 1e-10));
  EXPECT_TRUE(close_to(gb2, rgb, 1e-10));
}

TEST(NnNorm, BadInputErrorsNameTheOpAndValues) {
  const Tensor x = zeros({4, 3, 5});
  EXPECT_TRUE(throws_with<ShapeError>([&] { batch_norm(x, zeros({4}), {}, {}, {}, true); },
                                      {"batch_norm", "weight", "[3]", "[4]"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { batch_norm(x, {}, {}, {}, {}, false); },
                                      {"batch_norm", "running_mean", "training"}));
  EXPECT_TRUE(throws_with<ValueError>(
      [&] {
        batch_norm(zeros({1, 3}), {}, {}, {}, {}, true);
      },
      {"batch_norm", "more than 1 value per channel", "[1, 3]"}));
  EXPECT_TRUE(throws_with<ShapeError>([&] { batch_norm(zeros({4}), {}, {}, {}, {}, true); },
                                      {"batch_norm", "[4]"}));
  EXPECT_TRUE(
      throws_with<DTypeError>([&] { batch_norm(x, zeros({3}, kFloat64), {}, {}, {}, true); },
                              {"batch_norm", "weight", "float64", "float32"}));
  EXPECT_TRUE(throws_with<ShapeError>(
      [&] {
        layer_norm(x, {3, 4});
      },
      {"layer_norm", "[4, 3, 5]", "[3, 4]"}));
  EXPECT_TRUE(throws_with<ShapeError>([&] { layer_norm(x, 5, zeros({4})); },
                                      {"layer_norm", "weight", "[5]", "[4]"}));
  EXPECT_TRUE(
      throws_with<DTypeError>([&] { layer_norm(x.to(kInt64), 5); }, {"layer_norm", "int64"}));
}

}  // namespace
}  // namespace ember
