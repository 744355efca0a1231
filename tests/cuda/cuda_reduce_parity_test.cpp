// Every reduction's CUDA result against its CPU result on fresh random inputs: full reductions,
// rows, columns, several dims, keepdim, on contiguous, large, transposed, sliced, misaligned and
// broadcast inputs and every dtype of the kernels (exact for integer, bool, max/min values and
// indices; rel 1e-5 float32 sums and products, 1e-10 float64, 1e-2 half types); NaN propagation
// and ties; sums large enough for several groups and the vector path; determinism (two runs
// bit-identical).
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "cuda_test_util.h"

namespace ember::testing {
namespace {

const bool kRegistered = register_parity_tested(
    {"sum", "prod", "amax", "amin", "max", "min", "argmax", "argmin", "all", "any"});

const std::vector<DType> kAll = all_dtypes();
const std::vector<DType> kNumeric{kFloat32, kFloat64, kFloat16, kBFloat16, kUInt8, kInt32, kInt64};

// Dims to reduce: every dim (an empty list), the rows, the columns, or rows with keepdim.
struct Form {
  const char* name;
  std::vector<int64_t> dims;
  bool keepdim = false;
};
const std::vector<Form> kForms{
    {"all dims", {}}, {"rows", {1}}, {"columns", {0}}, {"rows keepdim", {1}, true}};

struct ReduceCase {
  const char* name;
  std::vector<DType> dtypes;
  bool exact;  // exact for every dtype (selections and logic), else tolerance for floats
  double lo = -2, hi = 2;
  std::vector<Tensor> (*run)(const Tensor& x, const Form& form);
};

std::ostream& operator<<(std::ostream& os, const ReduceCase& c) {
  return os << c.name;
}

// The one dim of a form for ops that take one (the first of its dims), or none.
std::optional<int64_t> one_dim(const Form& f) {
  if (f.dims.empty()) return std::nullopt;
  return f.dims[0];
}

const std::vector<ReduceCase>& reduce_cases() {
  static const std::vector<ReduceCase> cases{
      {"sum", kAll, false, -2, 2,
       [](const Tensor& x, const Form& f) {
         return std::vector<Tensor>{sum(x, f.dims, f.keepdim)};
       }},
      {"sum_float64",
       {kFloat32, kFloat64},
       false,
       -2,
       2,
       [](const Tensor& x, const Form& f) {
         return std::vector<Tensor>{sum(x, f.dims, f.keepdim, kFloat64)};
       }},
      {"mean",
       {kFloat32, kFloat64, kFloat16, kBFloat16},
       false,
       -2,
       2,
       [](const Tensor& x, const Form& f) {
         return std::vector<Tensor>{mean(x, f.dims, f.keepdim)};
       }},
      {"prod", kAll, false, 0.9, 1.1,
       [](const Tensor& x, const Form& f) {
         const auto d = one_dim(f);
         return std::vector<Tensor>{d ? prod(x, *d, f.keepdim) : prod(x)};
       }},
      {"amax", kAll, true, -2, 2,
       [](const Tensor& x, const Form& f) {
         return std::vector<Tensor>{amax(x, f.dims, f.keepdim)};
       }},
      {"amin", kAll, true, -2, 2,
       [](const Tensor& x, const Form& f) {
         return std::vector<Tensor>{amin(x, f.dims, f.keepdim)};
       }},
      {"max", kAll, true, -2, 2,
       [](const Tensor& x, const Form& f) {
         const auto d = one_dim(f);
         if (!d) return std::vector<Tensor>{max(x)};
         const auto [values, indices] = max(x, *d, f.keepdim);
         return std::vector<Tensor>{values, indices};
       }},
      {"min", kAll, true, -2, 2,
       [](const Tensor& x, const Form& f) {
         const auto d = one_dim(f);
         if (!d) return std::vector<Tensor>{min(x)};
         const auto [values, indices] = min(x, *d, f.keepdim);
         return std::vector<Tensor>{values, indices};
       }},
      {"argmax", kAll, true, -2, 2,
       [](const Tensor& x, const Form& f) {
         return std::vector<Tensor>{argmax(x, one_dim(f), f.keepdim)};
       }},
      {"argmin", kAll, true, -2, 2,
       [](const Tensor& x, const Form& f) {
         return std::vector<Tensor>{argmin(x, one_dim(f), f.keepdim)};
       }},
      {"all", kAll, true, -1, 2,
       [](const Tensor& x, const Form& f) {
         const auto d = one_dim(f);
         return std::vector<Tensor>{d ? all(x, *d, f.keepdim) : all(x)};
       }},
      {"any", kAll, true, -1, 1.1,
       [](const Tensor& x, const Form& f) {
         const auto d = one_dim(f);
         return std::vector<Tensor>{d ? any(x, *d, f.keepdim) : any(x)};
       }},
  };
  return cases;
}

// Tolerance of a folded floating result (sums and products associate differently on the GPU).
double fold_rtol(DType t) {
  switch (t) {
    case kFloat64:
      return 1e-10;
    case kFloat32:
      return 1e-5;
    case kFloat16:
    case kBFloat16:
      return 1e-2;
    default:
      return 0.0;
  }
}

::testing::AssertionResult agree(const Tensor& actual, const Tensor& expected, bool exact) {
  if (!actual.is_cuda()) return ::testing::AssertionFailure() << "the result is not on the GPU";
  if (actual.dtype() != expected.dtype()) {
    return ::testing::AssertionFailure() << "dtypes differ: " << dtype_name(actual.dtype())
                                         << " vs " << dtype_name(expected.dtype());
  }
  if (actual.sizes() != expected.sizes()) {
    return ::testing::AssertionFailure()
           << "shapes differ: " << actual.shape_str() << " vs " << expected.shape_str();
  }
  const double rtol = exact ? 0.0 : fold_rtol(expected.dtype());
  return all_close(host_values(actual), host_values(expected), rtol, rtol);
}

class ReduceParity : public ::testing::TestWithParam<ReduceCase> {};

TEST_P(ReduceParity, MatchesCpuOnEveryLayoutFormAndDtype) {
  EMBER_REQUIRE_CUDA();
  const ReduceCase& c = GetParam();
  FreshRandom random;
  for (DType dtype : c.dtypes) {
    for (const ViewLayout& layout : standard_layouts()) {
      const Tensor base = random.uniform(layout.base, dtype, c.lo, c.hi);
      const Tensor x = layout.view(base), gx = layout.view(base.to(cuda0()));
      for (const Form& form : kForms) {
        SCOPED_TRACE(std::string(c.name) + " " + std::string(dtype_name(dtype)) + " " +
                     layout.name + " " + form.name);
        const std::vector<Tensor> expected = c.run(x, form);
        const std::vector<Tensor> actual = c.run(gx, form);
        ASSERT_EQ(actual.size(), expected.size());
        for (size_t i = 0; i < actual.size(); ++i)
          EXPECT_TRUE(agree(actual[i], expected[i], c.exact));
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllReductions, ReduceParity, ::testing::ValuesIn(reduce_cases()),
                         [](const ::testing::TestParamInfo<ReduceCase>& info) {
                           return std::string(info.param.name);
                         });

// Three dims reduced two at a time, over a permuted view (reduced ranges of strided dims).
TEST(ReduceParityShapes, SeveralDimsOfAPermutedTensor) {
  EMBER_REQUIRE_CUDA();
  FreshRandom random;
  for (DType dtype : {kFloat32, kInt32, kFloat16}) {
    const Tensor base = random.uniform({9, 23, 41}, dtype);
    const Tensor x = base.permute({2, 0, 1}), gx = base.to(cuda0()).permute({2, 0, 1});
    for (std::vector<int64_t> dims : {std::vector<int64_t>{0, 2}, {0, 1}, {1, 2}, {0, 1, 2}}) {
      SCOPED_TRACE(std::string(dtype_name(dtype)) + " dims " + std::to_string(dims[0]) +
                   std::to_string(dims[1]));
      EXPECT_TRUE(agree(sum(gx, dims), sum(x, dims), false));
      EXPECT_TRUE(agree(amax(gx, dims, true), amax(x, dims, true), true));
    }
    for (int64_t d = 0; d < 3; ++d) {
      const auto [v, i] = max(gx, d);
      const auto [ev, ei] = max(x, d);
      EXPECT_TRUE(agree(v, ev, true));
      EXPECT_TRUE(agree(i, ei, true));
    }
  }
}

// Large enough for the vector path, several groups and the second pass; a misaligned start; long
// columns with few outputs (column groups); many short rows.
TEST(ReduceParityShapes, LargeFullRowAndColumnReductions) {
  EMBER_REQUIRE_CUDA();
  FreshRandom random;
  const Tensor big = random.uniform({(1 << 22) + 13}, kFloat32);
  const Tensor gbig = big.to(cuda0());
  EXPECT_TRUE(agree(sum(gbig), sum(big), false));
  EXPECT_TRUE(agree(sum(gbig.slice(0, 1)), sum(big.slice(0, 1)), false));
  EXPECT_TRUE(agree(argmax(gbig), argmax(big), true));
  EXPECT_TRUE(agree(amin(gbig), amin(big), true));
  const Tensor halves = big.to(kFloat16), ghalves = halves.to(cuda0());
  EXPECT_TRUE(agree(sum(ghalves, {}, false, kFloat32), sum(halves, {}, false, kFloat32), false));
  const Tensor bytes = random.uniform({(1 << 21) + 5}, kUInt8, 0, 255);
  EXPECT_TRUE(agree(sum(bytes.to(cuda0())), sum(bytes), true));
  EXPECT_TRUE(agree(any(bytes.to(cuda0()).eq(300 % 256)), any(bytes.eq(300 % 256)), true));
  const Tensor tall = random.uniform({1 << 20, 5}, kFloat32);
  const Tensor gtall = tall.to(cuda0());
  EXPECT_TRUE(agree(sum(gtall, {0}), sum(tall, {0}), false));
  EXPECT_TRUE(agree(std::get<1>(max(gtall, 0)), std::get<1>(max(tall, 0)), true));
  EXPECT_TRUE(agree(sum(gtall, {1}), sum(tall, {1}), false));
  const Tensor wide = random.uniform({3, 1 << 20}, kFloat64);
  EXPECT_TRUE(agree(sum(wide.to(cuda0()), {1}), sum(wide, {1}), false));
  EXPECT_TRUE(agree(argmin(wide.to(cuda0()), 1), argmin(wide, 1), true));
}

// NaN propagates through amax/amin and max/min and wins argmax/argmin at its first position;
// ties go to the first index.
TEST(ReduceParityShapes, NaNAndTies) {
  EMBER_REQUIRE_CUDA();
  FreshRandom random;
  for (DType dtype : {kFloat32, kFloat64, kFloat16, kBFloat16}) {
    SCOPED_TRACE(std::string(dtype_name(dtype)));
    Tensor x = random.uniform({64, 3001}, kInt64, -2, 2).to(dtype);  // many ties
    x.select(0, 5).fill_(std::nan(""));
    x.select(1, 2999).fill_(std::nan(""));
    x.select(1, 17).fill_(std::nan(""));
    const Tensor gx = x.to(cuda0());
    for (int64_t d : {0, 1}) {
      EXPECT_TRUE(agree(argmax(gx, d), argmax(x, d), true));
      EXPECT_TRUE(agree(argmin(gx, d), argmin(x, d), true));
      EXPECT_TRUE(agree(amax(gx, {d}), amax(x, {d}), true));
      const auto [v, i] = min(gx, d);
      const auto [ev, ei] = min(x, d);
      EXPECT_TRUE(agree(v, ev, true));
      EXPECT_TRUE(agree(i, ei, true));
    }
    EXPECT_TRUE(std::isnan(max(gx).item<double>()));
    EXPECT_TRUE(agree(argmax(gx), argmax(x), true));
  }
}

TEST(ReduceParityShapes, EmptyRangesAndOutputs) {
  EMBER_REQUIRE_CUDA();
  const Tensor e = empty({4, 0}, TensorOptions().device(cuda0()));
  EXPECT_TRUE(agree(sum(e, {1}), zeros({4}), true));
  EXPECT_TRUE(agree(prod(e, 1), ones({4}), true));
  EXPECT_TRUE(agree(all(e, 1), ones({4}, TensorOptions().dtype(kBool)), true));
  EXPECT_TRUE(agree(sum(e, {0}), zeros({0}), true));
  EXPECT_TRUE(agree(sum(e), zeros({}), true));
}

TEST(ReduceDeterminism, TwoRunsAreBitIdentical) {
  EMBER_REQUIRE_CUDA();
  FreshRandom random;
  const Tensor big = random.uniform({(1 << 24) + 7}, kFloat32).to(cuda0());
  EXPECT_TRUE(same_bits(sum(big), sum(big)));
  const Tensor m = random.uniform({4096, 1000}, kFloat32).to(cuda0());
  EXPECT_TRUE(same_bits(sum(m, {0}), sum(m, {0})));
  EXPECT_TRUE(same_bits(sum(m, {1}), sum(m, {1})));
  EXPECT_TRUE(same_bits(prod(m.add(3).div(3), 0), prod(m.add(3).div(3), 0)));
  EXPECT_TRUE(same_bits(mean(m), mean(m)));
}

}  // namespace
}  // namespace ember::testing
