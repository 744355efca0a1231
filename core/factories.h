// Tensor factories: empty/zeros/ones/full (and *_like), ranges, eye, random tensors, tensors
// from C++ values (nested braced lists, std::vector) and from memory owned elsewhere.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <vector>

#include "ember/core/generator.h"
#include "ember/core/tensor.h"

namespace ember {

EMBER_API Tensor empty(IntArrayRef sizes, const TensorOptions& options = {});
EMBER_API Tensor empty_strided(IntArrayRef sizes, IntArrayRef strides,
                               const TensorOptions& options = {});
EMBER_API Tensor zeros(IntArrayRef sizes, const TensorOptions& options = {});
EMBER_API Tensor ones(IntArrayRef sizes, const TensorOptions& options = {});
// The dtype follows the value when options set none (bool, int64 or the default float).
EMBER_API Tensor full(IntArrayRef sizes, const Scalar& value, const TensorOptions& options = {});
// *_like take sizes, dtype and device from self unless options override them.
EMBER_API Tensor empty_like(const Tensor& self, const TensorOptions& options = {});
EMBER_API Tensor zeros_like(const Tensor& self, const TensorOptions& options = {});
EMBER_API Tensor ones_like(const Tensor& self, const TensorOptions& options = {});
EMBER_API Tensor full_like(const Tensor& self, const Scalar& value,
                           const TensorOptions& options = {});
EMBER_API Tensor rand_like(const Tensor& self, const TensorOptions& options = {});
EMBER_API Tensor randn_like(const Tensor& self, const TensorOptions& options = {});

// [start, end) in steps; int64 when all bounds are integers, else the default float dtype.
EMBER_API Tensor arange(const Scalar& end, const TensorOptions& options = {});
EMBER_API Tensor arange(const Scalar& start, const Scalar& end, const Scalar& step = 1,
                        const TensorOptions& options = {});
EMBER_API Tensor linspace(double start, double end, int64_t steps,
                          const TensorOptions& options = {});
EMBER_API Tensor eye(int64_t n, const TensorOptions& options = {});
EMBER_API Tensor eye(int64_t n, int64_t m, const TensorOptions& options = {});

// Uniform in [0, 1).
EMBER_API Tensor rand(IntArrayRef sizes, const TensorOptions& options = {});
EMBER_API Tensor rand(IntArrayRef sizes, Generator* generator, const TensorOptions& options = {});
// Standard normal.
EMBER_API Tensor randn(IntArrayRef sizes, const TensorOptions& options = {});
EMBER_API Tensor randn(IntArrayRef sizes, Generator* generator, const TensorOptions& options = {});
// Integers uniform in [low, high); int64 unless options say otherwise.
EMBER_API Tensor randint(int64_t high, IntArrayRef sizes, const TensorOptions& options = {});
EMBER_API Tensor randint(int64_t low, int64_t high, IntArrayRef sizes,
                         const TensorOptions& options = {});
EMBER_API Tensor randint(int64_t low, int64_t high, IntArrayRef sizes, Generator* generator,
                         const TensorOptions& options = {});
// A random permutation of 0..n-1 (int64).
EMBER_API Tensor randperm(int64_t n, const TensorOptions& options = {});
EMBER_API Tensor randperm(int64_t n, Generator* generator, const TensorOptions& options = {});
// Samples of N(mean, std) with the shape of mean/std when given as tensors.
EMBER_API Tensor normal(double mean, double std, IntArrayRef sizes, Generator* generator = nullptr,
                        const TensorOptions& options = {});

// A tensor over memory owned elsewhere; deleter (may be empty) runs when the last view goes.
// The memory must stay valid until then, and must be on options' device.
EMBER_API Tensor from_blob(void* data, IntArrayRef sizes, const TensorOptions& options = {});
EMBER_API Tensor from_blob(void* data, IntArrayRef sizes, IntArrayRef strides,
                           const TensorOptions& options = {});
EMBER_API Tensor from_blob(void* data, IntArrayRef sizes, std::function<void(void*)> deleter,
                           const TensorOptions& options = {});

// A nested braced list of numbers: ember::tensor({{1, 2}, {3, 4}}). Its dtype is inferred
// (bool, int64, or the default float type when any value is floating) unless options set one.
class EMBER_API TensorInit {
 public:
  TensorInit(double v) : scalar_(v), is_scalar_(true) {}                      // NOLINT: implicit
  TensorInit(float v) : scalar_(static_cast<double>(v)), is_scalar_(true) {}  // NOLINT
  TensorInit(int v) : scalar_(static_cast<int64_t>(v)), is_scalar_(true) {}   // NOLINT
  TensorInit(long v) : scalar_(static_cast<int64_t>(v)), is_scalar_(true) {}  // NOLINT
  TensorInit(long long v) : scalar_(static_cast<int64_t>(v)), is_scalar_(true) {}  // NOLINT
  TensorInit(bool v) : scalar_(v), is_scalar_(true) {}                             // NOLINT
  TensorInit(std::initializer_list<TensorInit> list);                              // NOLINT

  bool is_scalar() const { return is_scalar_; }
  const Scalar& scalar() const { return scalar_; }
  const std::vector<TensorInit>& elements() const { return elements_; }

 private:
  Scalar scalar_;
  bool is_scalar_ = false;
  std::vector<TensorInit> elements_;
};

EMBER_API Tensor tensor(const TensorInit& values, const TensorOptions& options = {});
// A 1-D tensor of the vector's values (dtype from T unless options set one).
template <typename T>
Tensor tensor(const std::vector<T>& values, const TensorOptions& options = {});
// A tensor of the given sizes holding the vector's values in row-major order.
template <typename T>
Tensor tensor(const std::vector<T>& values, IntArrayRef sizes, const TensorOptions& options = {});

// A zero-dim tensor holding value.
EMBER_API Tensor scalar_tensor(const Scalar& value, const TensorOptions& options = {});

}  // namespace ember
