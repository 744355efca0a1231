// Every element-wise op's CUDA result against its CPU result on fresh random inputs: contiguous,
// large, transposed, sliced, misaligned and broadcast inputs, number operands, every dtype of the
// op's kernels (exact for integer and bool results, tolerance by dtype otherwise); in-place and
// _out forms with strided outputs. And the check that every CUDA row of the dispatcher has a
// parity test here or in another parity test file (each registers the rows it exercises).
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "cuda_test_util.h"
#include "ember/core/dispatch.h"

namespace ember::testing {
namespace {

const std::vector<DType> kAll = all_dtypes();
const std::vector<DType> kNumeric{kFloat32, kFloat64, kFloat16, kBFloat16, kUInt8, kInt32, kInt64};
const std::vector<DType> kFloating{kFloat32, kFloat64, kFloat16, kBFloat16};

// A number of the kind of dtype.
Scalar number_for(DType d) {
  if (d == kBool) return Scalar(true);
  if (is_floating_point(d)) return Scalar(0.75);
  return Scalar(int64_t{3});
}

struct ParityCase {
  const char* name;  // test name
  const char* op;    // the dispatcher row it exercises (op_name of its OpId)
  int arity;
  std::vector<DType> dtypes;
  // Input ranges: floating inputs, then integer inputs (uint8 from max(lo, 0)); the second input
  // may have its own (pow's exponent).
  double lo = -2, hi = 2, int_lo = -20, int_hi = 20;
  double lo2 = 0, hi2 = 0, int_lo2 = 0, int_hi2 = 0;  // 0, 0: same as the first input
  Tensor (*run)(const std::vector<Tensor>& in) = nullptr;
  // The op with a number operand, or null.
  Tensor (*with_number)(const Tensor& x, DType dtype) = nullptr;
  bool first_is_condition = false;  // where
  bool writes_input = false;        // fill_: not on broadcast views
};

std::ostream& operator<<(std::ostream& os, const ParityCase& c) {
  return os << c.name;
}

#define EMBER_UNARY_CASE(fn, types_, lo_, hi_)                                  \
  ParityCase {                                                                  \
    .name = #fn, .op = #fn, .arity = 1, .dtypes = types_, .lo = lo_, .hi = hi_, \
    .run = [](const std::vector<Tensor>& in) { return fn(in[0]); }              \
  }
#define EMBER_COMPARE_CASE(fn)                                                     \
  ParityCase {                                                                     \
    .name = #fn, .op = #fn, .arity = 2, .dtypes = kAll, .int_lo = -3, .int_hi = 3, \
    .run = [](const std::vector<Tensor>& in) { return fn(in[0], in[1]); },         \
    .with_number = [](const Tensor& x, DType d) { return fn(x, number_for(d)); }   \
  }
#define EMBER_LOGICAL_CASE(fn)                                                     \
  ParityCase {                                                                     \
    .name = #fn, .op = #fn, .arity = 2, .dtypes = kAll, .int_lo = -1, .int_hi = 2, \
    .run = [](const std::vector<Tensor>& in) { return fn(in[0], in[1]); }          \
  }

const std::vector<ParityCase>& parity_cases() {
  static const std::vector<ParityCase> cases{
      {.name = "add",
       .op = "add",
       .arity = 2,
       .dtypes = kAll,
       .run = [](const std::vector<Tensor>& in) { return add(in[0], in[1], 2); },
       .with_number = [](const Tensor& x, DType d) { return add(x, number_for(d)); }},
      {.name = "sub",
       .op = "add",
       .arity = 2,
       .dtypes = kNumeric,
       .run = [](const std::vector<Tensor>& in) { return sub(in[0], in[1]); },
       .with_number = [](const Tensor& x, DType d) { return sub(x, number_for(d), 2); }},
      {.name = "mul",
       .op = "mul",
       .arity = 2,
       .dtypes = kAll,
       .run = [](const std::vector<Tensor>& in) { return mul(in[0], in[1]); },
       .with_number = [](const Tensor& x, DType d) { return mul(x, number_for(d)); }},
      {.name = "div",
       .op = "div",
       .arity = 2,
       .dtypes = {kFloat32, kFloat64, kFloat16, kBFloat16, kInt32},
       .lo = 0.25,
       .hi = 4,
       .int_lo = 1,
       .int_hi = 50,
       .run = [](const std::vector<Tensor>& in) { return div(in[0], in[1]); },
       .with_number = [](const Tensor& x, DType d) { return div(number_for(d), x); }},
      {.name = "pow",
       .op = "pow",
       .arity = 2,
       .dtypes = kNumeric,
       .lo = 0.25,
       .hi = 2,
       .int_lo = -4,
       .int_hi = 5,
       .lo2 = -2,
       .hi2 = 2,
       .int_lo2 = 0,
       .int_hi2 = 5,
       .run = [](const std::vector<Tensor>& in) { return pow(in[0], in[1]); },
       .with_number = [](const Tensor& x, DType) { return pow(x, 2); }},
      {.name = "pow_number_base",
       .op = "pow",
       .arity = 1,
       .dtypes = kFloating,
       .lo = -2,
       .hi = 2,
       .run = [](const std::vector<Tensor>& in) { return pow(Scalar(1.5), in[0]); }},
      {.name = "maximum",
       .op = "maximum",
       .arity = 2,
       .dtypes = kAll,
       .run = [](const std::vector<Tensor>& in) { return maximum(in[0], in[1]); }},
      {.name = "minimum",
       .op = "minimum",
       .arity = 2,
       .dtypes = kAll,
       .run = [](const std::vector<Tensor>& in) { return minimum(in[0], in[1]); }},
      EMBER_COMPARE_CASE(eq),
      EMBER_COMPARE_CASE(ne),
      EMBER_COMPARE_CASE(lt),
      EMBER_COMPARE_CASE(le),
      EMBER_COMPARE_CASE(gt),
      EMBER_COMPARE_CASE(ge),
      EMBER_LOGICAL_CASE(logical_and),
      EMBER_LOGICAL_CASE(logical_or),
      EMBER_LOGICAL_CASE(logical_xor),
      {.name = "logical_not",
       .op = "logical_not",
       .arity = 1,
       .dtypes = kAll,
       .int_lo = -1,
       .int_hi = 2,
       .run = [](const std::vector<Tensor>& in) { return logical_not(in[0]); }},
      EMBER_UNARY_CASE(neg, kNumeric, -2, 2),
      EMBER_UNARY_CASE(abs, kNumeric, -2, 2),
      EMBER_UNARY_CASE(exp, kFloating, -4, 4),
      EMBER_UNARY_CASE(log, kFloating, 0.25, 4),
      EMBER_UNARY_CASE(log1p, kFloating, -0.5, 3),
      EMBER_UNARY_CASE(sqrt, kFloating, 0.25, 4),
      EMBER_UNARY_CASE(rsqrt, kFloating, 0.25, 4),
      EMBER_UNARY_CASE(sin, kFloating, -3, 3),
      EMBER_UNARY_CASE(cos, kFloating, -3, 3),
      EMBER_UNARY_CASE(tanh, kFloating, -3, 3),
      EMBER_UNARY_CASE(sigmoid, kFloating, -6, 6),
      EMBER_UNARY_CASE(relu, kNumeric, -2, 2),
      EMBER_UNARY_CASE(sign, kAll, -2, 2),
      EMBER_UNARY_CASE(reciprocal, kFloating, 0.25, 4),
      EMBER_UNARY_CASE(square, kAll, -2, 2),
      {.name = "leaky_relu",
       .op = "leaky_relu",
       .arity = 1,
       .dtypes = kFloating,
       .run = [](const std::vector<Tensor>& in) { return leaky_relu(in[0], 0.125); }},
      {.name = "gelu",
       .op = "gelu",
       .arity = 1,
       .dtypes = kFloating,
       .lo = -3,
       .hi = 3,
       .run = [](const std::vector<Tensor>& in) { return gelu(in[0]); }},
      {.name = "gelu_tanh",
       .op = "gelu",
       .arity = 1,
       .dtypes = kFloating,
       .lo = -3,
       .hi = 3,
       .run = [](const std::vector<Tensor>& in) { return gelu(in[0], "tanh"); }},
      {.name = "clamp",
       .op = "clamp",
       .arity = 1,
       .dtypes = kNumeric,
       .lo = -2,
       .hi = 2,
       .run =
           [](const std::vector<Tensor>& in) {
             return is_floating_point(in[0].dtype()) ? clamp(in[0], -0.5, 1.25)
                                                     : clamp(in[0], 2, 9);
           }},
      {.name = "clamp_min",
       .op = "clamp",
       .arity = 1,
       .dtypes = kNumeric,
       .run = [](const std::vector<Tensor>& in) { return clamp_min(in[0], 1); }},
      {.name = "clamp_max",
       .op = "clamp",
       .arity = 1,
       .dtypes = kNumeric,
       .run = [](const std::vector<Tensor>& in) { return clamp_max(in[0], 1); }},
      {.name = "where",
       .op = "where",
       .arity = 3,
       .dtypes = kAll,
       .run = [](const std::vector<Tensor>& in) { return where(in[0], in[1], in[2]); },
       .with_number = nullptr,
       .first_is_condition = true},
      {.name = "masked_fill",
       .op = "where",
       .arity = 2,
       .dtypes = kAll,
       .run = [](const std::vector<Tensor>& in) { return masked_fill(in[1], in[0], 1); },
       .with_number = nullptr,
       .first_is_condition = true},
      {.name = "threshold_backward",
       .op = "threshold_backward",
       .arity = 2,
       .dtypes = kFloating,
       .run = [](const std::vector<Tensor>& in) { return threshold_backward(in[0], in[1], 0.25); }},
      {.name = "leaky_relu_backward",
       .op = "leaky_relu_backward",
       .arity = 2,
       .dtypes = kFloating,
       .run =
           [](const std::vector<Tensor>& in) { return leaky_relu_backward(in[0], in[1], 0.125); }},
      {.name = "gelu_backward",
       .op = "gelu_backward",
       .arity = 2,
       .dtypes = kFloating,
       .lo = -3,
       .hi = 3,
       .run = [](const std::vector<Tensor>& in) { return gelu_backward(in[0], in[1]); }},
      {.name = "gelu_backward_tanh",
       .op = "gelu_backward",
       .arity = 2,
       .dtypes = kFloating,
       .lo = -3,
       .hi = 3,
       .run = [](const std::vector<Tensor>& in) { return gelu_backward(in[0], in[1], "tanh"); }},
      {.name = "sigmoid_backward",
       .op = "sigmoid_backward",
       .arity = 2,
       .dtypes = kFloating,
       .lo = 0,
       .hi = 1,
       .run = [](const std::vector<Tensor>& in) { return sigmoid_backward(in[0], in[1]); }},
      {.name = "tanh_backward",
       .op = "tanh_backward",
       .arity = 2,
       .dtypes = kFloating,
       .lo = -1,
       .hi = 1,
       .run = [](const std::vector<Tensor>& in) { return tanh_backward(in[0], in[1]); }},
      {.name = "fill",
       .op = "fill",
       .arity = 1,
       .dtypes = kAll,
       .run =
           [](const std::vector<Tensor>& in) {
             Tensor t = in[0];
             return t.fill_(number_for(t.dtype()));
           },
       .with_number = nullptr,
       .first_is_condition = false,
       .writes_input = true},
  };
  return cases;
}

// Input i of a case for dtype on the CPU, in the layout (broadcast: inputs alternate [37, 1] and
// [1, 53] when there are several, so the op itself broadcasts).
struct Inputs {
  std::vector<Tensor> cpu, cuda;
};

Inputs make_inputs(const ParityCase& c, DType dtype, const ViewLayout& layout,
                   FreshRandom& random) {
  Inputs in;
  const bool op_broadcasts = std::string(layout.name) == "broadcast" && c.arity > 1;
  for (int i = 0; i < c.arity; ++i) {
    const DType d = (c.first_is_condition && i == 0) ? kBool : dtype;
    const bool second = i == 1 && (c.hi2 != 0 || c.lo2 != 0 || c.int_hi2 != 0);
    const double lo =
        is_floating_point(d) ? (second ? c.lo2 : c.lo) : (second ? c.int_lo2 : c.int_lo);
    const double hi =
        is_floating_point(d) ? (second ? c.hi2 : c.hi) : (second ? c.int_hi2 : c.int_hi);
    std::vector<int64_t> base = layout.base;
    if (op_broadcasts)
      base = (i % 2 == 0) ? std::vector<int64_t>{37, 1} : std::vector<int64_t>{1, 53};
    const Tensor cpu_base = random.uniform(base, d, lo, hi);
    const Tensor cuda_base = cpu_base.to(cuda0());
    in.cpu.push_back(op_broadcasts ? cpu_base : layout.view(cpu_base));
    in.cuda.push_back(op_broadcasts ? cuda_base : layout.view(cuda_base));
  }
  return in;
}

class ElementwiseParity : public ::testing::TestWithParam<ParityCase> {};

TEST_P(ElementwiseParity, MatchesCpuOnEveryLayoutAndDtype) {
  EMBER_REQUIRE_CUDA();
  const ParityCase& c = GetParam();
  FreshRandom random;
  for (DType dtype : c.dtypes) {
    for (const ViewLayout& layout : standard_layouts()) {
      if (c.writes_input && std::string(layout.name) == "broadcast") continue;
      SCOPED_TRACE(std::string(c.name) + " " + std::string(dtype_name(dtype)) + " " + layout.name);
      Inputs in = make_inputs(c, dtype, layout, random);
      const Tensor expected = c.run(in.cpu);
      const Tensor actual = c.run(in.cuda);
      ASSERT_TRUE(actual.is_cuda());
      EXPECT_TRUE(matches(actual, expected));
      if (c.with_number != nullptr) {
        SCOPED_TRACE("with a number operand");
        EXPECT_TRUE(matches(c.with_number(in.cuda[0], dtype), c.with_number(in.cpu[0], dtype)));
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllOps, ElementwiseParity, ::testing::ValuesIn(parity_cases()),
                         [](const ::testing::TestParamInfo<ParityCase>& info) {
                           return std::string(info.param.name);
                         });

// In-place ops and _out forms write through strided outputs on the GPU as on the CPU.
TEST(ElementwiseParityForms, InPlaceAndOutFormsWithStridedOutputs) {
  EMBER_REQUIRE_CUDA();
  FreshRandom random;
  for (DType dtype : {kFloat32, kInt64, kFloat16}) {
    SCOPED_TRACE(std::string(dtype_name(dtype)));
    const Tensor a = random.uniform({37, 53}, dtype, -3, 3);
    const Tensor b = random.uniform({37, 53}, dtype, -3, 3);
    const Tensor ga = a.to(cuda0()), gb = b.to(cuda0());
    auto strided_out = [&](Device device, DType d) {
      return empty({53, 37}, TensorOptions().dtype(d).device(device)).t();
    };
    Tensor out = strided_out(kCPU, dtype), gout = strided_out(cuda0(), dtype);
    add_out(out, a, b, 3);
    add_out(gout, ga, gb, 3);
    EXPECT_TRUE(matches(gout, out));
    mul_out(out, a, b);
    mul_out(gout, ga, gb);
    EXPECT_TRUE(matches(gout, out));
    Tensor cmp = strided_out(kCPU, kBool), gcmp = strided_out(cuda0(), kBool);
    lt_out(cmp, a, b);
    lt_out(gcmp, ga, gb);
    EXPECT_TRUE(matches(gcmp, cmp));
    // In place on a transposed view of a copy.
    Tensor x = a.clone().t(), gx = ga.clone().t();
    x.mul_(2).add_(b.t()).neg_();
    gx.mul_(2).add_(gb.t()).neg_();
    EXPECT_TRUE(matches(gx, x));
    if (is_floating_point(dtype)) {
      Tensor e = strided_out(kCPU, dtype), ge = strided_out(cuda0(), dtype);
      exp_out(e, a);
      exp_out(ge, ga);
      EXPECT_TRUE(matches(ge, e));
      x.sigmoid_().clamp_(0.25, 0.75);
      gx.sigmoid_().clamp_(0.25, 0.75);
      EXPECT_TRUE(matches(gx, x));
    }
    // A result computed in another dtype and written back (float result into a float64 out).
    Tensor wide = strided_out(kCPU, kFloat64), gwide = strided_out(cuda0(), kFloat64);
    add_out(wide, a, b);
    add_out(gwide, ga, gb);
    EXPECT_TRUE(matches(gwide, wide));
  }
}

// A zero-dim CPU tensor beside a CUDA tensor is used as a number, as in PyTorch.
TEST(ElementwiseParityForms, ZeroDimCpuTensorWithCudaTensor) {
  EMBER_REQUIRE_CUDA();
  FreshRandom random;
  const Tensor a = random.uniform({37, 53}, kFloat32);
  const Tensor s = scalar_tensor(2.5);
  const Tensor g = mul(a.to(cuda0()), s);
  EXPECT_TRUE(g.is_cuda());
  EXPECT_TRUE(matches(g, mul(a, s)));
}

const bool kRegistered = [] {
  for (const ParityCase& c : parity_cases()) register_parity_tested({c.op});
  return register_parity_tested({"copy"});  // tests/cuda/cuda_copy_test.cpp
}();

// Every parity test file registers the rows it exercises (register_parity_tested).
TEST(CudaDispatchCoverage, EveryCudaRowHasAParityTest) {
#if !defined(EMBER_WITH_CUDA)
  GTEST_SKIP() << "built without CUDA: the dispatcher has no CUDA rows to check";
#else
  ASSERT_TRUE(kRegistered);
  const std::set<std::string>& covered = parity_tested_ops();
  for (int i = 0; i < kNumOps; ++i) {
    const OpId op = static_cast<OpId>(i);
    const std::string name(op_name(op));
    if (has_kernel(op, kCUDA)) {
      EXPECT_TRUE(covered.count(name) == 1) << name << " has a CUDA kernel but no parity test";
    } else {
      EXPECT_TRUE(covered.count(name) == 0) << name << " has a parity test but no CUDA kernel";
    }
  }
#endif
}

}  // namespace
}  // namespace ember::testing
