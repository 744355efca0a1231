// Point-wise ops against float64 references on fresh random inputs: every op, every supported
// dtype, contiguous / transposed / sliced / broadcast inputs, number operands, in-place and `_out`
// forms, type promotion of results, and the errors bad input gets.
#include <cmath>
#include <functional>
#include <string>

#include "support/test_util.h"

namespace ember {
namespace {

using testing::all_close;
using testing::random_tensor;
using testing::throws_with;
using testing::values;

// Tolerance for comparing a result of dtype t against a float64 reference.
struct Tol {
  double rtol, atol;
};
Tol tol_for(DType t) {
  switch (t) {
    case kFloat64:
      return {1e-12, 1e-12};
    case kFloat32:
      return {1e-6, 1e-6};
    case kFloat16:
    case kBFloat16:
      return {1e-2, 1e-2};
    default:
      return {0, 0};
  }
}

// Layouts one test body runs over: the op sees the same logical values each time.
std::vector<std::pair<std::string, Tensor>> layouts(const Tensor& base) {
  // base is [4, 6]. Build the same values through different strides.
  std::vector<std::pair<std::string, Tensor>> out;
  out.emplace_back("contiguous", base);
  out.emplace_back("transposed", base.t().contiguous().t());
  Tensor wide = zeros({4, 12}, base.dtype());
  wide.slice(1, 0, 12, 2).copy_(base);
  out.emplace_back("sliced", wide.slice(1, 0, 12, 2));
  return out;
}

struct UnaryCase {
  std::string name;
  std::function<Tensor(const Tensor&)> op;
  std::function<double(double)> ref;
  double lo, hi;
  std::vector<DType> dtypes;
};

const std::vector<DType> kFloats = {kFloat32, kFloat64, kFloat16, kBFloat16};
const std::vector<DType> kNumeric = {kFloat32, kFloat64, kFloat16, kBFloat16, kInt32, kInt64};

double ref_sigmoid(double x) {
  return 1.0 / (1.0 + std::exp(-x));
}
double ref_gelu(double x) {
  return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
}
double ref_gelu_tanh(double x) {
  return 0.5 * x * (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x)));
}
double ref_sign(double x) {
  return (x > 0) - (x < 0);
}

std::vector<UnaryCase> unary_cases() {
  return {
      {"neg", [](const Tensor& t) { return neg(t); }, [](double x) { return -x; }, -3, 3, kNumeric},
      {"abs", [](const Tensor& t) { return abs(t); }, [](double x) { return std::fabs(x); }, -3, 3,
       kNumeric},
      {"exp", [](const Tensor& t) { return exp(t); }, [](double x) { return std::exp(x); }, -4, 4,
       kFloats},
      {"log", [](const Tensor& t) { return log(t); }, [](double x) { return std::log(x); }, 0.1, 5,
       kFloats},
      {"log1p", [](const Tensor& t) { return log1p(t); }, [](double x) { return std::log1p(x); },
       -0.5, 5, kFloats},
      {"sqrt", [](const Tensor& t) { return sqrt(t); }, [](double x) { return std::sqrt(x); }, 0, 9,
       kFloats},
      {"rsqrt", [](const Tensor& t) { return rsqrt(t); },
       [](double x) { return 1.0 / std::sqrt(x); }, 0.2, 9, kFloats},
      {"sin", [](const Tensor& t) { return sin(t); }, [](double x) { return std::sin(x); }, -3, 3,
       kFloats},
      {"cos", [](const Tensor& t) { return cos(t); }, [](double x) { return std::cos(x); }, -3, 3,
       kFloats},
      {"tanh", [](const Tensor& t) { return tanh(t); }, [](double x) { return std::tanh(x); }, -3,
       3, kFloats},
      {"sigmoid", [](const Tensor& t) { return sigmoid(t); }, ref_sigmoid, -8, 8, kFloats},
      {"relu", [](const Tensor& t) { return relu(t); }, [](double x) { return x > 0 ? x : 0.0; },
       -3, 3, kNumeric},
      {"leaky_relu", [](const Tensor& t) { return leaky_relu(t, 0.2); },
       [](double x) { return x > 0 ? x : 0.2 * x; }, -3, 3, kFloats},
      {"gelu", [](const Tensor& t) { return gelu(t); }, ref_gelu, -4, 4, kFloats},
      {"gelu_tanh", [](const Tensor& t) { return gelu(t, "tanh"); }, ref_gelu_tanh, -4, 4, kFloats},
      {"clamp", [](const Tensor& t) { return clamp(t, -1, 2); },
       [](double x) { return std::min(2.0, std::max(-1.0, x)); }, -3, 3, kNumeric},
      {"clamp_min", [](const Tensor& t) { return clamp_min(t, 0.5); },
       [](double x) { return std::max(0.5, x); }, -3, 3, kFloats},
      {"sign", [](const Tensor& t) { return sign(t); }, ref_sign, -3, 3, kNumeric},
      {"square", [](const Tensor& t) { return square(t); }, [](double x) { return x * x; }, -3, 3,
       kNumeric},
      {"reciprocal", [](const Tensor& t) { return reciprocal(t); },
       [](double x) { return 1.0 / x; }, 0.5, 4, kFloats},
  };
}

TEST(Elementwise, UnaryOpsMatchFloat64Reference) {
  for (const UnaryCase& c : unary_cases()) {
    for (DType dt : c.dtypes) {
      Tensor base = random_tensor({4, 6}, dt, c.lo, c.hi);
      const std::vector<double> in = values(base);
      std::vector<double> expected;
      for (double x : in) expected.push_back(c.ref(x));
      for (auto& [layout, x] : layouts(base)) {
        Tensor y = c.op(x);
        EXPECT_EQ(y.sizes(), x.sizes());
        EXPECT_EQ(y.dtype(), dt) << c.name;
        const Tol tol = tol_for(dt);
        EXPECT_TRUE(all_close(y, expected, tol.rtol, tol.atol))
            << c.name << " " << dtype_name(dt) << " " << layout;
      }
    }
  }
}

TEST(Elementwise, IntegerInputsOfFloatOpsBecomeFloat) {
  Tensor i = tensor({1, 4, 9});
  Tensor r = sqrt(i);
  EXPECT_EQ(r.dtype(), kFloat32);
  EXPECT_TRUE(all_close(r, {1, 2, 3}, 1e-7));
  EXPECT_EQ((i / 2).dtype(), kFloat32);
  EXPECT_TRUE(all_close(i / 2, {0.5, 2, 4.5}, 0));
  EXPECT_EQ(exp(tensor({true, false})).dtype(), kFloat32);
}

struct BinaryCase {
  std::string name;
  std::function<Tensor(const Tensor&, const Tensor&)> op;
  std::function<double(double, double)> ref;
  std::vector<DType> dtypes;
  bool bool_result = false;
};

std::vector<BinaryCase> binary_cases() {
  auto cmp = [](auto f) { return [f](double a, double b) { return f(a, b) ? 1.0 : 0.0; }; };
  return {
      {"add", [](const Tensor& a, const Tensor& b) { return add(a, b); },
       [](double a, double b) { return a + b; }, kNumeric},
      {"add_alpha", [](const Tensor& a, const Tensor& b) { return add(a, b, 3); },
       [](double a, double b) { return a + 3 * b; }, kNumeric},
      {"sub", [](const Tensor& a, const Tensor& b) { return sub(a, b); },
       [](double a, double b) { return a - b; }, kNumeric},
      {"mul", [](const Tensor& a, const Tensor& b) { return mul(a, b); },
       [](double a, double b) { return a * b; }, kNumeric},
      {"div", [](const Tensor& a, const Tensor& b) { return div(a, b); },
       [](double a, double b) { return a / b; }, kFloats},
      {"maximum", [](const Tensor& a, const Tensor& b) { return maximum(a, b); },
       [](double a, double b) { return std::max(a, b); }, kNumeric},
      {"minimum", [](const Tensor& a, const Tensor& b) { return minimum(a, b); },
       [](double a, double b) { return std::min(a, b); }, kNumeric},
      {"eq", [](const Tensor& a, const Tensor& b) { return eq(a, b); },
       cmp([](double a, double b) { return a == b; }), kNumeric, true},
      {"ne", [](const Tensor& a, const Tensor& b) { return ne(a, b); },
       cmp([](double a, double b) { return a != b; }), kNumeric, true},
      {"lt", [](const Tensor& a, const Tensor& b) { return lt(a, b); },
       cmp([](double a, double b) { return a < b; }), kNumeric, true},
      {"le", [](const Tensor& a, const Tensor& b) { return le(a, b); },
       cmp([](double a, double b) { return a <= b; }), kNumeric, true},
      {"gt", [](const Tensor& a, const Tensor& b) { return gt(a, b); },
       cmp([](double a, double b) { return a > b; }), kNumeric, true},
      {"ge", [](const Tensor& a, const Tensor& b) { return ge(a, b); },
       cmp([](double a, double b) { return a >= b; }), kNumeric, true},
      {"logical_and", [](const Tensor& a, const Tensor& b) { return logical_and(a, b); },
       cmp([](double a, double b) { return a != 0 && b != 0; }), kNumeric, true},
      {"logical_or", [](const Tensor& a, const Tensor& b) { return logical_or(a, b); },
       cmp([](double a, double b) { return a != 0 || b != 0; }), kNumeric, true},
      {"logical_xor", [](const Tensor& a, const Tensor& b) { return logical_xor(a, b); },
       cmp([](double a, double b) { return (a != 0) != (b != 0); }), kNumeric, true},
  };
}

TEST(Elementwise, BinaryOpsMatchFloat64Reference) {
  for (const BinaryCase& c : binary_cases()) {
    for (DType dt : c.dtypes) {
      // Small integers so that comparisons see ties and products stay exact.
      Tensor a = random_tensor({4, 6}, dt, -4, 4);
      Tensor b = random_tensor({4, 6}, dt, 1, 4);
      if (c.bool_result) b = random_tensor({4, 6}, dt, -4, 4);
      const std::vector<double> va = values(a), vb = values(b);
      std::vector<double> expected(va.size());
      for (size_t i = 0; i < va.size(); ++i) expected[i] = c.ref(va[i], vb[i]);
      auto la = layouts(a), lb = layouts(b);
      for (size_t k = 0; k < la.size(); ++k) {
        // Mix layouts: a in layout k, b in layout (k + 1) % n.
        Tensor y = c.op(la[k].second, lb[(k + 1) % lb.size()].second);
        EXPECT_EQ(y.dtype(), c.bool_result ? kBool : dt) << c.name;
        const Tol tol = c.bool_result ? Tol{0, 0} : tol_for(dt);
        EXPECT_TRUE(all_close(y, expected, tol.rtol, tol.atol))
            << c.name << " " << dtype_name(dt) << " layout " << la[k].first;
      }
    }
  }
}

TEST(Elementwise, PowMatchesReference) {
  Tensor a = random_tensor({3, 5}, kFloat64, 0.1, 3);
  Tensor b = random_tensor({3, 5}, kFloat64, -2, 2);
  std::vector<double> va = values(a), vb = values(b), expected;
  for (size_t i = 0; i < va.size(); ++i) expected.push_back(std::pow(va[i], vb[i]));
  EXPECT_TRUE(all_close(pow(a, b), expected, 1e-12));
  EXPECT_TRUE(all_close(
      pow(a.to(kFloat32), 2.5),
      [&] {
        std::vector<double> e;
        for (double x : values(a.to(kFloat32))) e.push_back(std::pow(x, 2.5));
        return e;
      }(),
      1e-6));
  Tensor i = tensor({2, 3, -2, 0});
  EXPECT_EQ(values(pow(i, 3)), (std::vector<double>{8, 27, -8, 0}));
  EXPECT_EQ(pow(i, 3).dtype(), kInt64);
  EXPECT_EQ(values(pow(i, tensor({10, 0, 3, 5}))), (std::vector<double>{1024, 1, -8, 0}));
  EXPECT_TRUE(throws_with<ValueError>([&] { pow(i, -1); }, {"pow", "negative"}));
  EXPECT_TRUE(all_close(pow(2.0, tensor({1.0, 3.0})), {2, 8}, 0));
}

TEST(Elementwise, BroadcastingAndNumberOperands) {
  Tensor a = random_tensor({4, 1, 3}, kFloat64);
  Tensor b = random_tensor({5, 1}, kFloat64);
  Tensor y = a * b + 1.5;
  ASSERT_EQ(y.sizes(), IntArrayRef({4, 5, 3}));
  testing::for_each_index(y.sizes(), [&](const std::vector<int64_t>& idx) {
    const double expected =
        testing::value_at(a, {idx[0], 0, idx[2]}) * testing::value_at(b, {idx[1], 0}) + 1.5;
    EXPECT_DOUBLE_EQ(testing::value_at(y, idx), expected);
  });
  // Number on the left, scalar operations, expanded (stride 0) inputs.
  Tensor c = 10 - a.expand({4, 5, 3});
  EXPECT_TRUE(all_close(c.select(1, 2), values(10 - a.squeeze(1)), 1e-15));
  EXPECT_TRUE(all_close(2.0 / tensor({4.0, 8.0}), {0.5, 0.25}, 0));
}

TEST(Elementwise, TypePromotionOfResults) {
  Tensor f = ones({2}, kFloat32), d = ones({2}, kFloat64), i = ones({2}, kInt32);
  Tensor l = ones({2}, kInt64), u = ones({2}, kUInt8), b = ones({2}, kBool);
  Tensor h = ones({2}, kFloat16), bf = ones({2}, kBFloat16);
  EXPECT_EQ((f + d).dtype(), kFloat64);
  EXPECT_EQ((i + l).dtype(), kInt64);
  EXPECT_EQ((u + i).dtype(), kInt32);
  EXPECT_EQ((b + b).dtype(), kBool);
  EXPECT_EQ((b + 1).dtype(), kInt64);
  EXPECT_EQ((i + 2.5).dtype(), kFloat32);
  EXPECT_EQ((h + bf).dtype(), kFloat32);
  EXPECT_EQ((h * 2.0).dtype(), kFloat16);
  EXPECT_EQ((f + ones({}, kFloat64)).dtype(), kFloat32);  // zero-dim tensors rank lower
  EXPECT_EQ((i + ones({}, kFloat64)).dtype(), kFloat64);  // ... unless of a higher category
  EXPECT_EQ((u + ones({}, kInt64)).dtype(), kUInt8);
  EXPECT_TRUE(all_close(i + 2.5, {3.5, 3.5}, 0));
  EXPECT_TRUE(all_close(f + d, {2, 2}, 0));
}

TEST(Elementwise, InPlaceAndOutForms) {
  Tensor a = random_tensor({3, 4}, kFloat32);
  Tensor b = random_tensor({4}, kFloat32);
  std::vector<double> va = values(a), vb = values(b);
  Tensor a0 = a;
  const uint32_t v0 = a.version();
  a.add_(b, 2).mul_(3);
  EXPECT_TRUE(a.is_same(a0));
  EXPECT_GT(a.version(), v0);
  for (size_t i = 0; i < va.size(); ++i) va[i] = (va[i] + 2 * vb[i % 4]) * 3;
  EXPECT_TRUE(all_close(a, va, 1e-6));

  // In place on a strided view writes through to the base.
  Tensor base = zeros({4, 4});
  base.t().slice(0, 1, 3).add_(1);
  EXPECT_EQ(values(base), (std::vector<double>{0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0}));

  // _out writes into a given tensor, resizing an empty one.
  Tensor out = empty({0});
  add_out(out, ones({2, 2}), ones({2}));
  EXPECT_EQ(out.sizes(), IntArrayRef({2, 2}));
  EXPECT_EQ(values(out), (std::vector<double>{2, 2, 2, 2}));
  // An out of a wider dtype receives the cast result.
  Tensor out64 = empty({2}, kFloat64);
  mul_out(out64, tensor({1.5f, 2.0f}), tensor({2.0f, 3.0f}));
  EXPECT_EQ(values(out64), (std::vector<double>{3, 6}));
  // In-place into an integer tensor from a float operand is refused, like PyTorch.
  Tensor ints = ones({2}, kInt64);
  EXPECT_TRUE(throws_with<DTypeError>([&] { ints.add_(0.5); }, {"add_", "float32", "int64"}));
  // In-place with a broadcast that would grow self is refused.
  Tensor small = ones({3});
  EXPECT_TRUE(throws_with<ShapeError>(
      [&] {
        small.add_(ones({2, 3}));
      },
      {"add_", "[3]", "[2, 3]"}));
}

TEST(Elementwise, WhereMaskedFillFillZero) {
  Tensor a = tensor({{1.0, -2.0}, {3.0, -4.0}});
  Tensor w = where(a > 0, a, tensor(0.0));
  EXPECT_EQ(values(w), (std::vector<double>{1, 0, 3, 0}));
  EXPECT_EQ(values(where(a > 0, 1.0, a)), (std::vector<double>{1, -2, 1, -4}));
  EXPECT_EQ(values(masked_fill(a, a < 0, 9)), (std::vector<double>{1, 9, 3, 9}));
  Tensor c = a.clone();
  c.masked_fill_(tensor({true, false}), -1);  // broadcast mask over rows
  EXPECT_EQ(values(c), (std::vector<double>{-1, -2, -1, -4}));
  Tensor i = zeros({3}, kInt32);
  i.fill_(7);
  EXPECT_EQ(values(i), (std::vector<double>{7, 7, 7}));
  i.zero_();
  EXPECT_EQ(values(i), (std::vector<double>{0, 0, 0}));
  EXPECT_TRUE(throws_with<DTypeError>([&] { where(a, a, a); }, {"where", "condition", "bool"}));
}

TEST(Elementwise, NaNHandling) {
  Tensor a = tensor({NAN, 1.0, -1.0});
  Tensor m = maximum(a, tensor({0.0, NAN, 0.0}));
  std::vector<double> v = values(m);
  EXPECT_TRUE(std::isnan(v[0]));
  EXPECT_TRUE(std::isnan(v[1]));
  EXPECT_EQ(v[2], 0.0);
  EXPECT_TRUE(std::isnan(values(relu(a))[0]));
  EXPECT_TRUE(std::isnan(values(clamp(a, 0, 1))[0]));
  EXPECT_EQ(values(a == a), (std::vector<double>{0, 1, 1}));
}

TEST(Elementwise, LargeTensorsUseTheParallelPathsCorrectly) {
  // Above the parallel grain, both contiguous and strided.
  Tensor a = random_tensor({300, 700}, kFloat32);
  Tensor b = random_tensor({700}, kFloat32);
  Tensor y = a.t().contiguous().t() * b - 1;
  std::vector<double> va = values(a), vb = values(b), vy = values(y);
  for (size_t i = 0; i < va.size(); ++i)
    ASSERT_NEAR(vy[i], static_cast<float>(static_cast<float>(va[i] * vb[i % 700]) - 1.0f), 1e-6)
        << i;
}

TEST(Elementwise, Errors) {
  Tensor a = ones({2, 3});
  EXPECT_TRUE(throws_with<ShapeError>([&] { a + ones({4}); }, {"add", "[2, 3]", "[4]"}));
  EXPECT_TRUE(throws_with<DTypeError>([&] { -ones({2}, kBool); }, {"neg", "bool"}));
  EXPECT_TRUE(throws_with<DTypeError>([&] { gelu(ones({2}, kInt64)); }, {"gelu", "int64"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { gelu(a, "fast"); }, {"gelu", "fast"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { clamp(a, std::nullopt, std::nullopt); }, {"clamp"}));
  EXPECT_TRUE(throws_with<DTypeError>([&] { add(ones({2}, kInt64), ones({2}, kInt64), 0.5); },
                                      {"add", "alpha", "int64"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { Tensor() + a; }, {"add", "undefined"}));
}

TEST(Elementwise, HalfAndBFloat16ComputeInFloat) {
  Tensor h = tensor({1000.0, 0.1}, kFloat16);
  EXPECT_TRUE(all_close(h * h, {INFINITY, 0.01}, 1e-2, 1e-3));  // 1e6 overflows half
  Tensor bf = tensor({3.0, -0.5}, kBFloat16);
  EXPECT_TRUE(all_close(exp(bf), {std::exp(3.0), std::exp(-0.5)}, 1e-2));
}

}  // namespace
}  // namespace ember
