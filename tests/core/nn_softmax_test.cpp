// softmax and log_softmax along every dim against naive float64 loops (contiguous, transposed
// and sliced inputs, large values that overflow a naive exp, the dtype option, zero-dim input);
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

// Softmax (or log-softmax) of row-major values of `sizes` along dim, stable in double.
std::vector<double> naive_softmax(const std::vector<double>& x, const std::vector<int64_t>& sizes,
                                  int64_t dim, bool log) {
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < dim; ++d) outer *= sizes[d];
  for (size_t d = dim + 1; d < sizes.size(); ++d) inner *= sizes[d];
  const int64_t n = sizes[dim];
  std::vector<double> y(x.size());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      double m = -std::numeric_limits<double>::infinity(), s = 0;
      for (int64_t k = 0; k < n; ++k) m = std::max(m, x[(o * n + k) * inner + i]);
      for (int64_t k = 0; k < n; ++k) s += std::exp(x[(o * n + k) * inner + i] - m);
      for (int64_t k = 0; k < n; ++k) {
        const double v = x[(o * n + k) * inner + i] - m;
        y[(o * n + k) * inner + i] = log ? v - std::log(s) : std::exp(v) / s;
      }
    }
  return y;
}

TEST(NnSoftmax, EveryDimMatchesReference) {
  const std::vector<int64_t> sizes = {3, 300, 5};  // 300 columns: more than one block of 256
  for (DType dt : {kFloat32, kFloat64}) {
    const Tensor x = random_tensor(sizes, dt, -5, 5);
    const auto xv = values(x);
    for (int64_t dim = 0; dim < 3; ++dim) {
      for (bool log : {false, true}) {
        SCOPED_TRACE(::testing::Message() << dtype_name(dt) << " dim " << dim << " log " << log);
        const Tensor y = log ? log_softmax(x, dim) : softmax(x, dim);
        EXPECT_EQ(y.dtype(), dt);
        EXPECT_TRUE(close_to(y, naive_softmax(xv, sizes, dim, log), pointwise_rtol(dt)));
        // Negative dim.
        const Tensor yn = log ? log_softmax(x, dim - 3) : softmax(x, dim - 3);
        EXPECT_EQ(values(yn), values(y));
      }
    }
  }
  // The classifier shape [64, 10] along the last dim, and [4, 1000, 3] along dim 1.
  for (const std::vector<int64_t>& s :
       {std::vector<int64_t>{64, 10}, std::vector<int64_t>{4, 1000, 3}}) {
    const Tensor x = random_tensor(s, kFloat32, -10, 10);
    EXPECT_TRUE(close_to(log_softmax(x, 1), naive_softmax(values(x), s, 1, true), 1e-5));
  }
}

TEST(NnSoftmax, StableForLargeValuesAndStridedInputs) {
  const Tensor x =
      tensor(std::vector<double>{1000, 1001, 1002, -1000, 0, 1000}, {2, 3}).to(kFloat32);
  const auto xv = values(x);
  EXPECT_TRUE(close_to(softmax(x, 1), naive_softmax(xv, {2, 3}, 1, false), 1e-5));
  EXPECT_TRUE(close_to(log_softmax(x, 1), naive_softmax(xv, {2, 3}, 1, true), 1e-5));
  // Transposed and sliced views give the values of their logical contents.
  const Tensor base = random_tensor({6, 7}, kFloat64);
  const Tensor t = base.t();  // [7, 6], strided
  EXPECT_TRUE(close_to(softmax(t, 1), naive_softmax(values(t), {7, 6}, 1, false), 1e-10));
  const Tensor s = base.slice(1, 0, 7, 2);  // [6, 4], column step 2
  EXPECT_TRUE(close_to(log_softmax(s, 0), naive_softmax(values(s), {6, 4}, 0, true), 1e-10));
  // dtype: compute in float64 from an integer input.
  const Tensor ints = tensor(std::vector<int64_t>{1, 2, 3}, {3});
  const Tensor yd = softmax(ints, 0, kFloat64);
  EXPECT_EQ(yd.dtype(), kFloat64);
  EXPECT_TRUE(close_to(yd, naive_softmax({1, 2, 3}, {3}, 0, false), 1e-10));
  // Zero-dim: softmax 1, log_softmax 0.
  EXPECT_EQ(values(softmax(scalar_tensor(3.5, kFloat64), 0)), std::vector<double>({1.0}));
  EXPECT_EQ(values(log_softmax(scalar_tensor(3.5, kFloat64), -1)), std::vector<double>({0.0}));
}

TEST(NnSoftmax, BackwardMatchesFiniteDifferences) {
  const std::vector<int64_t> sizes = {3, 4, 5};
  const Tensor x = random_tensor(sizes, kFloat64);
  for (int64_t dim = 0; dim < 3; ++dim) {
    for (bool log : {false, true}) {
      const Tensor y = log ? log_softmax(x, dim) : softmax(x, dim);
      const std::vector<double> up = testing::random_upstream(y.numel());
      const Tensor gy = tensor(up, y.sizes()).to(kFloat64);
      const Tensor gx = log ? log_softmax_backward(gy, y, dim) : softmax_backward(gy, y, dim);
      const auto f = [&](const Tensor& t) {
        return values(log ? log_softmax(t, dim) : softmax(t, dim));
      };
      EXPECT_TRUE(testing::gradient_matches(gx, testing::numeric_gradient(f, x, up)))
          << "dim " << dim << " log " << log;
    }
  }
}

TEST(NnSoftmax, BadInputErrorsNameTheOpAndValues) {
  EXPECT_TRUE(throws_with<IndexError>([] { softmax(zeros({2, 3}), 2); }, {"softmax", "2"}));
  EXPECT_TRUE(throws_with<DTypeError>(
      [] {
        log_softmax(zeros({2, 3}, kInt64), 1);
      },
      {"log_softmax", "int64"}));
  EXPECT_TRUE(throws_with<ShapeError>(
      [] {
        softmax_backward(zeros({2, 3}), zeros({3, 2}), 1);
      },
      {"softmax_backward", "[2, 3]", "[3, 2]"}));
}

}  // namespace
}  // namespace ember
