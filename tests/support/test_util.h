// Helpers shared by Ember's tests: random inputs, float64 references, value comparison with
// tolerances, error-message checks, and a way to run one test body on every device.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <initializer_list>
#include <random>
#include <string>
#include <vector>

#include "ember/ember.h"

namespace ember::testing {

// A tensor of uniform values in [lo, hi) of any dtype (integers rounded towards zero), on the
// CPU. Drawn with std::mt19937_64, independent of Ember's own generator, and fresh on every call.
inline Tensor random_tensor(IntArrayRef sizes, DType dtype = kFloat32, double lo = -2.0,
                            double hi = 2.0) {
  static std::mt19937_64 rng(12345);
  std::uniform_real_distribution<double> dist(lo, hi);
  int64_t n = 1;
  for (int64_t s : sizes) n *= s;
  std::vector<double> v(static_cast<size_t>(n));
  for (double& x : v) x = dist(rng);
  return tensor(v, sizes).to(dtype);
}

// Every element of t as a double, in row-major order (any dtype, any device, any strides).
inline std::vector<double> values(const Tensor& t) {
  return t.to_vector<double>();
}

// Calls fn(index) for every multi-index of sizes, in row-major order.
inline void for_each_index(IntArrayRef sizes,
                           const std::function<void(const std::vector<int64_t>&)>& fn) {
  int64_t n = 1;
  for (int64_t s : sizes) n *= s;
  std::vector<int64_t> idx(sizes.size(), 0);
  for (int64_t i = 0; i < n; ++i) {
    fn(idx);
    for (size_t d = sizes.size(); d-- > 0;) {
      if (++idx[d] < sizes[d]) break;
      idx[d] = 0;
    }
  }
}

// Element of a CPU tensor at a multi-index, as a double (reads through the strides).
inline double value_at(const Tensor& t, const std::vector<int64_t>& idx) {
  Tensor e = t;
  for (size_t d = 0; d < idx.size(); ++d) e = e.select(0, idx[d]);
  return e.item<double>();
}

// Relative-or-absolute closeness of each element; NaN matches NaN, inf matches same-signed inf.
inline ::testing::AssertionResult all_close(const std::vector<double>& actual,
                                            const std::vector<double>& expected, double rtol,
                                            double atol = 0.0) {
  if (actual.size() != expected.size()) {
    return ::testing::AssertionFailure()
           << "sizes differ: " << actual.size() << " vs " << expected.size();
  }
  for (size_t i = 0; i < actual.size(); ++i) {
    const double a = actual[i], e = expected[i];
    if (std::isnan(a) && std::isnan(e)) continue;
    if (std::isinf(e) && a == e) continue;
    if (!(std::fabs(a - e) <= atol + rtol * std::fabs(e))) {
      return ::testing::AssertionFailure()
             << "element " << i << ": actual " << a << " vs expected " << e << " (|diff| "
             << std::fabs(a - e) << " > atol " << atol << " + rtol " << rtol << " * |expected|)";
    }
  }
  return ::testing::AssertionSuccess();
}

inline ::testing::AssertionResult all_close(const Tensor& actual,
                                            const std::vector<double>& expected, double rtol,
                                            double atol = 0.0) {
  return all_close(values(actual), expected, rtol, atol);
}

inline ::testing::AssertionResult all_close(const Tensor& actual, const Tensor& expected,
                                            double rtol, double atol = 0.0) {
  if (actual.sizes() != expected.sizes()) {
    return ::testing::AssertionFailure()
           << "shapes differ: " << actual.shape_str() << " vs " << expected.shape_str();
  }
  return all_close(values(actual), values(expected), rtol, atol);
}

// Tolerance of an element-wise result of dtype t (the table).
inline double elementwise_rtol(DType t) {
  switch (t) {
    case kFloat64:
      return 1e-12;
    case kFloat32:
      return 1e-6;
    case kFloat16:
    case kBFloat16:
      return 1e-2;
    default:
      return 0.0;
  }
}

// Runs fn and checks it throws E whose message contains every one of parts.
template <typename E, typename Fn>
::testing::AssertionResult throws_with(Fn&& fn, std::initializer_list<std::string> parts) {
  try {
    fn();
  } catch (const E& e) {
    const std::string msg = e.what();
    for (const std::string& p : parts) {
      if (msg.find(p) == std::string::npos) {
        return ::testing::AssertionFailure() << "message \"" << msg << "\" lacks \"" << p << "\"";
      }
    }
    return ::testing::AssertionSuccess();
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << "threw another exception: " << e.what();
  }
  return ::testing::AssertionFailure() << "did not throw";
}

// The devices a test body runs on: the CPU always, CUDA when a GPU answers.
inline std::vector<Device> test_devices() {
  std::vector<Device> d{Device(kCPU)};
  if (cuda::is_available()) d.push_back(Device(kCUDA, 0));
  return d;
}

// Skips the current test (saying why) when no GPU answers.
#define EMBER_REQUIRE_CUDA()                                                  \
  do {                                                                        \
    if (!::ember::cuda::is_available())                                       \
      GTEST_SKIP() << "no CUDA GPU: " << ::ember::cuda::unavailable_reason(); \
  } while (0)

}  // namespace ember::testing
