// The bodies of the CUDA element-wise kernels (kernels/cuda/elementwise_body.h) run by a plain CPU
// loop, item by item as the GPU's threads run them, against the CPU kernels' results: the
// indexing of the vectorised, contiguous and strided paths (32- and 64-bit), number operands,
// Half/BFloat16 computed in float, and dtype conversion. Runs in every build, without a GPU.
#include <gtest/gtest.h>

#include "cuda_test_util.h"
#include "ember/core/elementwise.h"
#include "kernels/cuda/elementwise_body.h"

namespace ember::cuda {
namespace {

using ::ember::testing::FreshRandom;
using ::ember::testing::matches;

enum class Force { Chosen, Strided64 };

// Runs the body the launcher would choose (or the 64-bit strided body) over every work item.
template <typename Out, typename... In, typename F>
void run_on_cpu(const ElementwiseIter& it, const F& f, Force force = Force::Chosen) {
  ElementwisePath path = choose_path(it);
  if (force == Force::Strided64) path = ElementwisePath::Strided64;
  switch (path) {
    case ElementwisePath::Contiguous: {
      const auto body = make_contiguous_body<Out, In...>(it, f);
      for (int64_t w = 0; w < body.work_items(); ++w) body(w);
      break;
    }
    case ElementwisePath::Strided32: {
      const auto body = make_strided_body<uint32_t, Out, In...>(it, f);
      for (int64_t i = 0; i < body.work_items(); ++i) body(i);
      break;
    }
    case ElementwisePath::Strided64: {
      const auto body = make_strided_body<uint64_t, Out, In...>(it, f);
      for (int64_t i = 0; i < body.work_items(); ++i) body(i);
      break;
    }
  }
}

// The iterator of out = op(inputs...), operand by operand, with input k replaced by the number
// `number` when number_operand == k (its tensor only shapes the iteration).
ElementwiseIter iter_of(const Tensor& out, std::initializer_list<const Tensor*> inputs,
                        int number_operand = -1, double number = 0.0) {
  std::vector<const Tensor*> ops{&out};
  ops.insert(ops.end(), inputs.begin(), inputs.end());
  ElementwiseIter it;
  switch (ops.size()) {
    case 1:
      it = ::ember::detail::make_elementwise_iter({ops[0]}, "test");
      break;
    case 2:
      it = ::ember::detail::make_elementwise_iter({ops[0], ops[1]}, "test");
      break;
    case 3:
      it = ::ember::detail::make_elementwise_iter({ops[0], ops[1], ops[2]}, "test");
      break;
    default:
      it = ::ember::detail::make_elementwise_iter({ops[0], ops[1], ops[2], ops[3]}, "test");
  }
  if (number_operand > 0) {
    it.scalar_mask |= 1u << number_operand;
    it.data[number_operand] = nullptr;
    it.scalar_d[number_operand] = number;
    it.scalar_i[number_operand] = static_cast<int64_t>(number);
    for (int d = 0; d < kMaxIterDims; ++d) it.strides[number_operand][d] = 0;
  }
  return it;
}

// The layouts every body runs on: one shape [37, 53] (a tail after whole vectors) reached as
// contiguous, contiguous but misaligned, transposed, sliced with a step, and broadcast.
struct Layout {
  const char* name;
  std::vector<int64_t> base;
  Tensor (*view)(const Tensor&);
};
const Layout kLayouts[] = {
    {"contiguous", {37, 53}, [](const Tensor& t) { return t; }},
    {"misaligned",
     {1962},
     [](const Tensor& t) {
       return t.slice(0, 1).view({37, 53});
     }},
    {"transposed", {53, 37}, [](const Tensor& t) { return t.t(); }},
    {"sliced", {37, 106}, [](const Tensor& t) { return t.slice(1, 0, 106, 2); }},
    {"broadcast",
     {1, 53},
     [](const Tensor& t) {
       return t.expand({37, 53});
     }},
};

// Checks a binary body against the CPU op on every layout, as tensor and as number operand.
template <typename Out, typename In, typename F, typename Op>
void check_binary(DType dtype, DType out_dtype, const F& f, Op cpu_op, double lo, double hi,
                  double number) {
  FreshRandom random;
  for (const Layout& layout : kLayouts) {
    SCOPED_TRACE(std::string(layout.name) + " " + std::string(dtype_name(dtype)));
    const Tensor a = layout.view(random.uniform(layout.base, dtype, lo, hi));
    const Tensor b = layout.view(random.uniform(layout.base, dtype, lo, hi));
    const Tensor expected = cpu_op(a, b);
    for (Force force : {Force::Chosen, Force::Strided64}) {
      Tensor out = empty({37, 53}, TensorOptions().dtype(out_dtype));
      const ElementwiseIter it = iter_of(out, {&a, &b});
      if (force == Force::Strided64 && it.contiguous) continue;
      run_on_cpu<Out, In, In>(it, f, force);
      EXPECT_TRUE(matches(out, expected));
    }
    // The second input as a number.
    Tensor out = empty({37, 53}, TensorOptions().dtype(out_dtype));
    run_on_cpu<Out, In, In>(iter_of(out, {&a, &b}, 2, number), f);
    EXPECT_TRUE(matches(out, cpu_op(a, full({}, number, TensorOptions().dtype(dtype)))));
  }
}

template <typename Out, typename In, typename F, typename Op>
void check_unary(DType dtype, DType out_dtype, const F& f, Op cpu_op, double lo, double hi) {
  FreshRandom random;
  for (const Layout& layout : kLayouts) {
    SCOPED_TRACE(std::string(layout.name) + " " + std::string(dtype_name(dtype)));
    const Tensor a = layout.view(random.uniform(layout.base, dtype, lo, hi));
    const Tensor expected = cpu_op(a);
    for (Force force : {Force::Chosen, Force::Strided64}) {
      Tensor out = empty({37, 53}, TensorOptions().dtype(out_dtype));
      const ElementwiseIter it = iter_of(out, {&a});
      if (force == Force::Strided64 && it.contiguous) continue;
      run_on_cpu<Out, In>(it, f, force);
      EXPECT_TRUE(matches(out, expected));
    }
  }
}

TEST(ElementwiseBody, PathsAreChosenFromLayoutAndAlignment) {
  Tensor a = empty({1024}), b = empty({1024}), out = empty({1024});
  ElementwiseIter it = iter_of(out, {&a, &b});
  EXPECT_EQ(choose_path(it), ElementwisePath::Contiguous);
  EXPECT_TRUE((vector_aligned<float, float, float>(it)));
  EXPECT_EQ((make_contiguous_body<float, float, float>(it, AddFunctor<float>{1}).num_chunks), 256);
  // One operand off by an element: still contiguous, but no 16-byte vectors.
  Tensor shifted = empty({1025}).slice(0, 1);
  it = iter_of(out, {&a, &shifted});
  EXPECT_EQ(choose_path(it), ElementwisePath::Contiguous);
  EXPECT_EQ((make_contiguous_body<float, float, float>(it, AddFunctor<float>{1}).num_chunks), 0);
  // A number operand does not count against alignment.
  it = iter_of(out, {&a, &shifted}, 2, 1.5);
  EXPECT_EQ((make_contiguous_body<float, float, float>(it, AddFunctor<float>{1}).num_chunks), 256);
  // Mixed widths: kVec follows the widest operand (4 floats), bool moves 4 bytes at a time.
  EXPECT_EQ((kVectorWidth<bool, float, float>), 4);
  EXPECT_EQ((kVectorWidth<Half, Half>), 8);
  EXPECT_EQ((kVectorWidth<bool, bool>), 16);
  EXPECT_EQ((kVectorWidth<double, bool, double, double>), 2);
  Tensor t = empty({32, 32}).t();
  Tensor o2 = empty({32, 32});
  EXPECT_EQ(choose_path(iter_of(o2, {&t})), ElementwisePath::Strided32);
}

TEST(ElementwiseBody, TailAfterWholeVectorsIsComputed) {
  // 37 * 53 = 1961 floats: 490 vectors of 4 and a tail of 1.
  FreshRandom random;
  const Tensor a = random.uniform({1961}, kFloat32);
  Tensor out = full({1961}, -7.0f);
  const ElementwiseIter it = iter_of(out, {&a});
  const auto body = make_contiguous_body<float, float>(it, NegFunctor<float>{});
  EXPECT_EQ(body.num_chunks, 490);
  EXPECT_EQ(body.work_items(), 491);
  for (int64_t w = 0; w < body.work_items(); ++w) body(w);
  EXPECT_TRUE(matches(out, neg(a)));
}

TEST(ElementwiseBody, ArithmeticMatchesCpuKernels) {
  check_binary<float, float>(
      kFloat32, kFloat32, AddFunctor<float>{2.5f},
      [](const Tensor& a, const Tensor& b) { return add(a, b, 2.5); }, -2, 2, 0.75);
  check_binary<int64_t, int64_t>(
      kInt64, kInt64, AddFunctor<int64_t>{-3},
      [](const Tensor& a, const Tensor& b) { return add(a, b, -3); }, -100, 100, 7);
  check_binary<bool, bool>(
      kBool, kBool, AddFunctor<bool>{true},
      [](const Tensor& a, const Tensor& b) { return add(a, b); }, 0, 2, 1);
  check_binary<Half, Half>(
      kFloat16, kFloat16, AddFunctor<float>{1.0f},
      [](const Tensor& a, const Tensor& b) { return add(a, b); }, -2, 2, 0.1);
  check_binary<BFloat16, BFloat16>(
      kBFloat16, kBFloat16, MulFunctor<float>{},
      [](const Tensor& a, const Tensor& b) { return mul(a, b); }, -2, 2, -1.3);
  check_binary<double, double>(
      kFloat64, kFloat64, DivFunctor<double>{},
      [](const Tensor& a, const Tensor& b) { return div(a, b); }, 0.25, 4, 3.0);
  check_binary<int32_t, int32_t>(
      kInt32, kInt32, PowFunctor<int32_t>{},
      [](const Tensor& a, const Tensor& b) { return pow(a, b); }, 0, 6, 3);
  check_binary<float, float>(
      kFloat32, kFloat32, PowFunctor<float>{},
      [](const Tensor& a, const Tensor& b) { return pow(a, b); }, 0.25, 2, -1.5);
  check_binary<uint8_t, uint8_t>(
      kUInt8, kUInt8, MaximumFunctor<uint8_t>{},
      [](const Tensor& a, const Tensor& b) { return maximum(a, b); }, 0, 200, 100);
}

TEST(ElementwiseBody, ComparisonsAndLogicMatchCpuKernels) {
  check_binary<bool, float>(
      kFloat32, kBool, LtFunctor<float>{},
      [](const Tensor& a, const Tensor& b) { return lt(a, b); }, -2, 2, 0.5);
  check_binary<bool, int64_t>(
      kInt64, kBool, EqFunctor<int64_t>{},
      [](const Tensor& a, const Tensor& b) { return eq(a, b); }, -3, 3, 1);
  check_binary<bool, uint8_t>(
      kUInt8, kBool, LogicalXorFunctor<uint8_t>{},
      [](const Tensor& a, const Tensor& b) { return logical_xor(a, b); }, 0, 3, 0);
  check_unary<bool, int32_t>(
      kInt32, kBool, LogicalNotFunctor<int32_t>{}, [](const Tensor& a) { return logical_not(a); },
      -1, 2);
}

TEST(ElementwiseBody, UnaryOpsMatchCpuKernels) {
  check_unary<int32_t, int32_t>(
      kInt32, kInt32, NegFunctor<int32_t>{}, [](const Tensor& a) { return neg(a); }, -50, 50);
  check_unary<float, float>(
      kFloat32, kFloat32, ExpFunctor<float>{}, [](const Tensor& a) { return exp(a); }, -3, 3);
  check_unary<Half, Half>(
      kFloat16, kFloat16, ExpFunctor<float>{}, [](const Tensor& a) { return exp(a); }, -3, 3);
  check_unary<double, double>(
      kFloat64, kFloat64, SigmoidFunctor<double>{}, [](const Tensor& a) { return sigmoid(a); }, -8,
      8);
  check_unary<float, float>(
      kFloat32, kFloat32, GeluFunctor<float>{true}, [](const Tensor& a) { return gelu(a, "tanh"); },
      -3, 3);
  check_unary<BFloat16, BFloat16>(
      kBFloat16, kBFloat16, ClampFunctor<float>{-0.5f, 0.75f, true, true},
      [](const Tensor& a) { return clamp(a, -0.5, 0.75); }, -2, 2);
  check_unary<int64_t, int64_t>(
      kInt64, kInt64, ClampFunctor<int64_t>{0, 0, false, true},
      [](const Tensor& a) { return clamp_max(a, 0); }, -9, 9);
}

TEST(ElementwiseBody, WhereMatchesCpuKernel) {
  FreshRandom random;
  for (const Layout& layout : kLayouts) {
    SCOPED_TRACE(layout.name);
    const Tensor c = layout.view(random.uniform(layout.base, kBool));
    const Tensor a = layout.view(random.uniform(layout.base, kFloat32));
    const Tensor b = layout.view(random.uniform(layout.base, kFloat32));
    Tensor out = empty({37, 53});
    run_on_cpu<float, bool, float, float>(iter_of(out, {&c, &a, &b}), WhereFunctor<float>{});
    EXPECT_TRUE(matches(out, where(c, a, b)));
    Tensor out_number = empty({37, 53});
    run_on_cpu<float, bool, float, float>(iter_of(out_number, {&c, &a, &b}, 3, -4.25),
                                          WhereFunctor<float>{});
    EXPECT_TRUE(matches(out_number, where(c, a, Scalar(-4.25))));
  }
}

TEST(ElementwiseBody, FillAndStridedOutputs) {
  FreshRandom random;
  for (const Layout& layout : kLayouts) {
    if (std::string(layout.name) == "broadcast") continue;  // a broadcast view is not writable
    SCOPED_TRACE(layout.name);
    Tensor out = layout.view(zeros(layout.base, TensorOptions().dtype(kInt64)));
    run_on_cpu<int64_t>(iter_of(out, {}), []() { return int64_t{-123456789012}; });
    EXPECT_TRUE(::ember::testing::identical(out, full({37, 53}, int64_t{-123456789012})));
    // Any output layout for a binary op.
    Tensor sum = layout.view(zeros(layout.base));
    const Tensor a = random.uniform({37, 53}, kFloat32);
    const Tensor b = random.uniform({37, 53}, kFloat32);
    run_on_cpu<float, float, float>(iter_of(sum, {&a, &b}), AddFunctor<float>{1.0f});
    EXPECT_TRUE(matches(sum, add(a, b)));
  }
}

TEST(ElementwiseBody, ConversionsMatchCpuCopies) {
  FreshRandom random;
  for (const Layout& layout : kLayouts) {
    SCOPED_TRACE(layout.name);
    const Tensor d = layout.view(random.uniform(layout.base, kFloat64, 0, 100));
    Tensor h = empty({37, 53}, TensorOptions().dtype(kFloat16));
    run_on_cpu<Half, double>(iter_of(h, {&d}), [](double x) { return x; });
    EXPECT_TRUE(::ember::testing::identical(h, d.to(kFloat16)));
    Tensor i = empty({37, 53}, TensorOptions().dtype(kInt32));
    run_on_cpu<int32_t, double>(iter_of(i, {&d}), [](double x) { return x; });
    EXPECT_TRUE(::ember::testing::identical(i, d.to(kInt32)));
    const Tensor u = layout.view(random.uniform(layout.base, kUInt8, 0, 3));
    Tensor bf = empty({37, 53}, TensorOptions().dtype(kBFloat16));
    run_on_cpu<BFloat16, uint8_t>(iter_of(bf, {&u}), [](uint8_t x) { return x; });
    EXPECT_TRUE(::ember::testing::identical(bf, u.to(kBFloat16)));
    Tensor bools = empty({37, 53}, TensorOptions().dtype(kBool));
    run_on_cpu<bool, uint8_t>(iter_of(bools, {&u}), [](uint8_t x) { return x; });
    EXPECT_TRUE(::ember::testing::identical(bools, u.to(kBool)));
  }
}

}  // namespace
}  // namespace ember::cuda
