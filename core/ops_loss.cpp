// Losses. cross_entropy and nll_loss check class scores [N, C, d...] against their targets and
// weights and run fused kernels. The point-wise losses (mse, l1, smooth_l1, binary
// cross-entropy with and without logits) are composites of element-wise ops and a reduction,
// each with its explicit backward formula (the autograd layer wires them).
#include "ember/core/autograd_slots.h"
#include "ember/core/check.h"
#include "ember/core/dispatch.h"
#include "ember/core/elementwise.h"
#include "ember/core/nn_checks.h"
#include "ember/core/nn_ops.h"
#include "ember/core/ops.h"
#include "ember/core/shape_utils.h"

namespace ember {

namespace {

using detail::shape_string;

// How class scores and targets are laid out for the kernels.
struct ClassLossLayout {
  Tensor input;          // [N, C, inner], contiguous
  Tensor target;         // [N, inner] int64, or [N, C, inner] probabilities; contiguous
  Tensor weight;         // [C] contiguous, or undefined
  DimVector loss_shape;  // of the unreduced loss
  ClassLossArgs args;
};

ClassLossLayout class_loss_layout(std::string_view op, const Tensor& input, const Tensor& target,
                                  const Tensor& weight, Reduction reduction, int64_t ignore_index,
                                  double label_smoothing, bool allow_probabilities) {
  detail::nn_check_float(op, "input", input);
  detail::nn_check_defined(op, "target", target);
  EMBER_CHECK(input.dim() >= 1, Shape,
              "{}: expected input [N, C], [C] or [N, C, d...], got a zero-dim tensor", op);
  EMBER_CHECK(label_smoothing >= 0.0 && label_smoothing <= 1.0, Value,
              "{}: label_smoothing must be in [0, 1], got {}", op, label_smoothing);
  EMBER_CHECK(target.device() == input.device(), Device,
              "{}: target is on {} but input is on {}; move them to one device", op,
              target.device().str(), input.device().str());
  ClassLossLayout l;
  const bool batched = input.dim() >= 2;
  const int64_t classes = batched ? input.size(1) : input.size(0);
  const int64_t n = batched ? input.size(0) : 1;
  int64_t inner = 1;
  for (int64_t d = 2; d < input.dim(); ++d) inner *= input.size(d);
  l.loss_shape = DimVector(input.sizes().begin(), input.sizes().end());
  l.loss_shape.erase(batched ? 1 : 0);
  EMBER_CHECK(classes >= 1, Shape, "{}: input {} has no classes", op, shape_string(input.sizes()));

  const bool probabilities = is_floating_point(target.dtype());
  if (probabilities) {
    EMBER_CHECK(allow_probabilities, DType, "{}: expected int64 class indices as target, got {}",
                op, dtype_name(target.dtype()));
    detail::nn_check_like(op, "input", input, "target", target);
    EMBER_CHECK(target.sizes() == input.sizes(), Shape,
                "{}: class-probability target {} must have the input's shape {}", op,
                shape_string(target.sizes()), shape_string(input.sizes()));
    l.target = target.contiguous().view({n, classes, inner});
  } else {
    EMBER_CHECK(target.dtype() == kInt64, DType,
                "{}: expected int64 class indices as target, got {}{}", op,
                dtype_name(target.dtype()),
                allow_probabilities ? " (or class probabilities of the input's dtype)" : "");
    EMBER_CHECK(target.sizes() == IntArrayRef(l.loss_shape), Shape,
                "{}: target {} does not match input {} (expected target {})", op,
                shape_string(target.sizes()), shape_string(input.sizes()),
                shape_string(l.loss_shape));
    l.target = target.contiguous().view({n, inner});
  }
  detail::nn_check_like(op, "input", input, "weight", weight);
  detail::nn_check_vector(op, "weight", weight, classes);
  l.weight = weight.defined() ? weight.contiguous() : weight;
  l.input = input.contiguous().view({n, classes, inner});
  l.args.reduction = reduction;
  l.args.ignore_index = ignore_index;
  l.args.label_smoothing = label_smoothing;
  l.args.classes = classes;
  l.args.inner = inner;
  return l;
}

// The loss tensor: the unreduced shape for Reduction::None, else zero-dim.
Tensor empty_loss(const ClassLossLayout& l, const Tensor& like) {
  const IntArrayRef shape =
      l.args.reduction == Reduction::None ? IntArrayRef(l.loss_shape) : IntArrayRef{};
  return detail::empty_tensor(shape, like.dtype(), like.device());
}

void check_grad_loss(std::string_view op, const Tensor& grad_output, const ClassLossLayout& l,
                     const Tensor& input) {
  detail::nn_check_defined(op, "grad_output", grad_output);
  detail::nn_check_like(op, "input", input, "grad_output", grad_output);
  const DimVector expected = l.args.reduction == Reduction::None ? l.loss_shape : DimVector();
  EMBER_CHECK(grad_output.sizes() == IntArrayRef(expected), Shape,
              "{}: grad_output {} does not match the loss shape {}", op,
              shape_string(grad_output.sizes()), shape_string(expected));
}

}  // namespace

// ---- cross_entropy / nll_loss ----
std::tuple<Tensor, Tensor> cross_entropy_forward(const Tensor& input, const Tensor& target,
                                                 const Tensor& weight, Reduction reduction,
                                                 int64_t ignore_index, double label_smoothing) {
  const ClassLossLayout l = class_loss_layout("cross_entropy", input, target, weight, reduction,
                                              ignore_index, label_smoothing, true);
  Tensor loss = empty_loss(l, input);
  Tensor lse = detail::empty_tensor({l.input.size(0), l.args.inner}, input.dtype(), input.device());
  kernel_for<OpId::cross_entropy>(input.device())(loss, lse, l.input, l.target, l.weight, l.args);
  return {loss, lse};
}

Tensor cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight,
                     Reduction reduction, int64_t ignore_index, double label_smoothing) {
  EMBER_AUTOGRAD(cross_entropy, input, target, weight, reduction, ignore_index, label_smoothing);
  return std::get<0>(
      cross_entropy_forward(input, target, weight, reduction, ignore_index, label_smoothing));
}

Tensor cross_entropy_backward(const Tensor& grad_output, const Tensor& input, const Tensor& target,
                              const Tensor& log_sum_exp, const Tensor& weight, Reduction reduction,
                              int64_t ignore_index, double label_smoothing) {
  constexpr std::string_view op = "cross_entropy_backward";
  const ClassLossLayout l =
      class_loss_layout(op, input, target, weight, reduction, ignore_index, label_smoothing, true);
  check_grad_loss(op, grad_output, l, input);
  detail::nn_check_defined(op, "log_sum_exp", log_sum_exp);
  detail::nn_check_like(op, "input", input, "log_sum_exp", log_sum_exp);
  const int64_t positions = l.input.size(0) * l.args.inner;
  EMBER_CHECK(log_sum_exp.numel() == positions, Shape,
              "{}: log_sum_exp {} does not hold one value per position ({}); pass the one "
              "cross_entropy_forward returned",
              op, shape_string(log_sum_exp.sizes()), positions);
  Tensor grad_input = detail::empty_tensor(input.sizes(), input.dtype(), input.device());
  kernel_for<OpId::cross_entropy_backward>(input.device())(
      grad_input.view(l.input.sizes()), grad_output.contiguous(), l.input, l.target, l.weight,
      log_sum_exp.contiguous(), l.args);
  return grad_input;
}

std::tuple<Tensor, Tensor> nll_loss_forward(const Tensor& input, const Tensor& target,
                                            const Tensor& weight, Reduction reduction,
                                            int64_t ignore_index) {
  const ClassLossLayout l =
      class_loss_layout("nll_loss", input, target, weight, reduction, ignore_index, 0.0, false);
  Tensor loss = empty_loss(l, input);
  Tensor total_weight = detail::empty_tensor({}, input.dtype(), input.device());
  kernel_for<OpId::nll_loss>(input.device())(loss, total_weight, l.input, l.target, l.weight,
                                             l.args);
  return {loss, total_weight};
}

Tensor nll_loss(const Tensor& input, const Tensor& target, const Tensor& weight,
                Reduction reduction, int64_t ignore_index) {
  EMBER_AUTOGRAD(nll_loss, input, target, weight, reduction, ignore_index);
  return std::get<0>(nll_loss_forward(input, target, weight, reduction, ignore_index));
}

Tensor nll_loss_backward(const Tensor& grad_output, const Tensor& input, const Tensor& target,
                         const Tensor& weight, Reduction reduction, int64_t ignore_index,
                         const Tensor& total_weight) {
  constexpr std::string_view op = "nll_loss_backward";
  const ClassLossLayout l =
      class_loss_layout(op, input, target, weight, reduction, ignore_index, 0.0, false);
  check_grad_loss(op, grad_output, l, input);
  detail::nn_check_defined(op, "total_weight", total_weight);
  detail::nn_check_like(op, "input", input, "total_weight", total_weight);
  EMBER_CHECK(total_weight.numel() == 1, Shape, "{}: total_weight must hold one value, got {}", op,
              shape_string(total_weight.sizes()));
  Tensor grad_input = detail::empty_tensor(input.sizes(), input.dtype(), input.device());
  kernel_for<OpId::nll_loss_backward>(input.device())(grad_input.view(l.input.sizes()),
                                                      grad_output.contiguous(), l.target, l.weight,
                                                      total_weight.contiguous(), l.args);
  return grad_input;
}

// ---- point-wise losses ----
namespace {

void check_pointwise(std::string_view op, const Tensor& input, const Tensor& target) {
  detail::nn_check_float(op, "input", input);
  detail::nn_check_defined(op, "target", target);
  detail::nn_check_like(op, "input", input, "target", target);
  EMBER_CHECK(input.sizes() == target.sizes(), Shape,
              "{}: input {} and target {} must have the same shape", op,
              shape_string(input.sizes()), shape_string(target.sizes()));
}

// An optional per-element weight must broadcast to the input's shape.
void check_broadcast_weight(std::string_view op, std::string_view what, const Tensor& input,
                            const Tensor& weight) {
  if (!weight.defined()) return;
  detail::nn_check_like(op, "input", input, what, weight);
  const DimVector shape = detail::broadcast_shapes_or_throw({input.sizes(), weight.sizes()}, op);
  EMBER_CHECK(IntArrayRef(shape) == input.sizes(), Shape,
              "{}: {} {} does not broadcast to input {}", op, what, shape_string(weight.sizes()),
              shape_string(input.sizes()));
}

Tensor reduce_loss(const Tensor& loss, Reduction reduction) {
  switch (reduction) {
    case Reduction::None:
      return loss;
    case Reduction::Mean:
      return mean(loss);
    case Reduction::Sum:
      return sum(loss);
  }
  return loss;
}

// grad_output (the loss's gradient) as the per-element factor of the input's gradient.
Tensor grad_factor(std::string_view op, const Tensor& grad_output, const Tensor& input,
                   Reduction reduction) {
  detail::nn_check_defined(op, "grad_output", grad_output);
  detail::nn_check_like(op, "input", input, "grad_output", grad_output);
  if (reduction == Reduction::None) {
    EMBER_CHECK(grad_output.sizes() == input.sizes(), Shape,
                "{}: grad_output {} must have the input's shape {} for reduction none", op,
                shape_string(grad_output.sizes()), shape_string(input.sizes()));
    return grad_output;
  }
  EMBER_CHECK(grad_output.numel() == 1, Shape,
              "{}: grad_output {} must hold one value for reduction mean or sum", op,
              shape_string(grad_output.sizes()));
  const Tensor g = grad_output.reshape({});
  return reduction == Reduction::Mean ? div(g, static_cast<double>(input.numel())) : g;
}

Tensor with_weight(const Tensor& t, const Tensor& weight) {
  return weight.defined() ? mul(t, weight) : t;
}

}  // namespace

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  EMBER_AUTOGRAD(mse_loss, input, target, reduction);
  check_pointwise("mse_loss", input, target);
  return reduce_loss(square(sub(input, target)), reduction);
}

Tensor mse_loss_backward(const Tensor& grad_output, const Tensor& input, const Tensor& target,
                         Reduction reduction) {
  check_pointwise("mse_loss_backward", input, target);
  const Tensor g = grad_factor("mse_loss_backward", grad_output, input, reduction);
  return mul(mul(sub(input, target), 2.0), g);
}

Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  EMBER_AUTOGRAD(l1_loss, input, target, reduction);
  check_pointwise("l1_loss", input, target);
  return reduce_loss(abs(sub(input, target)), reduction);
}

Tensor l1_loss_backward(const Tensor& grad_output, const Tensor& input, const Tensor& target,
                        Reduction reduction) {
  check_pointwise("l1_loss_backward", input, target);
  const Tensor g = grad_factor("l1_loss_backward", grad_output, input, reduction);
  return mul(sign(sub(input, target)), g);
}

Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, Reduction reduction, double beta) {
  EMBER_AUTOGRAD(smooth_l1_loss, input, target, reduction, beta);
  check_pointwise("smooth_l1_loss", input, target);
  EMBER_CHECK(beta >= 0, Value, "smooth_l1_loss: beta must be non-negative, got {}", beta);
  const Tensor diff = abs(sub(input, target));
  if (beta == 0) return reduce_loss(diff, reduction);
  // |d| < beta: 0.5 * d^2 / beta, else |d| - 0.5 * beta.
  const Tensor loss = where(lt(diff, beta), mul(square(diff), 0.5 / beta), sub(diff, 0.5 * beta));
  return reduce_loss(loss, reduction);
}

Tensor smooth_l1_loss_backward(const Tensor& grad_output, const Tensor& input, const Tensor& target,
                               Reduction reduction, double beta) {
  check_pointwise("smooth_l1_loss_backward", input, target);
  EMBER_CHECK(beta >= 0, Value, "smooth_l1_loss_backward: beta must be non-negative, got {}", beta);
  const Tensor g = grad_factor("smooth_l1_loss_backward", grad_output, input, reduction);
  const Tensor diff = sub(input, target);
  if (beta == 0) return mul(sign(diff), g);
  return mul(where(lt(abs(diff), beta), div(diff, beta), sign(diff)), g);
}

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight,
                            Reduction reduction) {
  EMBER_AUTOGRAD(binary_cross_entropy, input, target, weight, reduction);
  check_pointwise("binary_cross_entropy", input, target);
  check_broadcast_weight("binary_cross_entropy", "weight", input, weight);
  // (target - 1) * max(log(1 - input), -100) - target * max(log(input), -100), as PyTorch 1.13.
  const Tensor log_x = clamp_min(log(input), -100.0);
  const Tensor log_1mx = clamp_min(log(rsub(input, 1.0)), -100.0);
  const Tensor loss = sub(mul(sub(target, 1.0), log_1mx), mul(target, log_x));
  return reduce_loss(with_weight(loss, weight), reduction);
}

Tensor binary_cross_entropy_backward(const Tensor& grad_output, const Tensor& input,
                                     const Tensor& target, const Tensor& weight,
                                     Reduction reduction) {
  check_pointwise("binary_cross_entropy_backward", input, target);
  check_broadcast_weight("binary_cross_entropy_backward", "weight", input, weight);
  const Tensor g = grad_factor("binary_cross_entropy_backward", grad_output, input, reduction);
  // g * (input - target) / max((1 - input) * input, 1e-12)
  const Tensor denom = clamp_min(mul(rsub(input, 1.0), input), 1e-12);
  return with_weight(mul(div(sub(input, target), denom), g), weight);
}

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const Tensor& weight, const Tensor& pos_weight,
                                        Reduction reduction) {
  EMBER_AUTOGRAD(binary_cross_entropy_with_logits, input, target, weight, pos_weight, reduction);
  constexpr std::string_view op = "binary_cross_entropy_with_logits";
  check_pointwise(op, input, target);
  check_broadcast_weight(op, "weight", input, weight);
  check_broadcast_weight(op, "pos_weight", input, pos_weight);
  // (1 - t) * x + log_weight * (log(exp(-m) + exp(-x - m)) + m), m = max(-x, 0),
  // log_weight = (pos_weight - 1) * t + 1 (1 without pos_weight).
  const Tensor m = clamp_min(neg(input), 0.0);
  const Tensor softplus = add(log(add(exp(neg(m)), exp(sub(neg(input), m)))), m);
  const Tensor weighted =
      pos_weight.defined() ? mul(add(mul(sub(pos_weight, 1.0), target), 1.0), softplus) : softplus;
  const Tensor loss = add(mul(rsub(target, 1.0), input), weighted);
  return reduce_loss(with_weight(loss, weight), reduction);
}

Tensor binary_cross_entropy_with_logits_backward(const Tensor& grad_output, const Tensor& input,
                                                 const Tensor& target, const Tensor& weight,
                                                 const Tensor& pos_weight, Reduction reduction) {
  constexpr std::string_view op = "binary_cross_entropy_with_logits_backward";
  check_pointwise(op, input, target);
  check_broadcast_weight(op, "weight", input, weight);
  check_broadcast_weight(op, "pos_weight", input, pos_weight);
  const Tensor g = grad_factor(op, grad_output, input, reduction);
  Tensor grad;
  if (pos_weight.defined()) {
    // ((pos_weight * t + 1 - t) * sigmoid(x) - pos_weight * t) * g
    const Tensor pt = mul(pos_weight, target);
    grad = sub(mul(sub(add(pt, 1.0), target), sigmoid(input)), pt);
  } else {
    grad = sub(sigmoid(input), target);
  }
  return with_weight(mul(grad, g), weight);
}

}  // namespace ember
