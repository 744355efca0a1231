// Tests of the reductions (core/ops_reduce.cpp, kernels/cpu/reduce_*): every op against a float64
// reference computed here with naive loops, on contiguous, transposed, sliced and broadcast
// inputs of every dtype the op takes, keepdim both ways and several dim sets; larger shapes that
// take every CPU loop (rows, long rows cut into groups, columns, strided); empty and zero-dim
// inputs; NaN; accuracy of long float sums; determinism across runs and thread counts; and the
// errors of bad input.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "support/test_util.h"

namespace ember {
namespace {

using ember::testing::throws_with;
using ember::testing::values;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

const std::vector<DType> kAllDTypes = {kFloat32, kFloat64, kFloat16, kBFloat16,
                                       kInt64,   kInt32,   kUInt8,   kBool};
const std::vector<DType> kFloatDTypes = {kFloat32, kFloat64, kFloat16, kBFloat16};
const std::vector<std::vector<int64_t>> kDimSets = {{},     {0},     {1},    {2},      {-1},
                                                    {0, 2}, {2, -3}, {1, 2}, {0, 1, 2}};

// ---- random inputs in four layouts ----

std::mt19937_64& rng() {
  static std::mt19937_64 generator(20261125);
  return generator;
}

// Values of dtype drawn from [lo, hi) (integers rounded down, uint8 from max(lo, 0), bool a coin
// flip); a floating value is exactly 0 with probability zero_fraction.
Tensor random_input(const std::vector<int64_t>& sizes, DType dtype, double lo, double hi,
                    double zero_fraction = 0.0) {
  int64_t n = 1;
  for (int64_t s : sizes) n *= s;
  if (dtype == kUInt8) lo = std::max(lo, 0.0);
  std::uniform_real_distribution<double> uniform(lo, hi);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::vector<double> v(static_cast<size_t>(n));
  for (double& x : v) {
    if (dtype == kBool) {
      x = static_cast<double>(rng()() & 1u);
    } else if (is_floating_point(dtype)) {
      x = unit(rng()) < zero_fraction ? 0.0 : uniform(rng());
    } else {
      x = std::floor(uniform(rng()));
    }
  }
  return tensor(v, sizes, kFloat64).to(dtype);
}

struct Input {
  std::string layout;
  Tensor tensor;
};

// The same logical shape as a contiguous tensor, a permuted one (dims reversed), a slice (offset
// in every dim, every other element of the last) and a broadcast (dim 0 expanded from 1).
std::vector<Input> inputs_of(const std::vector<int64_t>& shape, DType dtype, double lo, double hi,
                             double zero_fraction = 0.0) {
  const size_t nd = shape.size();
  std::vector<Input> r;
  r.push_back({"contiguous", random_input(shape, dtype, lo, hi, zero_fraction)});
  if (nd >= 2) {
    std::vector<int64_t> reversed(shape.rbegin(), shape.rend()), perm(nd);
    for (size_t i = 0; i < nd; ++i) perm[i] = static_cast<int64_t>(nd - 1 - i);
    r.push_back({"transposed", random_input(reversed, dtype, lo, hi, zero_fraction).permute(perm)});
  }
  std::vector<int64_t> big = shape;
  for (int64_t& s : big) s += 1;
  big.back() = 2 * shape.back() + 1;
  Tensor sliced = random_input(big, dtype, lo, hi, zero_fraction);
  for (size_t d = 0; d + 1 < nd; ++d)
    sliced = sliced.slice(static_cast<int64_t>(d), 1, 1 + shape[d]);
  sliced = sliced.slice(static_cast<int64_t>(nd - 1), 1, 1 + 2 * shape.back(), 2);
  r.push_back({"sliced", sliced});
  std::vector<int64_t> one = shape;
  one[0] = 1;
  r.push_back({"broadcast", random_input(one, dtype, lo, hi, zero_fraction).expand(shape)});
  return r;
}

std::string describe(const Tensor& t, const std::string& layout, const std::vector<int64_t>& dims,
                     bool keepdim, const std::string& extra = "") {
  std::ostringstream os;
  os << t.toString() << " " << layout << " dims [";
  for (size_t i = 0; i < dims.size(); ++i) os << (i ? ", " : "") << dims[i];
  os << "] keepdim " << keepdim << " " << extra;
  return os.str();
}

// ---- the float64 reference: input values grouped by the output they reduce into ----

struct Reduced {
  std::vector<int64_t> shape;               // the result's shape
  std::vector<std::vector<double>> groups;  // per output, its inputs in row-major order
};

Reduced group_by_output(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  const int64_t nd = x.dim();
  std::vector<bool> reduced(static_cast<size_t>(nd), dims.empty());
  for (int64_t d : dims) reduced[static_cast<size_t>(d < 0 ? d + nd : d)] = true;
  Reduced r;
  int64_t nout = 1;
  for (int64_t d = 0; d < nd; ++d) {
    if (!reduced[d]) {
      r.shape.push_back(x.size(d));
      nout *= x.size(d);
    } else if (keepdim) {
      r.shape.push_back(1);
    }
  }
  r.groups.resize(static_cast<size_t>(nout));
  const std::vector<double> v = values(x);
  std::vector<int64_t> idx(static_cast<size_t>(nd), 0);
  for (double value : v) {
    int64_t o = 0;
    for (int64_t d = 0; d < nd; ++d)
      if (!reduced[d]) o = o * x.size(d) + idx[d];
    r.groups[o].push_back(value);
    for (int64_t d = nd; d-- > 0;) {
      if (++idx[d] < x.size(d)) break;
      idx[d] = 0;
    }
  }
  return r;
}

std::vector<double> per_group(const Reduced& r,
                              const std::function<double(const std::vector<double>&)>& fn) {
  std::vector<double> out;
  for (const auto& g : r.groups) out.push_back(fn(g));
  return out;
}

// Compensated (Neumaier) summation, so the reference is far more accurate than the tolerance.
double ref_sum(const std::vector<double>& g) {
  double s = 0, c = 0;
  for (double x : g) {
    const double t = s + x;
    c += std::fabs(s) >= std::fabs(x) ? (s - t) + x : (x - t) + s;
    s = t;
  }
  return s + c;
}
double ref_abs_sum(const std::vector<double>& g) {
  double s = 0;
  for (double x : g) s += std::fabs(x);
  return s;
}
double ref_max_abs(const std::vector<double>& g) {
  double m = 0;
  for (double x : g) m = std::max(m, std::fabs(x));
  return m;
}
double ref_prod(const std::vector<double>& g) {
  double p = 1;
  for (double x : g) p *= x;
  return p;
}
// Index of the largest (largest=true) or smallest value; the first NaN wins, then the first of
// equal values.
int64_t ref_arg(const std::vector<double>& g, bool largest) {
  int64_t best = 0;
  for (size_t i = 0; i < g.size(); ++i) {
    if (std::isnan(g[i])) return static_cast<int64_t>(i);
    if (largest ? g[i] > g[best] : g[i] < g[best]) best = static_cast<int64_t>(i);
  }
  return best;
}
double ref_var(const std::vector<double>& g, int64_t correction) {
  const double mean = ref_sum(g) / static_cast<double>(g.size());
  double ss = 0;
  for (double x : g) ss += (x - mean) * (x - mean);
  return ss /
         static_cast<double>(std::max<int64_t>(0, static_cast<int64_t>(g.size()) - correction));
}
double ref_norm(const std::vector<double>& g, double p) {
  if (std::isinf(p)) {
    double m = p > 0 ? 0 : kInf;
    for (double x : g) m = p > 0 ? std::max(m, std::fabs(x)) : std::min(m, std::fabs(x));
    return g.empty() ? 0 : m;
  }
  double s = 0;
  for (double x : g) s += p == 0 ? (x != 0) : std::pow(std::fabs(x), p);
  return p == 0 ? s : std::pow(s, 1.0 / p);
}
double ref_logsumexp(const std::vector<double>& g) {
  double m = -kInf;
  for (double x : g) m = std::max(m, x);
  if (std::isinf(m)) return m;
  double s = 0;
  for (double x : g) s += std::exp(x - m);
  return m + std::log(s);
}

// Relative tolerance of a reduction result of dtype t (the table); 0 means exact.
double rtol_of(DType t) {
  switch (t) {
    case kFloat64:
      return 1e-12;
    case kFloat32:
      return 1e-5;
    case kFloat16:
    case kBFloat16:
      return 1e-2;
    default:
      return 0.0;
  }
}

// Checks shape and dtype, then |actual - expected| <= tol[i] for each element (NaN matches NaN,
// an infinity matches itself).
::testing::AssertionResult matches(const Tensor& actual, const std::vector<int64_t>& shape,
                                   DType dtype, const std::vector<double>& expected,
                                   const std::vector<double>& tol) {
  if (actual.sizes() != IntArrayRef(shape)) {
    std::ostringstream want;
    for (size_t i = 0; i < shape.size(); ++i) want << (i ? ", " : "") << shape[i];
    return ::testing::AssertionFailure()
           << "shape " << actual.shape_str() << " vs expected [" << want.str() << "]";
  }
  if (actual.dtype() != dtype) {
    return ::testing::AssertionFailure()
           << "dtype " << dtype_name(actual.dtype()) << " vs expected " << dtype_name(dtype);
  }
  const std::vector<double> a = values(actual);
  for (size_t i = 0; i < a.size(); ++i) {
    const double e = expected[i];
    if (std::isnan(e) && std::isnan(a[i])) continue;
    if (std::isinf(e) && a[i] == e) continue;
    if (!(std::fabs(a[i] - e) <= tol[i])) {
      return ::testing::AssertionFailure() << "element " << i << ": " << a[i] << " vs expected "
                                           << e << " (tolerance " << tol[i] << ")";
    }
  }
  return ::testing::AssertionSuccess();
}

// tol[i] = rtol * scale(group i).
std::vector<double> tolerances(const Reduced& r, double rtol,
                               const std::function<double(const std::vector<double>&)>& scale) {
  std::vector<double> t;
  for (const auto& g : r.groups) t.push_back(rtol * scale(g));
  return t;
}
std::vector<double> exact(const Reduced& r) {
  return std::vector<double>(r.groups.size(), 0.0);
}

DType sum_dtype(DType t) {
  return is_integral(t, true) ? kInt64 : t;
}

// ---- sum ----

TEST(ReduceSum, MatchesReferenceOnEveryDtypeLayoutAndDims) {
  for (DType dt : kAllDTypes) {
    for (const Input& in : inputs_of({4, 5, 6}, dt, -3, 3)) {
      for (const auto& dims : kDimSets) {
        for (bool keepdim : {false, true}) {
          SCOPED_TRACE(describe(in.tensor, in.layout, dims, keepdim));
          const Reduced r = group_by_output(in.tensor, dims, keepdim);
          const Tensor s = in.tensor.sum(dims, keepdim);
          EXPECT_TRUE(matches(s, r.shape, sum_dtype(dt), per_group(r, ref_sum),
                              tolerances(r, rtol_of(dt), ref_abs_sum)));
        }
      }
      SCOPED_TRACE(in.layout + " sum() " + in.tensor.toString());
      const Reduced all = group_by_output(in.tensor, {}, false);
      EXPECT_TRUE(matches(in.tensor.sum(), {}, sum_dtype(dt), per_group(all, ref_sum),
                          tolerances(all, rtol_of(dt), ref_abs_sum)));
    }
  }
}

// Shapes large enough to take each CPU loop: long rows cut into several groups, many short rows
// per group, column tiles (full and partial), few outputs with many groups (partials combined
// afterwards), strided reduced dims, and broadcast dims.
TEST(ReduceSum, LargeShapesTakeEveryLoopAndMatchReference) {
  struct Case {
    std::vector<int64_t> shape;
    std::vector<std::vector<int64_t>> dims;
  };
  // clang-format off
  const std::vector<Case> cases = {
      {{3, 40000}, {{1}, {0}, {}}},
      {{300, 70}, {{0}, {1}, {}}},
      {{40000, 3}, {{0}, {1}}},
      {{5, 7, 11, 13}, {{0, 2}, {1, 3}, {0, 1, 3}, {2}}},
      {{6, 5, 3000}, {{0, 2}, {2}, {0}}},
      {{1 << 18}, {{0}}},
  };
  // clang-format on
  for (DType dt : {kFloat32, kFloat64, kInt32, kFloat16}) {
    // float16 sums of 2^18 values stay below its largest value, 65504.
    const double range = dt == kFloat16 ? 0.2 : dt == kInt32 ? 5 : 1;
    for (const Case& c : cases) {
      for (const Input& in : inputs_of(c.shape, dt, -range, range)) {
        for (const auto& dims : c.dims) {
          SCOPED_TRACE(describe(in.tensor, in.layout, dims, false));
          const Reduced r = group_by_output(in.tensor, dims, false);
          EXPECT_TRUE(matches(in.tensor.sum(dims), r.shape, sum_dtype(dt), per_group(r, ref_sum),
                              tolerances(r, rtol_of(dt), ref_abs_sum)));
        }
      }
    }
  }
}

TEST(ReduceSum, DtypeArgumentSetsTheResultType) {
  const Tensor ints = tensor(std::vector<int32_t>{1, 2, 3, 4}, {2, 2});
  Tensor s = ints.sum({1}, false, kFloat64);
  EXPECT_EQ(s.dtype(), kFloat64);
  EXPECT_EQ(values(s), (std::vector<double>{3, 7}));
  // A floating input summed as int64 truncates each element first, like PyTorch.
  s = tensor(std::vector<double>{1.5, 2.5, -0.5}).sum(kInt64);
  EXPECT_EQ(s.dtype(), kInt64);
  EXPECT_EQ(s.item<int64_t>(), 3);
  // Bool summed as bool is "any".
  s = tensor(std::vector<bool>{false, true, true}).sum(kBool);
  EXPECT_EQ(s.dtype(), kBool);
  EXPECT_TRUE(s.item<bool>());
  // float32 into float64 and half into float32 keep all the bits of the wider type.
  const Tensor f = random_input({1000}, kFloat32, -1, 1);
  s = f.sum(kFloat64);
  EXPECT_EQ(s.dtype(), kFloat64);
  EXPECT_NEAR(s.item<double>(), ref_sum(values(f)), 1e-12 * ref_abs_sum(values(f)));
  const Tensor h = random_input({1000}, kFloat16, -1, 1);
  s = h.sum({0}, false, kFloat32);
  EXPECT_EQ(s.dtype(), kFloat32);
  EXPECT_NEAR(s.item<double>(), ref_sum(values(h)), 1e-6 * ref_abs_sum(values(h)));
  // uint8 summed as uint8 wraps like PyTorch: 200 + 100 = 44 (mod 256); so do int32 products.
  s = tensor(std::vector<uint8_t>{200, 100}).sum(kUInt8);
  EXPECT_EQ(s.dtype(), kUInt8);
  EXPECT_EQ(s.item<int64_t>(), 44);
  s = tensor(std::vector<int32_t>{65536, 65537}).prod(kInt32);
  EXPECT_EQ(s.dtype(), kInt32);
  EXPECT_EQ(s.item<int64_t>(), 65536);  // 2^32 + 2^16 wraps to 2^16
  // A float32 input summed as float16 rounds each element to float16 first.
  const Tensor thirds = full({3}, 1.0 / 3.0, kFloat32);
  s = thirds.sum(kFloat16);
  EXPECT_EQ(s.dtype(), kFloat16);
  EXPECT_EQ(
      s.item<double>(),
      static_cast<double>(static_cast<float>(Half(3.0f * static_cast<float>(Half(1.0f / 3.0f))))));
  // sum_out into an integer out of a narrower type, and into a float16 out.
  Tensor narrow = empty({2}, kInt32);
  sum_out(narrow, ints, {1});
  EXPECT_EQ(values(narrow), (std::vector<double>{3, 7}));
  Tensor half_out = empty({2}, kFloat16);
  sum_out(half_out, ints, {0});
  EXPECT_EQ(values(half_out), (std::vector<double>{4, 6}));
}

TEST(ReduceSum, HalfTypesAccumulateInFloat) {
  // 4096 ones: a half accumulator stops at 2048, where 2048 + 1 rounds back to 2048.
  for (DType dt : {kFloat16, kBFloat16}) {
    SCOPED_TRACE(dtype_name(dt));
    const Tensor s = ones({4096}, dt).sum();
    EXPECT_EQ(s.dtype(), dt);
    EXPECT_EQ(s.item<double>(), 4096.0);
    // The mean of 100000 tens is 10 although their sum (1e6) overflows float16.
    EXPECT_EQ(full({100000}, 10.0, dt).mean().item<double>(), 10.0);
  }
}

TEST(ReduceSum, Float32SumOf16MElementsIsAccurate) {
  const int64_t n = int64_t{1} << 24;
  std::vector<float> v(static_cast<size_t>(n));
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  for (float& x : v) x = u(rng());
  double expected = 0, shifted = 0;
  for (float x : v) expected += x;
  const Tensor t = tensor(v, {n});
  EXPECT_NEAR(t.sum().item<double>(), expected, 1e-5 * expected);
  EXPECT_NEAR(t.mean().item<double>(), expected / static_cast<double>(n), 1e-5 * expected / n);
  // Mixed signs: the error bound is relative to the sum of magnitudes.
  for (float& x : v) x -= 0.5f;
  double magnitude = 0;
  for (float x : v) {
    shifted += x;
    magnitude += std::fabs(x);
  }
  EXPECT_NEAR(tensor(v, {n}).sum().item<double>(), shifted, 1e-7 * magnitude);
}

TEST(ReduceSum, SumOutWritesIntoOut) {
  const Tensor x = random_input({6, 5}, kFloat32, -1, 1);
  const Reduced r = group_by_output(x, {0}, false);
  // An out of the right shape.
  Tensor out = empty({5});
  EXPECT_TRUE(sum_out(out, x, {0}).is_same(out));
  EXPECT_TRUE(matches(out, {5}, kFloat32, per_group(r, ref_sum), tolerances(r, 1e-5, ref_abs_sum)));
  // An empty out is resized; its dtype sets the result's.
  Tensor wide = empty({0}, kFloat64);
  sum_out(wide, x, {0});
  EXPECT_TRUE(
      matches(wide, {5}, kFloat64, per_group(r, ref_sum), tolerances(r, 1e-6, ref_abs_sum)));
  // A strided out (a column of a larger tensor) is written through its strides.
  Tensor base = zeros({5, 3});
  Tensor column = base.select(1, 1);
  sum_out(column, x, {0});
  EXPECT_TRUE(matches(base.select(1, 1), {5}, kFloat32, per_group(r, ref_sum),
                      tolerances(r, 1e-5, ref_abs_sum)));
  EXPECT_EQ(values(base.select(1, 0)), std::vector<double>(5, 0.0));
  EXPECT_EQ(values(base.select(1, 2)), std::vector<double>(5, 0.0));
  // keepdim.
  Tensor kept = empty({6, 1});
  sum_out(kept, x, {1}, true);
  const Reduced rk = group_by_output(x, {1}, true);
  EXPECT_TRUE(
      matches(kept, {6, 1}, kFloat32, per_group(rk, ref_sum), tolerances(rk, 1e-5, ref_abs_sum)));
  // The wrong shape is refused.
  Tensor wrong = empty({2, 2});
  EXPECT_TRUE(throws_with<ShapeError>([&] { sum_out(wrong, x, {0}); },
                                      {"sum_out", "[2, 2]", "[5]", "[6, 5]"}));
}

// ---- mean, prod ----

TEST(ReduceMean, MatchesReferenceOnFloatingDtypes) {
  for (DType dt : kFloatDTypes) {
    for (const Input& in : inputs_of({4, 5, 6}, dt, -3, 3)) {
      for (const auto& dims : kDimSets) {
        for (bool keepdim : {false, true}) {
          SCOPED_TRACE(describe(in.tensor, in.layout, dims, keepdim));
          const Reduced r = group_by_output(in.tensor, dims, keepdim);
          EXPECT_TRUE(matches(
              in.tensor.mean(dims, keepdim), r.shape, dt,
              per_group(r, [](const auto& g) { return ref_sum(g) / g.size(); }),
              tolerances(r, rtol_of(dt), [](const auto& g) { return ref_abs_sum(g) / g.size(); })));
        }
      }
    }
  }
}

TEST(ReduceMean, IntegerInputsNeedAFloatingDtype) {
  const Tensor x = tensor(std::vector<int64_t>{1, 2, 3, 6}, {2, 2});
  const Tensor m = x.mean({1}, false, kFloat32);
  EXPECT_EQ(m.dtype(), kFloat32);
  EXPECT_EQ(values(m), (std::vector<double>{1.5, 4.5}));
  EXPECT_EQ(x.mean(kFloat64).item<double>(), 3.0);
  EXPECT_TRUE(throws_with<DTypeError>([&] { x.mean(); }, {"mean", "int64", "floating"}));
  EXPECT_TRUE(throws_with<DTypeError>([&] { x.mean({0}, false, kInt32); }, {"mean", "int32"}));
}

TEST(ReduceProd, MatchesReferenceOnEveryDtype) {
  for (DType dt : kAllDTypes) {
    // Values near 1 (or 1 and 2 for integers) keep products of 60 elements in range.
    const double lo = is_floating_point(dt) ? 0.8 : 1, hi = is_floating_point(dt) ? 1.25 : 3;
    for (const Input& in : inputs_of({3, 4, 5}, dt, lo, hi)) {
      for (int64_t dim : {0, 1, 2, -1}) {
        for (bool keepdim : {false, true}) {
          SCOPED_TRACE(describe(in.tensor, in.layout, {dim}, keepdim));
          const Reduced r = group_by_output(in.tensor, {dim}, keepdim);
          EXPECT_TRUE(matches(
              in.tensor.prod(dim, keepdim), r.shape, sum_dtype(dt), per_group(r, ref_prod),
              tolerances(r, rtol_of(dt), [](const auto& g) { return std::fabs(ref_prod(g)); })));
        }
      }
      SCOPED_TRACE(in.layout + " prod() " + in.tensor.toString());
      const Reduced all = group_by_output(in.tensor, {}, false);
      EXPECT_TRUE(matches(
          in.tensor.prod(), {}, sum_dtype(dt), per_group(all, ref_prod),
          tolerances(all, rtol_of(dt) * 10, [](const auto& g) { return std::fabs(ref_prod(g)); })));
    }
  }
  const Tensor ints = tensor(std::vector<int32_t>{2, 3, 4});
  EXPECT_EQ(ints.prod(kFloat64).dtype(), kFloat64);
  EXPECT_EQ(ints.prod(kFloat64).item<double>(), 24.0);
}

// ---- amax, amin, max, min, argmax, argmin ----

TEST(ReduceMaxMin, AmaxAminMatchReferenceOnEveryDtype) {
  for (DType dt : kAllDTypes) {
    for (const Input& in : inputs_of({4, 5, 6}, dt, -3, 3)) {
      for (const auto& dims : kDimSets) {
        for (bool keepdim : {false, true}) {
          SCOPED_TRACE(describe(in.tensor, in.layout, dims, keepdim));
          const Reduced r = group_by_output(in.tensor, dims, keepdim);
          auto largest = [](const auto& g) { return *std::max_element(g.begin(), g.end()); };
          auto smallest = [](const auto& g) { return *std::min_element(g.begin(), g.end()); };
          EXPECT_TRUE(
              matches(in.tensor.amax(dims, keepdim), r.shape, dt, per_group(r, largest), exact(r)));
          EXPECT_TRUE(matches(in.tensor.amin(dims, keepdim), r.shape, dt, per_group(r, smallest),
                              exact(r)));
        }
      }
      const Reduced all = group_by_output(in.tensor, {}, false);
      SCOPED_TRACE(in.layout + " max()/min() " + in.tensor.toString());
      EXPECT_TRUE(matches(
          in.tensor.max(), {}, dt,
          per_group(all, [](const auto& g) { return *std::max_element(g.begin(), g.end()); }),
          exact(all)));
      EXPECT_TRUE(matches(
          in.tensor.min(), {}, dt,
          per_group(all, [](const auto& g) { return *std::min_element(g.begin(), g.end()); }),
          exact(all)));
    }
  }
}

// Values from a small integer range make ties common: the first of equal values wins.
TEST(ReduceMaxMin, MaxMinAlongDimGiveValuesAndFirstIndices) {
  for (DType dt : kAllDTypes) {
    for (const Input& in : inputs_of({4, 5, 6}, dt, 0, 3)) {
      for (int64_t dim : {0, 1, 2, -1}) {
        for (bool keepdim : {false, true}) {
          SCOPED_TRACE(describe(in.tensor, in.layout, {dim}, keepdim));
          const Reduced r = group_by_output(in.tensor, {dim}, keepdim);
          for (bool largest : {true, false}) {
            auto [v, i] = largest ? in.tensor.max(dim, keepdim) : in.tensor.min(dim, keepdim);
            auto arg = [&](const auto& g) { return static_cast<double>(ref_arg(g, largest)); };
            auto val = [&](const auto& g) { return g[ref_arg(g, largest)]; };
            EXPECT_TRUE(matches(v, r.shape, dt, per_group(r, val), exact(r)));
            EXPECT_TRUE(matches(i, r.shape, kInt64, per_group(r, arg), exact(r)));
            const Tensor a =
                largest ? in.tensor.argmax(dim, keepdim) : in.tensor.argmin(dim, keepdim);
            EXPECT_TRUE(matches(a, r.shape, kInt64, per_group(r, arg), exact(r)));
          }
        }
      }
    }
  }
}

TEST(ReduceMaxMin, ArgmaxWithoutDimIndexesTheFlattenedTensor) {
  for (DType dt : {kFloat32, kFloat64, kFloat16, kInt64, kInt32, kUInt8}) {
    for (const Input& in : inputs_of({4, 5, 6}, dt, 0, 20)) {
      SCOPED_TRACE(in.layout + " " + in.tensor.toString());
      const std::vector<double> flat = values(in.tensor);
      EXPECT_EQ(in.tensor.argmax().item<int64_t>(), ref_arg(flat, true));
      EXPECT_EQ(in.tensor.argmin().item<int64_t>(), ref_arg(flat, false));
      const Tensor kept = in.tensor.argmax(std::nullopt, /*keepdim=*/true);
      EXPECT_EQ(kept.sizes(), IntArrayRef({1, 1, 1}));
      EXPECT_EQ(kept.item<int64_t>(), ref_arg(flat, true));
    }
  }
}

// Arg-reductions through the column loop, long rows cut into groups, and a full reduction whose
// groups are computed in parallel and combined (ties are everywhere: values are 0..3).
TEST(ReduceMaxMin, LargeShapesKeepFirstIndices) {
  for (DType dt : {kFloat32, kInt64}) {
    for (const auto& [shape, dim] : std::vector<std::pair<std::vector<int64_t>, int64_t>>{
             {{40000, 3}, 0}, {{3, 40000}, 1}, {{300, 70}, 0}}) {
      for (const Input& in : inputs_of(shape, dt, 0, 4)) {
        SCOPED_TRACE(describe(in.tensor, in.layout, {dim}, false));
        const Reduced r = group_by_output(in.tensor, {dim}, false);
        auto [v, i] = in.tensor.max(dim);
        EXPECT_TRUE(matches(i, r.shape, kInt64,
                            per_group(r, [](const auto& g) { return double(ref_arg(g, true)); }),
                            exact(r)));
        EXPECT_TRUE(matches(in.tensor.argmin(dim), r.shape, kInt64,
                            per_group(r, [](const auto& g) { return double(ref_arg(g, false)); }),
                            exact(r)));
      }
    }
    const Tensor big = random_input({1 << 20}, dt, 0, 1000);
    const std::vector<double> flat = values(big);
    EXPECT_EQ(big.argmax().item<int64_t>(), ref_arg(flat, true));
    EXPECT_EQ(big.argmin().item<int64_t>(), ref_arg(flat, false));
  }
}

// ---- var, std, norm, logsumexp ----

TEST(ReduceStatistics, VarStdMatchReference) {
  for (DType dt : kFloatDTypes) {
    for (const Input& in : inputs_of({4, 5, 6}, dt, -3, 3)) {
      for (const auto& dims : kDimSets) {
        for (bool keepdim : {false, true}) {
          for (int64_t correction : {1, 0, 2}) {
            SCOPED_TRACE(describe(in.tensor, in.layout, dims, keepdim,
                                  "correction " + std::to_string(correction)));
            const Reduced r = group_by_output(in.tensor, dims, keepdim);
            const double rtol = rtol_of(dt);
            // A broadcast input can have identical values along a dim: var is then a rounding
            // error away from 0, so the tolerance has an absolute part scaled to x^2.
            auto var_tol = [&](const auto& g) {
              return std::fabs(ref_var(g, correction)) + ref_max_abs(g) * ref_max_abs(g);
            };
            auto std_tol = [&](const auto& g) {
              return std::sqrt(std::fabs(ref_var(g, correction))) + ref_max_abs(g);
            };
            EXPECT_TRUE(matches(in.tensor.var(dims, correction, keepdim), r.shape, dt,
                                per_group(r, [&](const auto& g) { return ref_var(g, correction); }),
                                tolerances(r, rtol, var_tol)));
            EXPECT_TRUE(matches(
                in.tensor.std(dims, correction, keepdim), r.shape, dt,
                per_group(r, [&](const auto& g) { return std::sqrt(ref_var(g, correction)); }),
                tolerances(r, rtol, std_tol)));
          }
        }
      }
    }
  }
  // One element with correction 1 divides 0 by 0; correction beyond n divides by max(0, n - c).
  EXPECT_TRUE(std::isnan(tensor(std::vector<double>{2.0}).var().item<double>()));
  EXPECT_TRUE(std::isinf(tensor(std::vector<double>{1.0, 2.0}).var({}, 3).item<double>()));
}

TEST(ReduceStatistics, NormMatchesReferenceForEveryOrder) {
  for (DType dt : kFloatDTypes) {
    // Some exact zeros so that p = 0 counts and -inf finds them.
    for (const Input& in : inputs_of({4, 5, 6}, dt, -3, 3, /*zero_fraction=*/0.2)) {
      for (double p : {2.0, 1.0, kInf, -kInf, 0.0, 3.0, 0.5}) {
        for (const auto& dims : std::vector<std::vector<int64_t>>{{}, {1}, {0, 2}}) {
          for (bool keepdim : {false, true}) {
            SCOPED_TRACE(describe(in.tensor, in.layout, dims, keepdim, "p " + std::to_string(p)));
            const Reduced r = group_by_output(in.tensor, dims, keepdim);
            auto expected = [&](const auto& g) { return ref_norm(g, p); };
            EXPECT_TRUE(
                matches(in.tensor.norm(p, dims, keepdim), r.shape, dt, per_group(r, expected),
                        tolerances(r, rtol_of(dt), [&](const auto& g) { return ref_norm(g, p); })));
          }
        }
      }
    }
  }
  // An integer p and the default (2).
  const Tensor x = tensor(std::vector<double>{3, -4});
  EXPECT_DOUBLE_EQ(x.norm().item<double>(), 5.0);
  EXPECT_DOUBLE_EQ(x.norm(1).item<double>(), 7.0);
}

TEST(ReduceStatistics, LogsumexpMatchesReferenceAndIsStable) {
  for (DType dt : kFloatDTypes) {
    // Values up to 100: exp overflows float32 without the max shift.
    for (const Input& in : inputs_of({4, 5, 6}, dt, -100, 100)) {
      for (const auto& dims : kDimSets) {
        for (bool keepdim : {false, true}) {
          SCOPED_TRACE(describe(in.tensor, in.layout, dims, keepdim));
          const Reduced r = group_by_output(in.tensor, dims, keepdim);
          EXPECT_TRUE(matches(in.tensor.logsumexp(dims, keepdim), r.shape, dt,
                              per_group(r, ref_logsumexp),
                              tolerances(r, rtol_of(dt), [](const auto& g) {
                                return std::max(1.0, std::fabs(ref_logsumexp(g)));
                              })));
        }
      }
    }
  }
  // Integers compute in the default float dtype.
  const Tensor ints = tensor(std::vector<int64_t>{1, 2});
  const Tensor l = ints.logsumexp({0});
  EXPECT_EQ(l.dtype(), kFloat32);
  EXPECT_NEAR(l.item<double>(), std::log(std::exp(1.0) + std::exp(2.0)), 1e-6);
  // Rows of -inf give -inf, rows holding +inf give +inf.
  const Tensor inf_rows = tensor(std::vector<double>{-kInf, -kInf, kInf, 1.0, 0.0, 1.0}, {3, 2});
  const std::vector<double> got = values(inf_rows.logsumexp({1}));
  EXPECT_EQ(got[0], -kInf);
  EXPECT_EQ(got[1], kInf);
  EXPECT_NEAR(got[2], std::log(1 + std::exp(1.0)), 1e-12);
}

// ---- all, any ----

TEST(ReduceLogical, AllAnyMatchReferenceOnEveryDtype) {
  for (DType dt : kAllDTypes) {
    // About one element in four is zero.
    for (const Input& in : inputs_of({4, 5, 6}, dt, -1, 3, 0.25)) {
      auto all_of = [](const auto& g) {
        return double(std::all_of(g.begin(), g.end(), [](double x) { return x != 0; }));
      };
      auto any_of = [](const auto& g) {
        return double(std::any_of(g.begin(), g.end(), [](double x) { return x != 0; }));
      };
      for (int64_t dim : {0, 1, 2, -1}) {
        for (bool keepdim : {false, true}) {
          SCOPED_TRACE(describe(in.tensor, in.layout, {dim}, keepdim));
          const Reduced r = group_by_output(in.tensor, {dim}, keepdim);
          EXPECT_TRUE(
              matches(in.tensor.all(dim, keepdim), r.shape, kBool, per_group(r, all_of), exact(r)));
          EXPECT_TRUE(
              matches(in.tensor.any(dim, keepdim), r.shape, kBool, per_group(r, any_of), exact(r)));
        }
      }
      const Reduced all = group_by_output(in.tensor, {}, false);
      EXPECT_TRUE(matches(in.tensor.all(), {}, kBool, per_group(all, all_of), exact(all)));
      EXPECT_TRUE(matches(in.tensor.any(), {}, kBool, per_group(all, any_of), exact(all)));
    }
  }
  EXPECT_TRUE(ones({3, 4}, kInt32).all().item<bool>());
  EXPECT_FALSE(zeros({3, 4}, kFloat16).any().item<bool>());
}

// ---- empty, zero-dim, NaN ----

TEST(ReduceEdgeCases, EmptyInputs) {
  const Tensor e = zeros({0, 3});
  EXPECT_TRUE(matches(e.sum({0}), {3}, kFloat32, {0, 0, 0}, {0, 0, 0}));
  EXPECT_TRUE(matches(e.sum({1}), {0}, kFloat32, {}, {}));
  EXPECT_EQ(e.sum().item<double>(), 0.0);
  EXPECT_EQ(zeros({0}, kInt32).sum().dtype(), kInt64);
  EXPECT_TRUE(matches(e.prod(0), {3}, kFloat32, {1, 1, 1}, {0, 0, 0}));
  EXPECT_EQ(e.prod().item<double>(), 1.0);
  EXPECT_TRUE(std::isnan(e.mean().item<double>()));
  EXPECT_TRUE(matches(e.mean({0}), {3}, kFloat32, {kNaN, kNaN, kNaN}, {0, 0, 0}));
  EXPECT_TRUE(matches(e.var({0}), {3}, kFloat32, {kNaN, kNaN, kNaN}, {0, 0, 0}));
  EXPECT_EQ(e.norm().item<double>(), 0.0);
  EXPECT_EQ(e.norm(kInf).item<double>(), 0.0);
  EXPECT_EQ(e.logsumexp({0, 1}).item<double>(), -kInf);
  EXPECT_TRUE(e.all().item<bool>());
  EXPECT_FALSE(e.any().item<bool>());
  EXPECT_TRUE(matches(e.all(0), {3}, kBool, {1, 1, 1}, {0, 0, 0}));
  // Reducing a non-empty dim of an empty tensor is fine for max and friends.
  auto [v, i] = e.max(1);
  EXPECT_EQ(v.sizes(), IntArrayRef({0}));
  EXPECT_EQ(i.sizes(), IntArrayRef({0}));
  EXPECT_EQ(e.amax({1}).sizes(), IntArrayRef({0}));
  EXPECT_EQ(e.argmin(1).sizes(), IntArrayRef({0}));
  // Reducing an empty range has no identity for max and friends.
  EXPECT_TRUE(throws_with<IndexError>([&] { e.max(); }, {"max", "empty", "[0, 3]"}));
  EXPECT_TRUE(throws_with<IndexError>([&] { e.min(); }, {"min", "empty", "[0, 3]"}));
  EXPECT_TRUE(throws_with<IndexError>([&] { e.argmax(); }, {"argmax", "empty", "[0, 3]"}));
  EXPECT_TRUE(throws_with<IndexError>([&] { e.amax({0}); }, {"amax", "dim 0", "size 0", "[0, 3]"}));
  EXPECT_TRUE(throws_with<IndexError>([&] { e.amin(); }, {"amin", "[0, 3]"}));
  EXPECT_TRUE(throws_with<IndexError>([&] { e.max(0); }, {"max", "dim 0", "[0, 3]"}));
  EXPECT_TRUE(throws_with<IndexError>([&] { e.argmin(-2); }, {"argmin", "dim 0", "[0, 3]"}));
}

TEST(ReduceEdgeCases, ZeroDimInputs) {
  const Tensor s = scalar_tensor(3.5);
  ASSERT_EQ(s.dim(), 0);
  for (const Tensor& r : {s.sum(), s.sum({0}), s.sum({-1}, true), s.mean(), s.prod(), s.prod(0),
                          s.max(), s.amin({0}), s.logsumexp({0}), s.norm()}) {
    EXPECT_EQ(r.dim(), 0);
    EXPECT_DOUBLE_EQ(std::fabs(r.item<double>()), 3.5);
  }
  auto [v, i] = s.max(0, true);
  EXPECT_EQ(v.dim(), 0);
  EXPECT_EQ(v.item<double>(), 3.5);
  EXPECT_EQ(i.item<int64_t>(), 0);
  EXPECT_EQ(s.argmax().item<int64_t>(), 0);
  EXPECT_EQ(s.argmin(0).item<int64_t>(), 0);
  EXPECT_EQ(s.argmax(std::nullopt, true).dim(), 0);
  EXPECT_EQ(s.var({}, 0).item<double>(), 0.0);
  EXPECT_TRUE(s.all().item<bool>());
  EXPECT_TRUE(s.any(0).item<bool>());
  EXPECT_TRUE(throws_with<IndexError>([&] { s.sum({1}); }, {"sum", "1"}));
}

TEST(ReduceEdgeCases, NaNPropagates) {
  for (DType dt : kFloatDTypes) {
    SCOPED_TRACE(dtype_name(dt));
    const Tensor x = tensor(std::vector<double>{1, kNaN, 5, kNaN, 2, 7, -1, 0, 3}, {3, 3}, dt);
    EXPECT_TRUE(std::isnan(x.max().item<double>()));
    EXPECT_TRUE(std::isnan(x.min().item<double>()));
    EXPECT_TRUE(std::isnan(x.sum().item<double>()));
    EXPECT_EQ(x.argmax().item<int64_t>(), 1);
    EXPECT_EQ(x.argmin().item<int64_t>(), 1);
    // Along dim 1: row 0 has its NaN at 1, row 1 at 0, row 2 none.
    auto [v, i] = x.max(1);
    const std::vector<double> vv = values(v);
    EXPECT_TRUE(std::isnan(vv[0]) && std::isnan(vv[1]));
    EXPECT_EQ(vv[2], 3.0);
    EXPECT_EQ(values(i), (std::vector<double>{1, 0, 2}));
    EXPECT_EQ(values(x.argmin(1)), (std::vector<double>{1, 0, 0}));
    // Along dim 0: column 0 has its NaN at row 1, column 1 at row 0.
    const std::vector<double> col = values(x.amax({0}));
    EXPECT_TRUE(std::isnan(col[0]) && std::isnan(col[1]));
    EXPECT_EQ(col[2], 7.0);
    EXPECT_EQ(values(x.argmax(0)), (std::vector<double>{1, 0, 1}));
    EXPECT_TRUE(std::isnan(x.logsumexp({0, 1}).item<double>()));
    EXPECT_TRUE(x.all(1).any().item<bool>());  // NaN counts as non-zero
  }
  // A NaN late in a long row, past the first group of elements.
  std::vector<float> v(100000, 1.0f);
  v[70001] = std::numeric_limits<float>::quiet_NaN();
  v[70005] = std::numeric_limits<float>::quiet_NaN();
  const Tensor big = tensor(v);
  EXPECT_EQ(big.argmax().item<int64_t>(), 70001);
  EXPECT_TRUE(std::isnan(big.amax().item<double>()));
}

// ---- determinism ----

// Restores OpenMP's thread count when a test ends.
struct ThreadCountGuard {
  int saved = omp_get_max_threads();
  ~ThreadCountGuard() { omp_set_num_threads(saved); }
};

bool bitwise_equal(const Tensor& a, const Tensor& b) {
  return a.sizes() == b.sizes() && a.dtype() == b.dtype() &&
         std::memcmp(a.contiguous().data_ptr(), b.contiguous().data_ptr(), a.nbytes()) == 0;
}

TEST(ReduceDeterminism, SameResultRunAfterRunAndOnAnyThreadCount) {
  ThreadCountGuard guard;
  const Tensor x = random_input({1 << 22}, kFloat32, -1, 1);
  const Tensor rows = x.view({4, 1 << 20});
  const Tensor cols = x.view({1 << 20, 4});
  auto run = [&] {
    std::vector<Tensor> r;
    r.push_back(x.sum());
    r.push_back(x.mean());
    r.push_back(rows.sum({1}));
    r.push_back(cols.sum({0}));
    r.push_back(rows.t().sum({0}));
    r.push_back(x.var());
    r.push_back(x.norm());
    r.push_back(x.argmax());
    r.push_back(std::get<1>(cols.max(0)));
    r.push_back(x.view({1024, 4096}).logsumexp({1}));
    return r;
  };
  omp_set_num_threads(2);
  const std::vector<Tensor> first = run();
  const std::vector<Tensor> second = run();
  omp_set_num_threads(1);
  const std::vector<Tensor> one_thread = run();
  omp_set_num_threads(3);
  const std::vector<Tensor> three_threads = run();
  for (size_t k = 0; k < first.size(); ++k) {
    SCOPED_TRACE("result " + std::to_string(k));
    EXPECT_TRUE(bitwise_equal(first[k], second[k]));
    EXPECT_TRUE(bitwise_equal(first[k], one_thread[k]));
    EXPECT_TRUE(bitwise_equal(first[k], three_threads[k]));
  }
}

// ---- bad input ----

TEST(ReduceErrors, BadInputsThrowWithClearMessages) {
  const Tensor x = zeros({2, 3});
  EXPECT_TRUE(throws_with<IndexError>([&] { x.sum({2}); }, {"sum", "dimension 2", "[-2, 1]"}));
  EXPECT_TRUE(throws_with<IndexError>([&] { x.sum({0, -3}); }, {"sum", "-3"}));
  EXPECT_TRUE(throws_with<ValueError>(
      [&] {
        x.sum({0, -2});
      },
      {"sum", "dim 0", "more than once", "[0, -2]"}));
  EXPECT_TRUE(throws_with<ValueError>(
      [&] {
        x.amax({1, 1});
      },
      {"amax", "dim 1", "more than once"}));
  EXPECT_TRUE(throws_with<IndexError>([&] { x.max(5); }, {"max", "dimension 5"}));
  EXPECT_TRUE(throws_with<IndexError>([&] { x.argmax(-3); }, {"argmax", "dimension -3"}));
  EXPECT_TRUE(throws_with<IndexError>([&] { x.prod(2); }, {"prod", "dimension 2"}));
  EXPECT_TRUE(throws_with<IndexError>([&] { x.all(2); }, {"all", "dimension 2"}));
  EXPECT_TRUE(throws_with<IndexError>([&] { x.logsumexp({3}); }, {"logsumexp", "dimension 3"}));
  const Tensor ints = zeros({2, 3}, kInt64);
  EXPECT_TRUE(throws_with<DTypeError>([&] { ints.var(); }, {"var", "int64", "floating"}));
  EXPECT_TRUE(throws_with<DTypeError>([&] { ints.std({0}); }, {"std", "int64"}));
  EXPECT_TRUE(throws_with<DTypeError>([&] { ints.norm(); }, {"norm", "int64"}));
  EXPECT_TRUE(throws_with<DTypeError>([&] { zeros({2}, kBool).mean(); }, {"mean", "bool"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { Tensor().sum(); }, {"sum", "undefined"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { x.norm(kNaN); }, {"norm", "NaN"}));
  Tensor undefined_out;
  EXPECT_TRUE(
      throws_with<ValueError>([&] { sum_out(undefined_out, x, {0}); }, {"sum_out", "undefined"}));
}

}  // namespace
}  // namespace ember
