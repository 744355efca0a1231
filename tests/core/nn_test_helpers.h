// Helpers of the neural-network op tests (tests/core/nn_*_test.cpp): float64 values in row-major
// order, comparison against a reference with a tolerance relative to the reference's scale, and
// central finite differences of a scalar function of a float64 tensor (the independent check of
// every backward kernel).
#pragma once

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

#include "support/test_util.h"

namespace ember::testing {

// Tolerances of the issue: float32 matmul/conv 1e-4, float32 element-wise/losses 1e-5,
// float64 1e-10.
inline double gemm_rtol(DType t) {
  return t == kFloat64 ? 1e-10 : 1e-4;
}
inline double pointwise_rtol(DType t) {
  return t == kFloat64 ? 1e-10 : 1e-5;
}

// Every element within rtol of the reference, measured against the reference's largest magnitude
// (a sum's rounding error scales with its terms, not with the sometimes-cancelled result).
inline ::testing::AssertionResult close_to(const Tensor& actual,
                                           const std::vector<double>& expected, double rtol) {
  double scale = 0;
  for (double e : expected) scale = std::max(scale, std::fabs(e));
  return all_close(values(actual), expected, rtol, rtol * std::max(scale, 1e-300));
}

// A fresh float64 copy of a CPU tensor, contiguous (its elements may be perturbed in place).
inline Tensor float64_copy(const Tensor& t) {
  return t.to(kFloat64, false, true).contiguous();
}

// The gradient of L(x) = sum_i upstream_i * f(x)_i at x (float64, contiguous) by central
// differences, for the elements listed (all when empty); entries not listed are 0.
inline std::vector<double> numeric_gradient(
    const std::function<std::vector<double>(const Tensor&)>& f, const Tensor& x,
    const std::vector<double>& upstream, std::vector<int64_t> elements = {}, double h = 1e-6) {
  Tensor probe = float64_copy(x);
  double* p = probe.data_ptr<double>();
  if (elements.empty()) {
    for (int64_t i = 0; i < probe.numel(); ++i) elements.push_back(i);
  }
  auto objective = [&]() {
    const std::vector<double> y = f(probe);
    double s = 0;
    for (size_t i = 0; i < y.size(); ++i) s += upstream[i] * y[i];
    return s;
  };
  std::vector<double> grad(static_cast<size_t>(probe.numel()), 0.0);
  for (int64_t i : elements) {
    const double saved = p[i];
    p[i] = saved + h;
    const double plus = objective();
    p[i] = saved - h;
    const double minus = objective();
    p[i] = saved;
    grad[static_cast<size_t>(i)] = (plus - minus) / (2 * h);
  }
  return grad;
}

// The listed entries of an analytic gradient against a numeric one (entries not listed ignored).
inline ::testing::AssertionResult gradient_matches(const Tensor& analytic,
                                                   const std::vector<double>& numeric,
                                                   const std::vector<int64_t>& elements = {},
                                                   double tol = 1e-6) {
  std::vector<double> a = values(analytic);
  if (a.size() != numeric.size())
    return ::testing::AssertionFailure()
           << "sizes differ: " << a.size() << " vs " << numeric.size();
  double scale = 1e-3;
  for (double v : numeric) scale = std::max(scale, std::fabs(v));
  auto check = [&](size_t i) -> bool { return std::fabs(a[i] - numeric[i]) <= tol * scale; };
  if (elements.empty()) {
    for (size_t i = 0; i < a.size(); ++i)
      if (!check(i))
        return ::testing::AssertionFailure()
               << "element " << i << ": analytic " << a[i] << " vs numeric " << numeric[i];
  } else {
    for (int64_t e : elements)
      if (!check(static_cast<size_t>(e)))
        return ::testing::AssertionFailure()
               << "element " << e << ": analytic " << a[e] << " vs numeric " << numeric[e];
  }
  return ::testing::AssertionSuccess();
}

// Every k-th element index of a tensor of n elements, plus the last one.
inline std::vector<int64_t> sample_elements(int64_t n, int64_t k) {
  std::vector<int64_t> e;
  for (int64_t i = 0; i < n; i += k) e.push_back(i);
  if (n > 0 && e.back() != n - 1) e.push_back(n - 1);
  return e;
}

// Random upstream gradient values for a result of n elements.
inline std::vector<double> random_upstream(int64_t n) {
  return values(random_tensor({n}, kFloat64, -1.0, 1.0));
}

}  // namespace ember::testing
