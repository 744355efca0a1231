// Derivative formulas of the point-wise ops, one entry per op. Each wrapper runs the op below
// autograd and records a FormulaNode; gradients are fitted to their inputs' shapes (broadcasting),
// dtypes and devices by the node, so formulas read like the math. Formulas are written with
// public ops, so with create_graph they are themselves recorded (double backward).
#include <cmath>

#include "ember/autograd/formula_node.h"
#include "ember/autograd/register_formula.h"
#include "ember/core/factories.h"
#include "ember/core/ops.h"

namespace ember::autograd {
namespace {

// Fused activation backward kernels are used unless the backward itself is being recorded
// (create_graph), where the composite form keeps it differentiable.
bool recording_backward() {
  return GradMode::is_enabled();
}

// ---- arithmetic ----
Tensor add_fn(const Tensor& a, const Tensor& b, const Scalar& alpha) {
  return record1(
      "AddBackward", {a, b}, {}, false, [&] { return add(a, b, alpha); },
      [alpha](const variable_list& g, const FormulaNode&) -> variable_list {
        return {g[0], alpha.to_double() == 1.0 ? g[0] : g[0] * alpha};
      });
}
Tensor add_scalar_fn(const Tensor& a, const Scalar& b, const Scalar& alpha) {
  return record1(
      "AddBackward", {a}, {}, false, [&] { return add(a, b, alpha); },
      [](const variable_list& g, const FormulaNode&) -> variable_list { return {g[0]}; });
}
Tensor sub_fn(const Tensor& a, const Tensor& b, const Scalar& alpha) {
  return record1(
      "SubBackward", {a, b}, {}, false, [&] { return sub(a, b, alpha); },
      [alpha](const variable_list& g, const FormulaNode&) -> variable_list {
        return {g[0], g[0] * (-alpha.to_double())};
      });
}
Tensor rsub_scalar_fn(const Tensor& a, const Scalar& other, const Scalar& alpha) {
  return record1(
      "RsubBackward", {a}, {}, false, [&] { return rsub(a, other, alpha); },
      [alpha](const variable_list& g, const FormulaNode&) -> variable_list {
        return {g[0] * (-alpha.to_double())};
      });
}
Tensor mul_fn(const Tensor& a, const Tensor& b) {
  return record1(
      "MulBackward", {a, b}, {a, b}, false, [&] { return mul(a, b); },
      [](const variable_list& g, const FormulaNode& n) -> variable_list {
        return {n.needs_grad(0) ? g[0] * n.saved(1) : Tensor(),
                n.needs_grad(1) ? g[0] * n.saved(0) : Tensor()};
      });
}
Tensor mul_scalar_fn(const Tensor& a, const Scalar& s) {
  return record1(
      "MulBackward", {a}, {}, false, [&] { return mul(a, s); },
      [s](const variable_list& g, const FormulaNode&) -> variable_list { return {g[0] * s}; });
}
Tensor div_fn(const Tensor& a, const Tensor& b) {
  return record1(
      "DivBackward", {a, b}, {a, b}, false, [&] { return div(a, b); },
      [](const variable_list& g, const FormulaNode& n) -> variable_list {
        const Tensor b = n.saved(1);
        return {n.needs_grad(0) ? g[0] / b : Tensor(),
                n.needs_grad(1) ? -g[0] * n.saved(0) / (b * b) : Tensor()};
      });
}
Tensor div_scalar_fn(const Tensor& a, const Scalar& s) {
  return record1(
      "DivBackward", {a}, {}, false, [&] { return div(a, s); },
      [s](const variable_list& g, const FormulaNode&) -> variable_list { return {g[0] / s}; });
}
Tensor scalar_div_fn(const Scalar& s, const Tensor& b) {
  return record1(
      "DivBackward", {b}, {b}, false, [&] { return div(s, b); },
      [s](const variable_list& g, const FormulaNode& n) -> variable_list {
        const Tensor b = n.saved(0);
        return {-g[0] * s / (b * b)};
      });
}
Tensor pow_fn(const Tensor& a, const Tensor& b) {
  return record1(
      "PowBackward", {a, b}, {a, b}, true, [&] { return pow(a, b); },
      [](const variable_list& g, const FormulaNode& n) -> variable_list {
        const Tensor a = n.saved(0), b = n.saved(1);
        Tensor ga, gb;
        if (n.needs_grad(0)) ga = g[0] * b * pow(a, b - 1);
        // d/db a^b = a^b log a; defined as 0 where a == 0 and b >= 0 (like PyTorch).
        if (n.needs_grad(1))
          gb = where(logical_and(a == 0, b >= 0), 0.0, g[0] * n.saved(2) * log(a));
        return {ga, gb};
      });
}
Tensor pow_scalar_fn(const Tensor& a, const Scalar& e) {
  return record1(
      "PowBackward", {a}, {a}, false, [&] { return pow(a, e); },
      [e](const variable_list& g, const FormulaNode& n) -> variable_list {
        const double ev = e.to_double();
        if (ev == 0.0) return {zeros_like(g[0])};
        return {g[0] * ev * pow(n.saved(0), ev - 1.0)};
      });
}
Tensor scalar_pow_fn(const Scalar& s, const Tensor& b) {
  return record1(
      "PowBackward", {b}, {}, true, [&] { return pow(s, b); },
      [s](const variable_list& g, const FormulaNode& n) -> variable_list {
        const double base = s.to_double();
        if (base == 0.0) return {zeros_like(g[0])};
        return {g[0] * n.saved(0) * std::log(base)};
      });
}
// Ties split the gradient in half, like PyTorch.
Tensor maximum_fn(const Tensor& a, const Tensor& b) {
  return record1(
      "MaximumBackward", {a, b}, {a, b}, false, [&] { return maximum(a, b); },
      [](const variable_list& g, const FormulaNode& n) -> variable_list {
        const Tensor a = n.saved(0), b = n.saved(1);
        const Tensor half = where(a == b, g[0] / 2, g[0]);
        return {where(a < b, 0.0, half), where(a > b, 0.0, half)};
      });
}
Tensor minimum_fn(const Tensor& a, const Tensor& b) {
  return record1(
      "MinimumBackward", {a, b}, {a, b}, false, [&] { return minimum(a, b); },
      [](const variable_list& g, const FormulaNode& n) -> variable_list {
        const Tensor a = n.saved(0), b = n.saved(1);
        const Tensor half = where(a == b, g[0] / 2, g[0]);
        return {where(a > b, 0.0, half), where(a < b, 0.0, half)};
      });
}

// ---- unary ----
// A unary op whose formula reads its input (x) or its output (y).
template <typename Fwd, typename Bwd>
Tensor unary_from_input(const char* name, const Tensor& x, Fwd fwd, Bwd bwd) {
  return record1(
      name, {x}, {x}, false, [&] { return fwd(x); },
      [bwd](const variable_list& g, const FormulaNode& n) -> variable_list {
        return {bwd(g[0], n.saved(0))};
      });
}
template <typename Fwd, typename Bwd>
Tensor unary_from_output(const char* name, const Tensor& x, Fwd fwd, Bwd bwd) {
  return record1(
      name, {x}, {}, true, [&] { return fwd(x); },
      [bwd](const variable_list& g, const FormulaNode& n) -> variable_list {
        return {bwd(g[0], n.saved(0))};
      });
}

Tensor neg_fn(const Tensor& x) {
  return record1(
      "NegBackward", {x}, {}, false, [&] { return neg(x); },
      [](const variable_list& g, const FormulaNode&) -> variable_list { return {-g[0]}; });
}
Tensor abs_fn(const Tensor& x) {
  return unary_from_input(
      "AbsBackward", x, [](const Tensor& t) { return abs(t); },
      [](const Tensor& g, const Tensor& x) { return g * sign(x); });
}
Tensor exp_fn(const Tensor& x) {
  return unary_from_output(
      "ExpBackward", x, [](const Tensor& t) { return exp(t); },
      [](const Tensor& g, const Tensor& y) { return g * y; });
}
Tensor log_fn(const Tensor& x) {
  return unary_from_input(
      "LogBackward", x, [](const Tensor& t) { return log(t); },
      [](const Tensor& g, const Tensor& x) { return g / x; });
}
Tensor log1p_fn(const Tensor& x) {
  return unary_from_input(
      "Log1PBackward", x, [](const Tensor& t) { return log1p(t); },
      [](const Tensor& g, const Tensor& x) { return g / (x + 1); });
}
Tensor sqrt_fn(const Tensor& x) {
  return unary_from_output(
      "SqrtBackward", x, [](const Tensor& t) { return sqrt(t); },
      [](const Tensor& g, const Tensor& y) { return g / (y * 2); });
}
Tensor rsqrt_fn(const Tensor& x) {
  return unary_from_output(
      "RsqrtBackward", x, [](const Tensor& t) { return rsqrt(t); },
      [](const Tensor& g, const Tensor& y) { return g * y * y * y * -0.5; });
}
Tensor sin_fn(const Tensor& x) {
  return unary_from_input(
      "SinBackward", x, [](const Tensor& t) { return sin(t); },
      [](const Tensor& g, const Tensor& x) { return g * cos(x); });
}
Tensor cos_fn(const Tensor& x) {
  return unary_from_input(
      "CosBackward", x, [](const Tensor& t) { return cos(t); },
      [](const Tensor& g, const Tensor& x) { return -g * sin(x); });
}
Tensor tanh_fn(const Tensor& x) {
  return unary_from_output(
      "TanhBackward", x, [](const Tensor& t) { return tanh(t); },
      [](const Tensor& g, const Tensor& y) {
        return recording_backward() ? g * (1 - y * y) : tanh_backward(g, y);
      });
}
Tensor sigmoid_fn(const Tensor& x) {
  return unary_from_output(
      "SigmoidBackward", x, [](const Tensor& t) { return sigmoid(t); },
      [](const Tensor& g, const Tensor& y) {
        return recording_backward() ? g * y * (1 - y) : sigmoid_backward(g, y);
      });
}
Tensor relu_fn(const Tensor& x) {
  return unary_from_output(
      "ReluBackward", x, [](const Tensor& t) { return relu(t); },
      [](const Tensor& g, const Tensor& y) {
        return recording_backward() ? where(y > 0, g, 0.0) : threshold_backward(g, y, 0);
      });
}
Tensor sign_fn(const Tensor& x) {
  return record1(
      "SignBackward", {x}, {}, false, [&] { return sign(x); },
      [](const variable_list& g, const FormulaNode&) -> variable_list {
        return {zeros_like(g[0])};
      });
}
Tensor square_fn(const Tensor& x) {
  return unary_from_input(
      "SquareBackward", x, [](const Tensor& t) { return square(t); },
      [](const Tensor& g, const Tensor& x) { return g * x * 2; });
}
Tensor reciprocal_fn(const Tensor& x) {
  return unary_from_output(
      "ReciprocalBackward", x, [](const Tensor& t) { return reciprocal(t); },
      [](const Tensor& g, const Tensor& y) { return -g * y * y; });
}
Tensor leaky_relu_fn(const Tensor& x, const Scalar& slope) {
  return unary_from_input(
      "LeakyReluBackward", x, [&](const Tensor& t) { return leaky_relu(t, slope); },
      [slope](const Tensor& g, const Tensor& x) {
        return recording_backward() ? where(x > 0, g, g * slope) : leaky_relu_backward(g, x, slope);
      });
}
Tensor gelu_fn(const Tensor& x, std::string_view approximate) {
  const std::string mode(approximate);
  return unary_from_input(
      "GeluBackward", x, [&](const Tensor& t) { return gelu(t, mode); },
      [mode](const Tensor& g, const Tensor& x) { return gelu_backward(g, x, mode); });
}
// Gradient passes where min <= x <= max (like PyTorch's clamp_backward).
Tensor clamp_fn(const Tensor& x, std::optional<Scalar> lo, std::optional<Scalar> hi) {
  return unary_from_input(
      "ClampBackward", x, [&](const Tensor& t) { return clamp(t, lo, hi); },
      [lo, hi](const Tensor& g, const Tensor& x) {
        Tensor keep;
        if (lo) keep = x >= *lo;
        if (hi) keep = keep.defined() ? logical_and(keep, x <= *hi) : x <= *hi;
        return where(keep, g, 0.0);
      });
}

// ---- selection ----
Tensor where_fn(const Tensor& c, const Tensor& a, const Tensor& b) {
  return record1(
      "WhereBackward", {c, a, b}, {c}, false, [&] { return where(c, a, b); },
      [](const variable_list& g, const FormulaNode& n) -> variable_list {
        const Tensor c = n.saved(0);
        return {Tensor(), n.needs_grad(1) ? where(c, g[0], 0.0) : Tensor(),
                n.needs_grad(2) ? where(c, 0.0, g[0]) : Tensor()};
      });
}
Tensor masked_fill_fn(const Tensor& x, const Tensor& mask, const Scalar& value) {
  return record1(
      "MaskedFillBackward", {x, mask}, {mask}, false, [&] { return masked_fill(x, mask, value); },
      [](const variable_list& g, const FormulaNode& n) -> variable_list {
        return {where(n.saved(0), 0.0, g[0]), Tensor()};
      });
}

}  // namespace

EMBER_REGISTER_FORMULA(add, add_fn);
EMBER_REGISTER_FORMULA(add_scalar, add_scalar_fn);
EMBER_REGISTER_FORMULA(sub, sub_fn);
EMBER_REGISTER_FORMULA(rsub_scalar, rsub_scalar_fn);
EMBER_REGISTER_FORMULA(mul, mul_fn);
EMBER_REGISTER_FORMULA(mul_scalar, mul_scalar_fn);
EMBER_REGISTER_FORMULA(div, div_fn);
EMBER_REGISTER_FORMULA(div_scalar, div_scalar_fn);
EMBER_REGISTER_FORMULA(scalar_div, scalar_div_fn);
EMBER_REGISTER_FORMULA(pow, pow_fn);
EMBER_REGISTER_FORMULA(pow_scalar, pow_scalar_fn);
EMBER_REGISTER_FORMULA(scalar_pow, scalar_pow_fn);
EMBER_REGISTER_FORMULA(maximum, maximum_fn);
EMBER_REGISTER_FORMULA(minimum, minimum_fn);
EMBER_REGISTER_FORMULA(neg, neg_fn);
EMBER_REGISTER_FORMULA(abs, abs_fn);
EMBER_REGISTER_FORMULA(exp, exp_fn);
EMBER_REGISTER_FORMULA(log, log_fn);
EMBER_REGISTER_FORMULA(log1p, log1p_fn);
EMBER_REGISTER_FORMULA(sqrt, sqrt_fn);
EMBER_REGISTER_FORMULA(rsqrt, rsqrt_fn);
EMBER_REGISTER_FORMULA(sin, sin_fn);
EMBER_REGISTER_FORMULA(cos, cos_fn);
EMBER_REGISTER_FORMULA(tanh, tanh_fn);
EMBER_REGISTER_FORMULA(sigmoid, sigmoid_fn);
EMBER_REGISTER_FORMULA(relu, relu_fn);
EMBER_REGISTER_FORMULA(sign, sign_fn);
EMBER_REGISTER_FORMULA(square, square_fn);
EMBER_REGISTER_FORMULA(reciprocal, reciprocal_fn);
EMBER_REGISTER_FORMULA(leaky_relu, leaky_relu_fn);
EMBER_REGISTER_FORMULA(gelu, gelu_fn);
EMBER_REGISTER_FORMULA(clamp, clamp_fn);
EMBER_REGISTER_FORMULA(where, where_fn);
EMBER_REGISTER_FORMULA(masked_fill, masked_fill_fn);

}  // namespace ember::autograd
