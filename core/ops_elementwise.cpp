// The public point-wise ops: each names its typing rules (ElementwiseSpec) and hands its operands
// to run_elementwise, which checks, allocates and dispatches.
#include <cmath>

#include "ember/core/autograd_slots.h"
#include "ember/core/check.h"
#include "ember/core/elementwise.h"
#include "ember/core/factories.h"
#include "ember/core/ops.h"

namespace ember {

using detail::ElementwiseSpec;
using detail::run_elementwise;

namespace {

// Specs by family.
constexpr ElementwiseSpec spec_arith(std::string_view name) {
  return {.name = name};
}
constexpr ElementwiseSpec spec_arith_no_bool(std::string_view name) {
  return {.name = name, .allow_bool = false};
}
constexpr ElementwiseSpec spec_to_float(std::string_view name) {
  return {.name = name, .int_to_float = true};
}
constexpr ElementwiseSpec spec_floating(std::string_view name) {
  return {.name = name, .floating_only = true};
}
constexpr ElementwiseSpec spec_boolean(std::string_view name) {
  return {.name = name, .bool_result = true};
}

ElementwiseArgs alpha_args(const Scalar& alpha) {
  ElementwiseArgs a;
  a.d0 = alpha.to_double();
  a.i0 = alpha.to_int64();
  return a;
}

ElementwiseArgs negated_alpha(const Scalar& alpha) {
  ElementwiseArgs a;
  a.d0 = -alpha.to_double();
  a.i0 = -alpha.to_int64();
  return a;
}

// Evaluates `result` (the op's result type) only when alpha is floating: an integer alpha fits
// every result type.
#define EMBER_CHECK_ALPHA(self, alpha, op, result)                        \
  do {                                                                    \
    if ((alpha).is_floating_point()) check_alpha_fits(alpha, op, result); \
  } while (0)

void check_alpha_fits(const Scalar& alpha, std::string_view op, DType result) {
  EMBER_CHECK(is_floating_point(result) || !alpha.is_floating_point(), DType,
              "{}: alpha {} is floating but the result type {} is integral; pass an integer alpha",
              op, alpha.to_double(), dtype_name(result));
}

Tensor undefined() {
  return Tensor();
}

}  // namespace

// ---- add / sub ----
Tensor add(const Tensor& self, const Tensor& other, const Scalar& alpha) {
  EMBER_AUTOGRAD(add, self, other, alpha);
  EMBER_CHECK_ALPHA(self, alpha, "add", detail::result_type({self, other}));
  return run_elementwise(OpId::add, spec_arith("add"), undefined(), {self, other},
                         alpha_args(alpha));
}
Tensor add(const Tensor& self, const Scalar& other, const Scalar& alpha) {
  EMBER_AUTOGRAD(add_scalar, self, other, alpha);
  EMBER_CHECK_ALPHA(self, alpha, "add", detail::result_type({self, other}));
  return run_elementwise(OpId::add, spec_arith("add"), undefined(), {self, other},
                         alpha_args(alpha));
}
Tensor& add_out(Tensor& out, const Tensor& self, const Tensor& other, const Scalar& alpha) {
  EMBER_CHECK_ALPHA(self, alpha, "add_out", detail::result_type({self, other}));
  run_elementwise(OpId::add, spec_arith("add_out"), out, {self, other}, alpha_args(alpha));
  return out;
}
Tensor sub(const Tensor& self, const Tensor& other, const Scalar& alpha) {
  EMBER_AUTOGRAD(sub, self, other, alpha);
  EMBER_CHECK_ALPHA(self, alpha, "sub", detail::result_type({self, other}));
  return run_elementwise(OpId::add, spec_arith_no_bool("sub"), undefined(), {self, other},
                         negated_alpha(alpha));
}
Tensor sub(const Tensor& self, const Scalar& other, const Scalar& alpha) {
  EMBER_AUTOGRAD(add_scalar, self, Scalar(-other.to_double()), alpha);
  EMBER_CHECK_ALPHA(self, alpha, "sub", detail::result_type({self, other}));
  return run_elementwise(OpId::add, spec_arith_no_bool("sub"), undefined(), {self, other},
                         negated_alpha(alpha));
}
Tensor& sub_out(Tensor& out, const Tensor& self, const Tensor& other, const Scalar& alpha) {
  EMBER_CHECK_ALPHA(self, alpha, "sub_out", detail::result_type({self, other}));
  run_elementwise(OpId::add, spec_arith_no_bool("sub_out"), out, {self, other},
                  negated_alpha(alpha));
  return out;
}
Tensor rsub(const Tensor& self, const Scalar& other, const Scalar& alpha) {
  EMBER_AUTOGRAD(rsub_scalar, self, other, alpha);
  // other - alpha * self, computed as other + (-alpha) * self.
  EMBER_CHECK_ALPHA(self, alpha, "rsub", detail::result_type({self, other}));
  return run_elementwise(OpId::add, spec_arith_no_bool("rsub"), undefined(), {other, self},
                         negated_alpha(alpha));
}

// ---- mul / div / pow / maximum / minimum ----
Tensor mul(const Tensor& self, const Tensor& other) {
  EMBER_AUTOGRAD(mul, self, other);
  return run_elementwise(OpId::mul, spec_arith("mul"), undefined(), {self, other});
}
Tensor mul(const Tensor& self, const Scalar& other) {
  EMBER_AUTOGRAD(mul_scalar, self, other);
  return run_elementwise(OpId::mul, spec_arith("mul"), undefined(), {self, other});
}
Tensor& mul_out(Tensor& out, const Tensor& self, const Tensor& other) {
  run_elementwise(OpId::mul, spec_arith("mul_out"), out, {self, other});
  return out;
}
Tensor div(const Tensor& self, const Tensor& other) {
  EMBER_AUTOGRAD(div, self, other);
  return run_elementwise(OpId::div, spec_to_float("div"), undefined(), {self, other});
}
Tensor div(const Tensor& self, const Scalar& other) {
  EMBER_AUTOGRAD(div_scalar, self, other);
  return run_elementwise(OpId::div, spec_to_float("div"), undefined(), {self, other});
}
Tensor div(const Scalar& self, const Tensor& other) {
  EMBER_AUTOGRAD(scalar_div, self, other);
  return run_elementwise(OpId::div, spec_to_float("div"), undefined(), {self, other});
}
Tensor& div_out(Tensor& out, const Tensor& self, const Tensor& other) {
  run_elementwise(OpId::div, spec_to_float("div_out"), out, {self, other});
  return out;
}
Tensor pow(const Tensor& self, const Tensor& exponent) {
  EMBER_AUTOGRAD(pow, self, exponent);
  return run_elementwise(OpId::pow, spec_arith("pow"), undefined(), {self, exponent});
}
Tensor pow(const Tensor& self, const Scalar& exponent) {
  EMBER_AUTOGRAD(pow_scalar, self, exponent);
  EMBER_CHECK(is_floating_point(detail::result_type({self, exponent})) ||
                  exponent.to_int64() >= 0 || exponent.is_floating_point(),
              Value, "pow: integers to negative integer powers ({}) are not allowed",
              exponent.to_int64());
  return run_elementwise(OpId::pow, spec_arith("pow"), undefined(), {self, exponent});
}
Tensor pow(const Scalar& self, const Tensor& exponent) {
  EMBER_AUTOGRAD(scalar_pow, self, exponent);
  return run_elementwise(OpId::pow, spec_arith("pow"), undefined(), {self, exponent});
}
Tensor& pow_out(Tensor& out, const Tensor& self, const Tensor& exponent) {
  run_elementwise(OpId::pow, spec_arith("pow_out"), out, {self, exponent});
  return out;
}
Tensor maximum(const Tensor& self, const Tensor& other) {
  EMBER_AUTOGRAD(maximum, self, other);
  return run_elementwise(OpId::maximum, spec_arith("maximum"), undefined(), {self, other});
}
Tensor& maximum_out(Tensor& out, const Tensor& self, const Tensor& other) {
  run_elementwise(OpId::maximum, spec_arith("maximum_out"), out, {self, other});
  return out;
}
Tensor minimum(const Tensor& self, const Tensor& other) {
  EMBER_AUTOGRAD(minimum, self, other);
  return run_elementwise(OpId::minimum, spec_arith("minimum"), undefined(), {self, other});
}
Tensor& minimum_out(Tensor& out, const Tensor& self, const Tensor& other) {
  run_elementwise(OpId::minimum, spec_arith("minimum_out"), out, {self, other});
  return out;
}

// ---- comparisons and logic ----
#define EMBER_DEFINE_COMPARISON(name)                                                    \
  Tensor name(const Tensor& self, const Tensor& other) {                                 \
    return run_elementwise(OpId::name, spec_boolean(#name), undefined(), {self, other}); \
  }                                                                                      \
  Tensor name(const Tensor& self, const Scalar& other) {                                 \
    return run_elementwise(OpId::name, spec_boolean(#name), undefined(), {self, other}); \
  }                                                                                      \
  Tensor& name##_out(Tensor& out, const Tensor& self, const Tensor& other) {             \
    run_elementwise(OpId::name, spec_boolean(#name "_out"), out, {self, other});         \
    return out;                                                                          \
  }
EMBER_DEFINE_COMPARISON(eq)
EMBER_DEFINE_COMPARISON(ne)
EMBER_DEFINE_COMPARISON(lt)
EMBER_DEFINE_COMPARISON(le)
EMBER_DEFINE_COMPARISON(gt)
EMBER_DEFINE_COMPARISON(ge)
#undef EMBER_DEFINE_COMPARISON

Tensor logical_and(const Tensor& self, const Tensor& other) {
  return run_elementwise(OpId::logical_and, spec_boolean("logical_and"), undefined(),
                         {self, other});
}
Tensor logical_or(const Tensor& self, const Tensor& other) {
  return run_elementwise(OpId::logical_or, spec_boolean("logical_or"), undefined(), {self, other});
}
Tensor logical_xor(const Tensor& self, const Tensor& other) {
  return run_elementwise(OpId::logical_xor, spec_boolean("logical_xor"), undefined(),
                         {self, other});
}
Tensor logical_not(const Tensor& self) {
  return run_elementwise(OpId::logical_not, spec_boolean("logical_not"), undefined(), {self});
}

Tensor isclose(const Tensor& self, const Tensor& other, double rtol, double atol) {
  EMBER_CHECK(rtol >= 0 && atol >= 0, Value, "isclose: rtol ({}) and atol ({}) must be >= 0", rtol,
              atol);
  if (!is_floating_point(detail::result_type({self, other}))) return eq(self, other);
  // |self - other| <= atol + rtol * |other|, and equal values (infinities) are close.
  Tensor diff = abs(sub(self, other));
  Tensor tol = add(mul(abs(other), rtol), atol);
  return logical_or(le(diff, tol), eq(self, other));
}

bool allclose(const Tensor& self, const Tensor& other, double rtol, double atol) {
  return all(isclose(self, other, rtol, atol)).item<bool>();
}

bool equal(const Tensor& self, const Tensor& other) {
  if (self.sizes() != other.sizes()) return false;
  return all(eq(self, other)).item<bool>();
}

// ---- unary ----
#define EMBER_DEFINE_UNARY(name, spec_fn)                                    \
  Tensor name(const Tensor& self) {                                          \
    EMBER_AUTOGRAD(name, self);                                              \
    return run_elementwise(OpId::name, spec_fn(#name), undefined(), {self}); \
  }
EMBER_DEFINE_UNARY(neg, spec_arith_no_bool)
EMBER_DEFINE_UNARY(abs, spec_arith_no_bool)
EMBER_DEFINE_UNARY(exp, spec_to_float)
EMBER_DEFINE_UNARY(log, spec_to_float)
EMBER_DEFINE_UNARY(log1p, spec_to_float)
EMBER_DEFINE_UNARY(sqrt, spec_to_float)
EMBER_DEFINE_UNARY(rsqrt, spec_to_float)
EMBER_DEFINE_UNARY(sin, spec_to_float)
EMBER_DEFINE_UNARY(cos, spec_to_float)
EMBER_DEFINE_UNARY(tanh, spec_to_float)
EMBER_DEFINE_UNARY(sigmoid, spec_to_float)
EMBER_DEFINE_UNARY(relu, spec_arith_no_bool)
EMBER_DEFINE_UNARY(sign, spec_arith)
EMBER_DEFINE_UNARY(square, spec_arith)
EMBER_DEFINE_UNARY(reciprocal, spec_to_float)
#undef EMBER_DEFINE_UNARY

Tensor& neg_out(Tensor& out, const Tensor& self) {
  run_elementwise(OpId::neg, spec_arith_no_bool("neg_out"), out, {self});
  return out;
}
Tensor& exp_out(Tensor& out, const Tensor& self) {
  run_elementwise(OpId::exp, spec_to_float("exp_out"), out, {self});
  return out;
}
Tensor& relu_out(Tensor& out, const Tensor& self) {
  run_elementwise(OpId::relu, spec_arith_no_bool("relu_out"), out, {self});
  return out;
}

Tensor leaky_relu(const Tensor& self, const Scalar& negative_slope) {
  EMBER_AUTOGRAD(leaky_relu, self, negative_slope);
  ElementwiseArgs a;
  a.d0 = negative_slope.to_double();
  return run_elementwise(OpId::leaky_relu, spec_floating("leaky_relu"), undefined(), {self}, a);
}

Tensor gelu(const Tensor& self, std::string_view approximate) {
  EMBER_AUTOGRAD(gelu, self, approximate);
  EMBER_CHECK(approximate == "none" || approximate == "tanh", Value,
              "gelu: approximate must be \"none\" or \"tanh\", got \"{}\"", approximate);
  ElementwiseArgs a;
  a.flags = approximate == "tanh" ? 1 : 0;
  return run_elementwise(OpId::gelu, spec_floating("gelu"), undefined(), {self}, a);
}

namespace {
// flags bit 0: has min, bit 1: has max. Bounds as double and as int64.
ElementwiseArgs clamp_args(const std::optional<Scalar>& min, const std::optional<Scalar>& max) {
  ElementwiseArgs a;
  if (min) {
    a.flags |= 1;
    a.d0 = min->to_double();
    a.i0 = min->is_floating_point() ? static_cast<int64_t>(std::ceil(min->to_double()))
                                    : min->to_int64();
  }
  if (max) {
    a.flags |= 2;
    a.d1 = max->to_double();
    a.i1 = max->is_floating_point() ? static_cast<int64_t>(std::floor(max->to_double()))
                                    : max->to_int64();
  }
  return a;
}
}  // namespace

Tensor clamp(const Tensor& self, std::optional<Scalar> min, std::optional<Scalar> max) {
  EMBER_AUTOGRAD(clamp, self, min, max);
  EMBER_CHECK(min || max, Value, "clamp: at least one of min and max must be given");
  return run_elementwise(OpId::clamp, spec_arith_no_bool("clamp"), undefined(), {self},
                         clamp_args(min, max));
}
Tensor clamp_min(const Tensor& self, const Scalar& min) {
  return clamp(self, min, std::nullopt);
}
Tensor clamp_max(const Tensor& self, const Scalar& max) {
  return clamp(self, std::nullopt, max);
}

// ---- backward of activations ----
Tensor threshold_backward(const Tensor& grad, const Tensor& self, const Scalar& threshold) {
  ElementwiseArgs a;
  a.d0 = threshold.to_double();
  a.i0 = threshold.to_int64();
  return run_elementwise(OpId::threshold_backward, spec_floating("threshold_backward"), undefined(),
                         {grad, self}, a);
}
Tensor leaky_relu_backward(const Tensor& grad, const Tensor& self, const Scalar& negative_slope) {
  ElementwiseArgs a;
  a.d0 = negative_slope.to_double();
  return run_elementwise(OpId::leaky_relu_backward, spec_floating("leaky_relu_backward"),
                         undefined(), {grad, self}, a);
}
Tensor gelu_backward(const Tensor& grad, const Tensor& self, std::string_view approximate) {
  EMBER_CHECK(approximate == "none" || approximate == "tanh", Value,
              "gelu_backward: approximate must be \"none\" or \"tanh\", got \"{}\"", approximate);
  ElementwiseArgs a;
  a.flags = approximate == "tanh" ? 1 : 0;
  return run_elementwise(OpId::gelu_backward, spec_floating("gelu_backward"), undefined(),
                         {grad, self}, a);
}
Tensor sigmoid_backward(const Tensor& grad, const Tensor& output) {
  return run_elementwise(OpId::sigmoid_backward, spec_floating("sigmoid_backward"), undefined(),
                         {grad, output});
}
Tensor tanh_backward(const Tensor& grad, const Tensor& output) {
  return run_elementwise(OpId::tanh_backward, spec_floating("tanh_backward"), undefined(),
                         {grad, output});
}

// ---- selection ----
namespace {
constexpr ElementwiseSpec where_spec{.name = "where", .first_promoted = 1};
}

Tensor where(const Tensor& condition, const Tensor& self, const Tensor& other) {
  EMBER_AUTOGRAD(where, condition, self, other);
  return run_elementwise(OpId::where, where_spec, undefined(), {condition, self, other});
}
Tensor where(const Tensor& condition, const Scalar& self, const Tensor& other) {
  if (detail::needs_autograd(other)) return where(condition, full_like(other, self), other);
  return run_elementwise(OpId::where, where_spec, undefined(), {condition, self, other});
}
Tensor where(const Tensor& condition, const Tensor& self, const Scalar& other) {
  if (detail::needs_autograd(self)) return where(condition, self, full_like(self, other));
  return run_elementwise(OpId::where, where_spec, undefined(), {condition, self, other});
}
Tensor masked_fill(const Tensor& self, const Tensor& mask, const Scalar& value) {
  EMBER_AUTOGRAD(masked_fill, self, mask, value);
  Tensor filled = run_elementwise(OpId::where, {.name = "masked_fill", .first_promoted = 1},
                                  undefined(), {mask, value, self});
  // masked_fill keeps self's dtype (the value is cast to it).
  return filled.dtype() == self.dtype() ? filled : filled.to(self.dtype());
}

// ---- in-place methods ----
Tensor& Tensor::add_(const Tensor& other, const Scalar& alpha) {
  EMBER_AUTOGRAD_INPLACE(
      *this, "add_", [&](const Tensor& s) { return ember::add(s, other, alpha); }, other);
  EMBER_CHECK_ALPHA(*this, alpha, "add_", detail::result_type({*this, other}));
  run_elementwise(OpId::add, spec_arith("add_"), *this, {*this, other}, alpha_args(alpha));
  return *this;
}
Tensor& Tensor::add_(const Scalar& other, const Scalar& alpha) {
  EMBER_AUTOGRAD_INPLACE(*this, "add_",
                         [&](const Tensor& s) { return ember::add(s, other, alpha); });
  EMBER_CHECK_ALPHA(*this, alpha, "add_", detail::result_type({*this, other}));
  run_elementwise(OpId::add, spec_arith("add_"), *this, {*this, other}, alpha_args(alpha));
  return *this;
}
Tensor& Tensor::sub_(const Tensor& other, const Scalar& alpha) {
  EMBER_AUTOGRAD_INPLACE(
      *this, "sub_", [&](const Tensor& s) { return ember::sub(s, other, alpha); }, other);
  EMBER_CHECK_ALPHA(*this, alpha, "sub_", detail::result_type({*this, other}));
  run_elementwise(OpId::add, spec_arith_no_bool("sub_"), *this, {*this, other},
                  negated_alpha(alpha));
  return *this;
}
Tensor& Tensor::sub_(const Scalar& other, const Scalar& alpha) {
  EMBER_AUTOGRAD_INPLACE(*this, "sub_",
                         [&](const Tensor& s) { return ember::sub(s, other, alpha); });
  EMBER_CHECK_ALPHA(*this, alpha, "sub_", detail::result_type({*this, other}));
  run_elementwise(OpId::add, spec_arith_no_bool("sub_"), *this, {*this, other},
                  negated_alpha(alpha));
  return *this;
}
Tensor& Tensor::mul_(const Tensor& other) {
  EMBER_AUTOGRAD_INPLACE(
      *this, "mul_", [&](const Tensor& s) { return ember::mul(s, other); }, other);
  run_elementwise(OpId::mul, spec_arith("mul_"), *this, {*this, other});
  return *this;
}
Tensor& Tensor::mul_(const Scalar& other) {
  EMBER_AUTOGRAD_INPLACE(*this, "mul_", [&](const Tensor& s) { return ember::mul(s, other); });
  run_elementwise(OpId::mul, spec_arith("mul_"), *this, {*this, other});
  return *this;
}
Tensor& Tensor::div_(const Tensor& other) {
  EMBER_AUTOGRAD_INPLACE(
      *this, "div_", [&](const Tensor& s) { return ember::div(s, other); }, other);
  run_elementwise(OpId::div, spec_to_float("div_"), *this, {*this, other});
  return *this;
}
Tensor& Tensor::div_(const Scalar& other) {
  EMBER_AUTOGRAD_INPLACE(*this, "div_", [&](const Tensor& s) { return ember::div(s, other); });
  run_elementwise(OpId::div, spec_to_float("div_"), *this, {*this, other});
  return *this;
}
Tensor& Tensor::pow_(const Scalar& exponent) {
  EMBER_AUTOGRAD_INPLACE(*this, "pow_", [&](const Tensor& s) { return ember::pow(s, exponent); });
  run_elementwise(OpId::pow, spec_arith("pow_"), *this, {*this, exponent});
  return *this;
}
#define EMBER_DEFINE_UNARY_INPLACE(name, spec_fn)                                             \
  Tensor& Tensor::name##_() {                                                                 \
    EMBER_AUTOGRAD_INPLACE(*this, #name "_", [](const Tensor& s) { return ember::name(s); }); \
    run_elementwise(OpId::name, spec_fn(#name "_"), *this, {*this});                          \
    return *this;                                                                             \
  }
EMBER_DEFINE_UNARY_INPLACE(neg, spec_arith_no_bool)
EMBER_DEFINE_UNARY_INPLACE(abs, spec_arith_no_bool)
EMBER_DEFINE_UNARY_INPLACE(exp, spec_to_float)
EMBER_DEFINE_UNARY_INPLACE(log, spec_to_float)
EMBER_DEFINE_UNARY_INPLACE(sqrt, spec_to_float)
EMBER_DEFINE_UNARY_INPLACE(sigmoid, spec_to_float)
EMBER_DEFINE_UNARY_INPLACE(tanh, spec_to_float)
EMBER_DEFINE_UNARY_INPLACE(relu, spec_arith_no_bool)
#undef EMBER_DEFINE_UNARY_INPLACE

Tensor& Tensor::clamp_(std::optional<Scalar> min, std::optional<Scalar> max) {
  EMBER_AUTOGRAD_INPLACE(*this, "clamp_",
                         [&](const Tensor& s) { return ember::clamp(s, min, max); });
  EMBER_CHECK(min || max, Value, "clamp_: at least one of min and max must be given");
  run_elementwise(OpId::clamp, spec_arith_no_bool("clamp_"), *this, {*this}, clamp_args(min, max));
  return *this;
}
Tensor& Tensor::masked_fill_(const Tensor& mask, const Scalar& value) {
  EMBER_AUTOGRAD_INPLACE(*this, "masked_fill_",
                         [&](const Tensor& s) { return ember::masked_fill(s, mask, value); });
  // The value is cast to self's dtype, whatever its kind (like PyTorch).
  const Scalar v = ember::is_floating_point(dtype()) ? Scalar(value.to_double())
                   : dtype() == kBool                ? Scalar(value.to_bool())
                                                     : Scalar(value.to_int64());
  Tensor self_typed = *this;
  run_elementwise(OpId::where, {.name = "masked_fill_", .first_promoted = 1}, *this,
                  {mask, v, self_typed});
  return *this;
}
Tensor& Tensor::fill_(const Scalar& value) {
  EMBER_AUTOGRAD_INPLACE(*this, "fill_", [&](const Tensor& s) { return full_like(s, value); });
  EMBER_CHECK(defined(), Value, "fill_: the tensor is undefined");
  ElementwiseArgs a;
  a.d0 = value.to_double();
  a.i0 = value.is_bool() ? value.to_bool() : value.to_int64();
  run_elementwise(OpId::fill, {.name = "fill_", .compute_in_out_dtype = true}, *this, {}, a);
  return *this;
}
Tensor& Tensor::zero_() {
  return fill_(0);
}

}  // namespace ember
