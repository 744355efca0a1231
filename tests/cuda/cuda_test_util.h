// Helpers of the CUDA tests: fresh random inputs of any dtype built on the CPU (the seed is printed
// with every failure), and comparison of a result with its CPU reference: exact for integer and
// bool results, by dtype tolerance otherwise.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "ember/ember.h"
#include "support/test_util.h"

namespace ember::testing {

// A fresh generator per test; its seed goes into every failure message of the scope that holds it.
class FreshRandom {
 public:
  FreshRandom()
      : seed_(std::random_device{}()),
        rng_(seed_),
        trace_(__FILE__, __LINE__, "random seed " + std::to_string(seed_)) {}

  // Uniform values in [lo, hi) of dtype on the CPU: integers rounded down (uint8 from max(lo, 0)),
  // bool true with probability 1/2.
  Tensor uniform(IntArrayRef sizes, DType dtype, double lo = -2.0, double hi = 2.0) {
    int64_t n = 1;
    for (int64_t s : sizes) n *= s;
    if (dtype == kUInt8) lo = std::max(lo, 0.0);
    std::uniform_real_distribution<double> dist(lo, hi);
    std::vector<double> v(static_cast<size_t>(n));
    for (double& x : v) {
      x = dist(rng_);
      if (dtype == kBool) {
        x = std::bernoulli_distribution(0.5)(rng_) ? 1.0 : 0.0;
      } else if (!is_floating_point(dtype)) {
        x = std::floor(x);
      }
    }
    return tensor(v, sizes, TensorOptions().dtype(kFloat64)).to(dtype);
  }

  uint32_t seed() const { return seed_; }

 private:
  uint32_t seed_;
  std::mt19937_64 rng_;
  ::testing::ScopedTrace trace_;
};

// The values of any tensor, read on the CPU in its own dtype first (so that no device-side
// conversion is involved), then as doubles.
inline std::vector<double> host_values(const Tensor& t) {
  return values(t.is_cpu() ? t : t.to(Device(kCPU)));
}

// Tolerances for a result of dtype t computed on two devices (different libm, FMA contraction on
// the GPU): relative as in the table, and the same absolute floor for results near zero.
inline double parity_rtol(DType t) {
  return elementwise_rtol(t);
}

inline ::testing::AssertionResult matches(const Tensor& actual, const Tensor& expected) {
  if (actual.sizes() != expected.sizes()) {
    return ::testing::AssertionFailure()
           << "shapes differ: " << actual.shape_str() << " vs " << expected.shape_str();
  }
  if (actual.dtype() != expected.dtype()) {
    return ::testing::AssertionFailure() << "dtypes differ: " << dtype_name(actual.dtype())
                                         << " vs " << dtype_name(expected.dtype());
  }
  const double rtol = parity_rtol(expected.dtype());
  return all_close(host_values(actual), host_values(expected), rtol, rtol);
}

// Exact equality of values (copies, integer results).
inline ::testing::AssertionResult identical(const Tensor& actual, const Tensor& expected) {
  if (actual.sizes() != expected.sizes()) {
    return ::testing::AssertionFailure()
           << "shapes differ: " << actual.shape_str() << " vs " << expected.shape_str();
  }
  return all_close(host_values(actual), host_values(expected), 0.0, 0.0);
}

inline const std::vector<DType>& all_dtypes() {
  static const std::vector<DType> d{kFloat32, kFloat64, kFloat16, kBFloat16,
                                    kUInt8,   kInt32,   kInt64,   kBool};
  return d;
}

// The dispatcher rows that the CUDA parity tests exercise: each parity test file registers its ops
// at load time (register_parity_tested), and CudaDispatchCoverage checks the set against the CUDA
// rows of the dispatcher.
inline std::set<std::string>& parity_tested_ops() {
  static std::set<std::string> ops;
  return ops;
}
inline bool register_parity_tested(std::initializer_list<const char*> ops) {
  for (const char* op : ops) parity_tested_ops().insert(op);
  return true;
}

// Bitwise equality of two tensors' values in their own dtype (NaN payloads and signed zeros
// included), read on the CPU: for results that must be bit-identical across devices.
inline ::testing::AssertionResult same_bits(const Tensor& actual, const Tensor& expected) {
  if (actual.sizes() != expected.sizes() || actual.dtype() != expected.dtype()) {
    return ::testing::AssertionFailure()
           << "shapes or dtypes differ: " << actual.shape_str() << " vs " << expected.shape_str();
  }
  const Tensor a = actual.to(Device(kCPU)).contiguous();
  const Tensor e = expected.to(Device(kCPU)).contiguous();
  const auto* pa = static_cast<const unsigned char*>(a.data_ptr());
  const auto* pe = static_cast<const unsigned char*>(e.data_ptr());
  const size_t size = a.element_size();
  for (int64_t i = 0; i < a.numel(); ++i) {
    for (size_t b = 0; b < size; ++b) {
      if (pa[i * size + b] != pe[i * size + b]) {
        return ::testing::AssertionFailure()
               << "element " << i << " differs in its bits: " << host_values(actual)[i] << " vs "
               << host_values(expected)[i];
      }
    }
  }
  return ::testing::AssertionSuccess();
}

inline Device cuda0() {
  return Device(kCUDA, 0);
}

// A way of reaching a [37, 53] tensor (or a larger one) from a fresh base tensor: the same view is
// applied to the CPU base and to its copy on the GPU, so both sides see the same layout.
struct ViewLayout {
  const char* name;
  std::vector<int64_t> base;
  Tensor (*view)(const Tensor&);
};

// contiguous (a tail after whole 16-byte vectors), large (many blocks), transposed, sliced with a
// step, contiguous but misaligned for vectors, broadcast (stride 0).
inline const std::vector<ViewLayout>& standard_layouts() {
  static const std::vector<ViewLayout> layouts{
      {"contiguous", {37, 53}, [](const Tensor& t) { return t; }},
      {"large", {257, 1031}, [](const Tensor& t) { return t; }},
      {"transposed", {53, 37}, [](const Tensor& t) { return t.t(); }},
      {"sliced", {37, 106}, [](const Tensor& t) { return t.slice(1, 0, 106, 2); }},
      {"misaligned",
       {1962},
       [](const Tensor& t) {
         return t.slice(0, 1).view({37, 53});
       }},
      {"broadcast",
       {1, 53},
       [](const Tensor& t) {
         return t.expand({37, 53});
       }},
  };
  return layouts;
}

}  // namespace ember::testing
