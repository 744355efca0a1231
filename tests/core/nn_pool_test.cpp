// max_pool2d, avg_pool2d and adaptive_avg_pool2d against naive float64 loops written from
// PyTorch's definitions (window placement, ceil_mode, padding, dilation, count_include_pad,
// divisor_override, the index of the first maximum), on batched, unbatched and sliced inputs;
// backward kernels against central finite differences; errors.
#include <limits>

#include "core/nn_test_helpers.h"

namespace ember {
namespace {

using testing::close_to;
using testing::pointwise_rtol;
using testing::random_tensor;
using testing::throws_with;
using testing::values;

struct PoolCase {
  int64_t n, c, h, w;
  std::array<int64_t, 2> kernel, stride, padding{0, 0}, dilation{1, 1};
  bool ceil_mode = false;
};

// PyTorch's output size, written out in the test.
int64_t pooled(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d, bool ceil_mode) {
  const double span = static_cast<double>(in + 2 * p - d * (k - 1) - 1) / static_cast<double>(s);
  int64_t out = static_cast<int64_t>(ceil_mode ? std::ceil(span) : std::floor(span)) + 1;
  if (ceil_mode && (out - 1) * s >= in + p) --out;
  return out;
}

// Naive max pooling: values and flat indices of the first maximum (NaN-free inputs).
std::pair<std::vector<double>, std::vector<double>> naive_max_pool(const std::vector<double>& x,
                                                                   const PoolCase& c) {
  const int64_t oh =
      pooled(c.h, c.kernel[0], c.stride[0], c.padding[0], c.dilation[0], c.ceil_mode);
  const int64_t ow =
      pooled(c.w, c.kernel[1], c.stride[1], c.padding[1], c.dilation[1], c.ceil_mode);
  std::vector<double> y, idx;
  for (int64_t p = 0; p < c.n * c.c; ++p)
    for (int64_t i = 0; i < oh; ++i)
      for (int64_t j = 0; j < ow; ++j) {
        double best = -std::numeric_limits<double>::infinity();
        int64_t best_i = -1;
        for (int64_t ki = 0; ki < c.kernel[0]; ++ki)
          for (int64_t kj = 0; kj < c.kernel[1]; ++kj) {
            const int64_t ih = i * c.stride[0] - c.padding[0] + ki * c.dilation[0];
            const int64_t iw = j * c.stride[1] - c.padding[1] + kj * c.dilation[1];
            if (ih < 0 || ih >= c.h || iw < 0 || iw >= c.w) continue;
            const double v = x[(p * c.h + ih) * c.w + iw];
            if (v > best) {
              best = v;
              best_i = ih * c.w + iw;
            }
          }
        y.push_back(best);
        idx.push_back(static_cast<double>(best_i));
      }
  return {y, idx};
}

// Naive average pooling with PyTorch's divisor rules.
std::vector<double> naive_avg_pool(const std::vector<double>& x, const PoolCase& c,
                                   bool count_include_pad, int64_t divisor_override) {
  const int64_t oh = pooled(c.h, c.kernel[0], c.stride[0], c.padding[0], 1, c.ceil_mode);
  const int64_t ow = pooled(c.w, c.kernel[1], c.stride[1], c.padding[1], 1, c.ceil_mode);
  std::vector<double> y;
  for (int64_t p = 0; p < c.n * c.c; ++p)
    for (int64_t i = 0; i < oh; ++i)
      for (int64_t j = 0; j < ow; ++j) {
        const int64_t h0 = i * c.stride[0] - c.padding[0], w0 = j * c.stride[1] - c.padding[1];
        // The window clipped to the padded input counts for count_include_pad.
        const int64_t h1p = std::min(h0 + c.kernel[0], c.h + c.padding[0]);
        const int64_t w1p = std::min(w0 + c.kernel[1], c.w + c.padding[1]);
        double sum = 0;
        int64_t inside = 0;
        for (int64_t ih = h0; ih < h1p; ++ih)
          for (int64_t iw = w0; iw < w1p; ++iw) {
            if (ih < 0 || ih >= c.h || iw < 0 || iw >= c.w) continue;
            sum += x[(p * c.h + ih) * c.w + iw];
            ++inside;
          }
        const int64_t divisor = divisor_override    ? divisor_override
                                : count_include_pad ? (h1p - h0) * (w1p - w0)
                                                    : inside;
        y.push_back(inside == 0 ? 0.0 : sum / static_cast<double>(divisor));
      }
  return y;
}

std::vector<double> naive_adaptive_avg(const std::vector<double>& x, int64_t planes, int64_t h,
                                       int64_t w, int64_t oh, int64_t ow) {
  std::vector<double> y;
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t i = 0; i < oh; ++i)
      for (int64_t j = 0; j < ow; ++j) {
        const int64_t h0 = static_cast<int64_t>(std::floor(static_cast<double>(i * h) / oh));
        const int64_t h1 = static_cast<int64_t>(std::ceil(static_cast<double>((i + 1) * h) / oh));
        const int64_t w0 = static_cast<int64_t>(std::floor(static_cast<double>(j * w) / ow));
        const int64_t w1 = static_cast<int64_t>(std::ceil(static_cast<double>((j + 1) * w) / ow));
        double sum = 0;
        for (int64_t a = h0; a < h1; ++a)
          for (int64_t b = w0; b < w1; ++b) sum += x[(p * h + a) * w + b];
        y.push_back(sum / static_cast<double>((h1 - h0) * (w1 - w0)));
      }
  return y;
}

const std::vector<PoolCase> kMaxCases = {
    {64, 64, 24, 24, {2, 2}, {2, 2}},                    // the MNIST CNN's pooling
    {2, 3, 7, 9, {3, 2}, {2, 3}},                        // odd sizes
    {2, 2, 8, 7, {3, 3}, {2, 2}, {1, 1}},                // padding
    {1, 3, 9, 10, {3, 2}, {1, 2}, {1, 1}, {2, 3}},       // dilation
    {2, 2, 7, 7, {2, 2}, {2, 2}, {0, 0}, {1, 1}, true},  // ceil_mode adds a partial window
    {1, 2, 6, 8, {3, 3}, {2, 3}, {1, 1}, {1, 1}, true},  // ceil_mode with padding
    {1, 1, 5, 5, {5, 5}, {1, 1}},                        // one window covering the input
};

TEST(NnPool, MaxPoolMatchesReferenceWithIndices) {
  for (DType dt : {kFloat32, kFloat64}) {
    for (const PoolCase& c : kMaxCases) {
      SCOPED_TRACE(::testing::Message() << dtype_name(dt) << " " << c.h << "x" << c.w << " k"
                                        << c.kernel[0] << c.kernel[1] << " ceil " << c.ceil_mode);
      const Tensor x = random_tensor({c.n, c.c, c.h, c.w}, dt);
      const auto [y, idx] = max_pool2d_with_indices(
          x, {c.kernel[0], c.kernel[1]}, {c.stride[0], c.stride[1]}, {c.padding[0], c.padding[1]},
          {c.dilation[0], c.dilation[1]}, c.ceil_mode);
      const auto [ry, ridx] = naive_max_pool(values(x), c);
      EXPECT_EQ(values(y), ry);  // a selection: exact
      EXPECT_EQ(idx.dtype(), kInt64);
      EXPECT_EQ(values(idx), ridx);
      EXPECT_EQ(values(max_pool2d(x, {c.kernel[0], c.kernel[1]}, {c.stride[0], c.stride[1]},
                                  {c.padding[0], c.padding[1]}, {c.dilation[0], c.dilation[1]},
                                  c.ceil_mode)),
                ry);
    }
  }
}

TEST(NnPool, MaxPoolTiesPickTheFirstAndNanPropagates) {
  const Tensor x =
      tensor(std::vector<double>{1, 1, 1, 1, 2, std::nan(""), 2, 0}, {2, 2, 2}).to(kFloat32);
  const auto [y, idx] = max_pool2d_with_indices(x, {2, 2});
  EXPECT_EQ(values(idx), std::vector<double>({0, 1}));
  const auto yv = values(y);
  EXPECT_EQ(yv[0], 1.0);
  EXPECT_TRUE(std::isnan(yv[1]));
}

TEST(NnPool, AvgPoolMatchesReference) {
  const std::vector<PoolCase> cases = {
      {64, 32, 24, 24, {2, 2}, {2, 2}},
      {2, 3, 7, 9, {3, 2}, {2, 3}},
      {2, 2, 8, 7, {3, 3}, {2, 2}, {1, 1}},
      {2, 2, 7, 7, {2, 3}, {2, 2}, {1, 1}, {1, 1}, true},
      {1, 2, 5, 6, {3, 3}, {2, 2}, {0, 1}, {1, 1}, true},
  };
  for (DType dt : {kFloat32, kFloat64}) {
    for (const PoolCase& c : cases) {
      for (bool include_pad : {true, false}) {
        for (int64_t divisor : {int64_t{0}, int64_t{5}}) {
          SCOPED_TRACE(::testing::Message()
                       << dtype_name(dt) << " " << c.h << "x" << c.w << " include_pad "
                       << include_pad << " divisor " << divisor << " ceil " << c.ceil_mode);
          const Tensor x = random_tensor({c.n, c.c, c.h, c.w}, dt);
          const Tensor y = avg_pool2d(x, {c.kernel[0], c.kernel[1]}, {c.stride[0], c.stride[1]},
                                      {c.padding[0], c.padding[1]}, c.ceil_mode, include_pad,
                                      divisor ? std::optional<int64_t>(divisor) : std::nullopt);
          EXPECT_TRUE(
              close_to(y, naive_avg_pool(values(x), c, include_pad, divisor), pointwise_rtol(dt)));
        }
      }
    }
  }
}

TEST(NnPool, AdaptiveAvgPoolMatchesReference) {
  const std::vector<std::array<int64_t, 4>> cases = {
      {7, 9, 3, 4}, {5, 5, 5, 5}, {6, 6, 1, 1}, {4, 10, 3, 7}, {3, 3, 5, 4}};
  for (DType dt : {kFloat32, kFloat64}) {
    for (const auto& [h, w, oh, ow] : cases) {
      const Tensor x = random_tensor({2, 3, h, w}, dt);
      const Tensor y = adaptive_avg_pool2d(x, {oh, ow});
      ASSERT_EQ(y.sizes(), IntArrayRef({2, 3, oh, ow}));
      EXPECT_TRUE(close_to(y, naive_adaptive_avg(values(x), 6, h, w, oh, ow), pointwise_rtol(dt)));
    }
  }
  const Tensor x = random_tensor({3, 8, 8}, kFloat64);  // unbatched, one size for both dims
  EXPECT_TRUE(
      close_to(adaptive_avg_pool2d(x, 3), naive_adaptive_avg(values(x), 3, 8, 8, 3, 3), 1e-10));
}

TEST(NnPool, UnbatchedAndSlicedInputs) {
  const PoolCase c{1, 3, 6, 7, {3, 3}, {2, 2}, {1, 1}};
  const Tensor x = random_tensor({3, 6, 7}, kFloat64);
  Tensor wide = zeros({3, 6, 14}, kFloat64);
  wide.slice(2, 0, 14, 2).copy_(x);
  const Tensor sliced = wide.slice(2, 0, 14, 2);
  const auto [ry, ridx] = naive_max_pool(values(x), c);
  const auto [y, idx] = max_pool2d_with_indices(sliced, 3, 2, 1);
  EXPECT_EQ(y.sizes(), IntArrayRef({3, 3, 4}));
  EXPECT_EQ(values(y), ry);
  EXPECT_EQ(values(idx), ridx);
  EXPECT_TRUE(close_to(avg_pool2d(sliced, 3, 2, 1), naive_avg_pool(values(x), c, true, 0), 1e-10));
}

TEST(NnPool, BackwardMatchesFiniteDifferences) {
  for (const PoolCase& c : {PoolCase{2, 2, 7, 8, {3, 2}, {2, 2}, {1, 1}, {1, 1}, true},
                            PoolCase{1, 2, 9, 9, {3, 3}, {2, 3}, {1, 0}, {2, 2}},
                            PoolCase{1, 1, 6, 6, {3, 3}, {1, 1}, {1, 1}}}) {
    const IntArrayRef k(c.kernel), s(c.stride), p(c.padding), d(c.dilation);
    const Tensor x = random_tensor({c.n, c.c, c.h, c.w}, kFloat64);
    // max_pool2d (dilation) and avg_pool2d (no dilation) over the same geometry.
    const auto [y, idx] = max_pool2d_with_indices(x, k, s, p, d, c.ceil_mode);
    const std::vector<double> up = testing::random_upstream(y.numel());
    const Tensor gy = tensor(up, y.sizes()).to(kFloat64);
    const auto fmax = [&](const Tensor& t) {
      return values(max_pool2d(t, k, s, p, d, c.ceil_mode));
    };
    EXPECT_TRUE(testing::gradient_matches(max_pool2d_backward(gy, x, idx),
                                          testing::numeric_gradient(fmax, x, up)));
    for (bool include_pad : {true, false}) {
      const Tensor ya = avg_pool2d(x, k, s, p, c.ceil_mode, include_pad);
      const std::vector<double> upa = testing::random_upstream(ya.numel());
      const Tensor gya = tensor(upa, ya.sizes()).to(kFloat64);
      const auto favg = [&](const Tensor& t) {
        return values(avg_pool2d(t, k, s, p, c.ceil_mode, include_pad));
      };
      EXPECT_TRUE(
          testing::gradient_matches(avg_pool2d_backward(gya, x, k, s, p, c.ceil_mode, include_pad),
                                    testing::numeric_gradient(favg, x, upa)));
    }
  }
  const Tensor x = random_tensor({2, 2, 7, 5}, kFloat64);
  const Tensor ya = adaptive_avg_pool2d(x, {3, 4});
  const std::vector<double> up = testing::random_upstream(ya.numel());
  const auto fa = [&](const Tensor& t) { return values(adaptive_avg_pool2d(t, {3, 4})); };
  EXPECT_TRUE(testing::gradient_matches(
      adaptive_avg_pool2d_backward(tensor(up, ya.sizes()).to(kFloat64), x),
      testing::numeric_gradient(fa, x, up)));
}

TEST(NnPool, BadInputErrorsNameTheOpAndValues) {
  const Tensor x = zeros({2, 3, 8, 8});
  EXPECT_TRUE(throws_with<ValueError>([&] { max_pool2d(x, 3, 1, 2); },
                                      {"max_pool2d", "padding [2, 2]", "kernel_size [3, 3]"}));
  EXPECT_TRUE(throws_with<ShapeError>(
      [&] {
        max_pool2d(zeros({1, 1, 2, 2}), 3);
      },
      {"max_pool2d", "[1, 1, 2, 2]", "too small"}));
  EXPECT_TRUE(throws_with<ShapeError>(
      [&] {
        avg_pool2d(zeros({8, 8}), 2);
      },
      {"avg_pool2d", "[8, 8]"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { avg_pool2d(x, 2, {}, 0, false, true, 0); },
                                      {"avg_pool2d", "divisor_override"}));
  EXPECT_TRUE(throws_with<ValueError>(
      [&] {
        max_pool2d(x, {2, 2, 2});
      },
      {"max_pool2d", "kernel_size", "[2, 2, 2]"}));
  EXPECT_TRUE(
      throws_with<DTypeError>([&] { max_pool2d(x.to(kInt32), 2); }, {"max_pool2d", "int32"}));
  EXPECT_TRUE(throws_with<ValueError>(
      [&] {
        adaptive_avg_pool2d(x, {0, 2});
      },
      {"adaptive_avg_pool2d", "output_size"}));
  const auto [y, idx] = max_pool2d_with_indices(x, 2);
  EXPECT_TRUE(throws_with<ShapeError>(
      [&] {
        max_pool2d_backward(zeros({2, 3, 3, 3}), x, idx);
      },
      {"max_pool2d_backward", "[2, 3, 3, 3]", "[2, 3, 4, 4]"}));
  EXPECT_TRUE(throws_with<IndexError>(
      [&] {
        max_pool2d_backward(zeros({2, 3, 4, 4}), x, full({2, 3, 4, 4}, int64_t{64}));
      },
      {"max_pool2d_backward", "64", "64 elements"}));
}

}  // namespace
}  // namespace ember
