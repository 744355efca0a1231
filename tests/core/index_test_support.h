// Helpers of the indexing and sorting tests (index_test.cpp, sort_test.cpp): seeded random inputs
// built on the host (independent of Ember's own generator), the same logical input in several
// memory layouts, a row-major host copy for naive reference loops, and a stand-in CUDA tensor
// for device checks that must fail before any data is read.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "support/test_util.h"

namespace ember::testing {

// A tensor of the given sizes and dtype with values drawn uniformly from [lo, hi) (floor-ed for
// integer dtypes or when `integers`, `value != 0` for bool), made on the host from a seeded
// std::mt19937_64. uint8 shifts a negative range up to start at 0.
inline Tensor host_random(IntArrayRef sizes, DType dtype, uint64_t seed, double lo = -4.0,
                          double hi = 4.0, bool integers = false) {
  if (dtype == kUInt8 && lo < 0) {
    hi -= lo;
    lo = 0;
  }
  std::mt19937_64 gen(seed);
  std::uniform_real_distribution<double> dist(lo, hi);
  int64_t n = 1;
  for (int64_t s : sizes) n *= s;
  std::vector<double> v(static_cast<size_t>(n));
  for (double& x : v) {
    x = dist(gen);
    if (integers || !is_floating_point(dtype)) x = std::floor(x);
  }
  return tensor(v, sizes, TensorOptions().dtype(kFloat64)).to(dtype);
}

// Random int64 values in [lo, hi).
inline Tensor host_random_index(IntArrayRef sizes, int64_t lo, int64_t hi, uint64_t seed) {
  std::mt19937_64 gen(seed);
  std::uniform_int_distribution<int64_t> dist(lo, hi - 1);
  int64_t n = 1;
  for (int64_t s : sizes) n *= s;
  std::vector<int64_t> v(static_cast<size_t>(n));
  for (int64_t& x : v) x = dist(gen);
  return tensor(v, sizes);
}

// One logical input and how its memory is laid out.
struct LayoutCase {
  std::string name;
  Tensor tensor;
};

// `sizes` filled with random values (as host_random) in four layouts: contiguous; a transpose
// of dims 0 and last; a slice taking every other element of the last dim; and a broadcast
// (stride 0) of a size-1 dim 0. Layouts that need two dims are left out for 1-D sizes.
inline std::vector<LayoutCase> layouts(IntArrayRef sizes, DType dtype, uint64_t seed,
                                       double lo = -4.0, double hi = 4.0, bool integers = false) {
  std::vector<LayoutCase> out;
  const int64_t nd = static_cast<int64_t>(sizes.size());
  std::vector<int64_t> s(sizes.begin(), sizes.end());
  out.push_back({"contiguous", host_random(s, dtype, seed, lo, hi, integers)});
  if (nd >= 2) {
    std::vector<int64_t> swapped = s;
    std::swap(swapped.front(), swapped.back());
    out.push_back({"transposed",
                   host_random(swapped, dtype, seed + 1, lo, hi, integers).transpose(0, nd - 1)});
  }
  if (nd >= 1) {
    std::vector<int64_t> wide = s;
    wide.back() *= 2;
    out.push_back(
        {"sliced",
         host_random(wide, dtype, seed + 2, lo, hi, integers).slice(nd - 1, 0, wide.back(), 2)});
    std::vector<int64_t> one = s;
    one.front() = 1;
    out.push_back({"broadcast", host_random(one, dtype, seed + 3, lo, hi, integers).expand(s)});
  }
  for (const LayoutCase& c : out) EXPECT_EQ(c.tensor.sizes(), sizes) << c.name;
  return out;
}

// A row-major host copy of a tensor for reference loops: values as doubles, read by multi-index.
struct HostCopy {
  explicit HostCopy(const Tensor& t) : sizes(t.sizes().begin(), t.sizes().end()), data(values(t)) {}
  int64_t linear(const std::vector<int64_t>& idx) const {
    int64_t l = 0;
    for (size_t d = 0; d < idx.size(); ++d) l = l * sizes[d] + idx[d];
    return l;
  }
  double at(const std::vector<int64_t>& idx) const {
    return data[static_cast<size_t>(linear(idx))];
  }
  int64_t numel() const { return static_cast<int64_t>(data.size()); }
  std::vector<int64_t> sizes;
  std::vector<double> data;
};

// A tensor that claims to live on cuda:0 over a host buffer that is never read: ops must refuse
// it (device mismatch) before touching data. Works in builds without CUDA.
inline Tensor fake_cuda_tensor(IntArrayRef sizes, DType dtype) {
  static std::vector<char> bytes(1 << 12);
  auto storage = make_intrusive<StorageImpl>(bytes.data(), bytes.size(), Device(kCUDA, 0), nullptr);
  return Tensor(make_intrusive<TensorImpl>(std::move(storage), dtype, sizes));
}

// Every dtype the indexing ops support.
inline std::vector<DType> all_dtypes() {
  return {kFloat32, kFloat64, kFloat16, kBFloat16, kInt64, kInt32, kUInt8, kBool};
}

}  // namespace ember::testing
