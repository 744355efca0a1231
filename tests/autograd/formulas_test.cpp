// gradcheck (central finite differences in float64) for every differentiable op, on broadcast,
// non-contiguous and in-place cases, and gradgradcheck for the ops that support double backward.
#include <functional>
#include <string>

#include "ember/core/autograd_slots.h"
#include "support/test_util.h"

namespace ember {
namespace {

using autograd::gradcheck;
using autograd::gradgradcheck;
using Fn = std::function<Tensor(const std::vector<Tensor>&)>;

Tensor input(IntArrayRef sizes, double lo = -2, double hi = 2) {
  return testing::random_tensor(sizes, kFloat64, lo, hi).requires_grad_();
}

// A non-contiguous float64 input with the given logical sizes (a transposed copy).
Tensor strided_input(int64_t rows, int64_t cols, double lo = -2, double hi = 2) {
  Tensor base = testing::random_tensor({cols, rows}, kFloat64, lo, hi);
  Tensor t = base.t();
  EXPECT_FALSE(t.is_contiguous());
  return t.requires_grad_();
}

struct Case {
  std::string name;
  Fn fn;
  std::vector<Tensor> inputs;
  bool double_backward = true;
};

std::vector<Case> unary_cases() {
  auto u = [](std::string name, std::function<Tensor(const Tensor&)> f, double lo, double hi,
              bool dd = true) {
    return Case{name,
                [f](const std::vector<Tensor>& x) { return f(x[0]); },
                {strided_input(3, 4, lo, hi)},
                dd};
  };
  return {
      u(
          "neg", [](const Tensor& t) { return -t; }, -2, 2),
      u(
          "abs", [](const Tensor& t) { return t.abs(); }, 0.2, 2),
      u(
          "exp", [](const Tensor& t) { return t.exp(); }, -2, 2),
      u(
          "log", [](const Tensor& t) { return t.log(); }, 0.5, 3),
      u(
          "log1p", [](const Tensor& t) { return t.log1p(); }, -0.5, 3),
      u(
          "sqrt", [](const Tensor& t) { return t.sqrt(); }, 0.5, 3),
      u(
          "rsqrt", [](const Tensor& t) { return t.rsqrt(); }, 0.5, 3),
      u(
          "sin", [](const Tensor& t) { return t.sin(); }, -2, 2),
      u(
          "cos", [](const Tensor& t) { return t.cos(); }, -2, 2),
      u(
          "tanh", [](const Tensor& t) { return t.tanh(); }, -2, 2),
      u(
          "sigmoid", [](const Tensor& t) { return t.sigmoid(); }, -3, 3),
      u(
          "relu", [](const Tensor& t) { return t.relu(); }, 0.1, 2),
      u(
          "relu_negative", [](const Tensor& t) { return t.relu(); }, -2, -0.1),
      u(
          "square", [](const Tensor& t) { return t.square(); }, -2, 2),
      u(
          "reciprocal", [](const Tensor& t) { return t.reciprocal(); }, 0.5, 2),
      u(
          "leaky_relu", [](const Tensor& t) { return t.leaky_relu(0.1); }, -2, 2),
      u(
          "gelu", [](const Tensor& t) { return t.gelu(); }, -3, 3, false),
      u(
          "gelu_tanh", [](const Tensor& t) { return t.gelu("tanh"); }, -3, 3, false),
      u(
          "clamp", [](const Tensor& t) { return t.clamp(-0.5, 0.7); }, -2, 2),
      u(
          "pow_scalar", [](const Tensor& t) { return t.pow(2.5); }, 0.5, 2),
      u(
          "scalar_pow", [](const Tensor& t) { return pow(2.0, t); }, -1, 1),
      u(
          "mul_scalar", [](const Tensor& t) { return t * 1.5; }, -2, 2),
      u(
          "div_scalar", [](const Tensor& t) { return t / 4; }, -2, 2),
      u(
          "scalar_div", [](const Tensor& t) { return 3.0 / t; }, 0.5, 2),
      u(
          "rsub", [](const Tensor& t) { return 1.0 - t; }, -2, 2),
      u(
          "add_scalar", [](const Tensor& t) { return t + 2; }, -2, 2),
  };
}

std::vector<Case> binary_cases() {
  auto b = [](std::string name, std::function<Tensor(const Tensor&, const Tensor&)> f, double lo,
              double hi) {
    // Broadcast [3, 4] with [4], and non-contiguous self.
    return Case{name,
                [f](const std::vector<Tensor>& x) { return f(x[0], x[1]); },
                {strided_input(3, 4, lo, hi), input({4}, lo, hi)}};
  };
  return {
      b(
          "add", [](const Tensor& x, const Tensor& y) { return x + y; }, -2, 2),
      b(
          "add_alpha", [](const Tensor& x, const Tensor& y) { return add(x, y, 2.5); }, -2, 2),
      b(
          "sub", [](const Tensor& x, const Tensor& y) { return x - y; }, -2, 2),
      b(
          "mul", [](const Tensor& x, const Tensor& y) { return x * y; }, -2, 2),
      b(
          "div", [](const Tensor& x, const Tensor& y) { return x / y; }, 0.5, 2),
      b(
          "pow", [](const Tensor& x, const Tensor& y) { return pow(x, y); }, 0.5, 2),
      b(
          "maximum", [](const Tensor& x, const Tensor& y) { return maximum(x, y); }, -2, 2),
      b(
          "minimum", [](const Tensor& x, const Tensor& y) { return minimum(x, y); }, -2, 2),
      b(
          "where", [](const Tensor& x, const Tensor& y) { return where(x > 0, x, y); }, -2, 2),
  };
}

std::vector<Case> view_cases() {
  auto v = [](std::string name, std::function<Tensor(const Tensor&)> f) {
    return Case{name, [f](const std::vector<Tensor>& x) { return f(x[0]); }, {input({2, 3, 4})}};
  };
  return {
      v("view",
        [](const Tensor& t) {
          return t.view({6, 4}) * 2;
        }),
      v("reshape", [](const Tensor& t) { return t.transpose(0, 2).reshape({-1}); }),
      v("transpose", [](const Tensor& t) { return t.transpose(0, 1); }),
      v("permute",
        [](const Tensor& t) {
          return t.permute({2, 0, 1});
        }),
      v("slice", [](const Tensor& t) { return t.slice(2, 1, 4, 2); }),
      v("select", [](const Tensor& t) { return t.select(1, -1); }),
      v("narrow", [](const Tensor& t) { return t.narrow(0, 1, 1); }),
      v("expand",
        [](const Tensor& t) {
          return t.slice(1, 0, 1).expand({2, 5, 4});
        }),
      v("squeeze_unsqueeze",
        [](const Tensor& t) { return t.unsqueeze(1).slice(2, 0, 1).squeeze(); }),
      v("flatten", [](const Tensor& t) { return t.flatten(1); }),
      v("split", [](const Tensor& t) { return t.split(3, 2)[1] * 3; }),
      v("unbind", [](const Tensor& t) { return t.unbind(0)[1]; }),
      v("clone", [](const Tensor& t) { return t.clone(); }),
      v("contiguous", [](const Tensor& t) { return t.transpose(0, 1).contiguous(); }),
      v("as_strided",
        [](const Tensor& t) {
          return t.as_strided({3, 3}, {2, 1}, 0);
        }),
      v("masked_fill", [](const Tensor& t) { return t.masked_fill(t > 0.5, 2.0); }),
  };
}

void run_cases(const std::vector<Case>& cases, bool also_double) {
  for (const Case& c : cases) {
    auto r = gradcheck(c.fn, c.inputs);
    EXPECT_TRUE(r.ok) << c.name << ": " << r.message;
    if (also_double && c.double_backward) {
      auto rr = gradgradcheck(c.fn, c.inputs);
      EXPECT_TRUE(rr.ok) << c.name << " (double backward): " << rr.message;
    }
  }
}

TEST(Gradcheck, UnaryOps) {
  run_cases(unary_cases(), true);
}
TEST(Gradcheck, BinaryOpsWithBroadcasting) {
  run_cases(binary_cases(), false);
}
TEST(Gradcheck, ViewsAndCopies) {
  run_cases(view_cases(), false);
}

TEST(Gradcheck, InPlaceOpsOnNonLeaves) {
  std::vector<Case> cases = {
      {"add_",
       [](const std::vector<Tensor>& x) {
         Tensor y = x[0] * 1;
         y.add_(x[1], 2);
         return y;
       },
       {input({3, 4}), input({4})}},
      {"mul_",
       [](const std::vector<Tensor>& x) {
         Tensor y = x[0] * 1;
         y.mul_(x[1]);
         return y;
       },
       {input({3, 4}), input({4})}},
      {"div_",
       [](const std::vector<Tensor>& x) {
         Tensor y = x[0] * 1;
         y.div_(x[1]);
         return y;
       },
       {input({3, 4}), input({4}, 0.5, 2)}},
      {"exp_ then sigmoid_",
       [](const std::vector<Tensor>& x) {
         Tensor y = x[0] * 1;
         y.exp_().sigmoid_();
         return y;
       },
       {input({3, 4})}},
      {"copy_",
       [](const std::vector<Tensor>& x) {
         Tensor y = x[0] * 1;
         y.copy_(x[1]);
         return y * x[0];
       },
       {input({3, 4}), input({4})}},
      {"masked_fill_",
       [](const std::vector<Tensor>& x) {
         Tensor y = x[0] * 1;
         y.masked_fill_(x[0] > 0, 1.0);
         return y;
       },
       {input({3, 4})}},
  };
  run_cases(cases, false);
}

TEST(Gradcheck, BinaryOpsSupportDoubleBackward) {
  std::vector<Case> cases = {
      {"mul", [](const std::vector<Tensor>& x) { return x[0] * x[1]; }, {input({3}), input({3})}},
      {"div",
       [](const std::vector<Tensor>& x) { return x[0] / x[1]; },
       {input({3}), input({3}, 0.5, 2)}},
      {"pow",
       [](const std::vector<Tensor>& x) { return pow(x[0], x[1]); },
       {input({3}, 0.5, 2), input({3})}},
  };
  run_cases(cases, true);
}

TEST(Gradcheck, EveryAutogradSlotHasAFormula) {
#define EMBER_CHECK_SLOT(name, sig) \
  EXPECT_NE(autograd_slots::name, nullptr) << "slot '" #name "' has no derivative formula";
  EMBER_FOREACH_AUTOGRAD_SLOT(EMBER_CHECK_SLOT)
#undef EMBER_CHECK_SLOT
}

}  // namespace
}  // namespace ember
