// Normalization ops: batch_norm (training with batch statistics and the in-place running-stat
// update, or eval with the running statistics) and layer_norm, forward and backward. Checks the
// per-channel / per-feature tensors against the input, allocates the outputs and saved
// statistics, and runs the kernels on contiguous [N, C, S] / [rows, cols] views.
#include "ember/core/autograd_slots.h"
#include "ember/core/check.h"
#include "ember/core/dispatch.h"
#include "ember/core/elementwise.h"
#include "ember/core/nn_checks.h"
#include "ember/core/nn_ops.h"
#include "ember/core/shape_utils.h"

namespace ember {

namespace {

using detail::shape_string;

Tensor contiguous_or_undefined(const Tensor& t) {
  return t.defined() ? t.contiguous() : t;
}

// The input as [N, C, S].
Tensor channels_view(const Tensor& input) {
  const int64_t n = input.size(0), c = input.size(1);
  const int64_t s = n * c == 0 ? 0 : input.numel() / (n * c);
  return input.contiguous().view({n, c, s});
}

int64_t check_batch_norm_input(std::string_view op, const Tensor& input) {
  detail::nn_check_float(op, "input", input);
  EMBER_CHECK(input.dim() >= 2, Shape, "{}: expected an input of at least 2 dims [N, C, *], got {}",
              op, shape_string(input.sizes()));
  return input.size(1);
}

void check_channel_vector(std::string_view op, std::string_view what, const Tensor& input,
                          const Tensor& t) {
  detail::nn_check_like(op, "input", input, what, t);
  detail::nn_check_vector(op, what, t, input.size(1));
}

}  // namespace

std::tuple<Tensor, Tensor, Tensor> native_batch_norm(const Tensor& input, const Tensor& weight,
                                                     const Tensor& bias, const Tensor& running_mean,
                                                     const Tensor& running_var, bool training,
                                                     double momentum, double eps) {
  EMBER_AUTOGRAD(native_batch_norm, input, weight, bias, running_mean, running_var, training,
                 momentum, eps);
  constexpr std::string_view op = "batch_norm";
  const int64_t channels = check_batch_norm_input(op, input);
  check_channel_vector(op, "weight", input, weight);
  check_channel_vector(op, "bias", input, bias);
  check_channel_vector(op, "running_mean", input, running_mean);
  check_channel_vector(op, "running_var", input, running_var);
  EMBER_CHECK(running_mean.defined() == running_var.defined(), Value,
              "{}: running_mean and running_var must be given together", op);
  EMBER_CHECK(training || running_mean.defined(), Value,
              "{}: running_mean and running_var are required when training is false", op);
  EMBER_CHECK(eps >= 0, Value, "{}: eps must be non-negative, got {}", op, eps);
  if (training) {
    const int64_t per_channel = channels == 0 ? 0 : input.numel() / channels;
    EMBER_CHECK(per_channel > 1, Value,
                "{}: expected more than 1 value per channel when training, got input {}", op,
                shape_string(input.sizes()));
  }
  const Tensor x = channels_view(input);
  Tensor out = detail::empty_tensor(input.sizes(), input.dtype(), input.device());
  Tensor save_mean = detail::empty_tensor({training ? channels : 0}, input.dtype(), input.device());
  Tensor save_invstd =
      detail::empty_tensor({training ? channels : 0}, input.dtype(), input.device());
  const BatchNormArgs args{training, momentum, eps};
  if (input.numel() > 0) {
    kernel_for<OpId::batch_norm>(input.device())(
        out.view(x.sizes()), save_mean, save_invstd, x, contiguous_or_undefined(weight),
        contiguous_or_undefined(bias), running_mean, running_var, args);
  }
  if (training && running_mean.defined()) {
    running_mean.impl()->bump_version();
    running_var.impl()->bump_version();
  }
  return {out, save_mean, save_invstd};
}

Tensor batch_norm(const Tensor& input, const Tensor& weight, const Tensor& bias,
                  const Tensor& running_mean, const Tensor& running_var, bool training,
                  double momentum, double eps) {
  return std::get<0>(
      native_batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps));
}

std::tuple<Tensor, Tensor, Tensor> native_batch_norm_backward(
    const Tensor& grad_output, const Tensor& input, const Tensor& weight,
    const Tensor& running_mean, const Tensor& running_var, const Tensor& save_mean,
    const Tensor& save_invstd, bool training, double eps, std::array<bool, 3> output_mask) {
  constexpr std::string_view op = "batch_norm_backward";
  const int64_t channels = check_batch_norm_input(op, input);
  detail::nn_check_defined(op, "grad_output", grad_output);
  detail::nn_check_like(op, "input", input, "grad_output", grad_output);
  EMBER_CHECK(grad_output.sizes() == input.sizes(), Shape,
              "{}: grad_output {} and input {} have different shapes", op,
              shape_string(grad_output.sizes()), shape_string(input.sizes()));
  check_channel_vector(op, "weight", input, weight);
  if (training) {
    detail::nn_check_defined(op, "save_mean", save_mean);
    detail::nn_check_defined(op, "save_invstd", save_invstd);
    check_channel_vector(op, "save_mean", input, save_mean);
    check_channel_vector(op, "save_invstd", input, save_invstd);
  } else {
    detail::nn_check_defined(op, "running_mean", running_mean);
    detail::nn_check_defined(op, "running_var", running_var);
    check_channel_vector(op, "running_mean", input, running_mean);
    check_channel_vector(op, "running_var", input, running_var);
  }
  Tensor grad_input, grad_weight, grad_bias;
  const Tensor x = channels_view(input);
  if (output_mask[0])
    grad_input = detail::empty_tensor(input.sizes(), input.dtype(), input.device());
  if (output_mask[1]) grad_weight = detail::empty_tensor({channels}, input.dtype(), input.device());
  if (output_mask[2]) grad_bias = detail::empty_tensor({channels}, input.dtype(), input.device());
  if (output_mask[0] || output_mask[1] || output_mask[2]) {
    const BatchNormArgs args{training, 0.0, eps};
    kernel_for<OpId::batch_norm_backward>(input.device())(
        grad_input.defined() ? grad_input.view(x.sizes()) : grad_input, grad_weight, grad_bias,
        grad_output.contiguous().view(x.sizes()), x, contiguous_or_undefined(weight), running_mean,
        running_var, contiguous_or_undefined(save_mean), contiguous_or_undefined(save_invstd),
        args);
  }
  return {grad_input, grad_weight, grad_bias};
}

namespace {

// rows x cols of a layer_norm input; checks normalized_shape, weight and bias.
std::pair<int64_t, int64_t> layer_norm_extent(std::string_view op, const Tensor& input,
                                              IntArrayRef normalized_shape, const Tensor& weight,
                                              const Tensor& bias) {
  detail::nn_check_float(op, "input", input);
  const int64_t k = static_cast<int64_t>(normalized_shape.size());
  EMBER_CHECK(k >= 1, Value, "{}: normalized_shape must not be empty", op);
  EMBER_CHECK(input.dim() >= k && input.sizes().slice(input.dim() - k) == normalized_shape, Shape,
              "{}: input {} does not end with normalized_shape {}", op, shape_string(input.sizes()),
              shape_string(normalized_shape));
  for (const auto& [what, t] :
       {std::pair<std::string_view, const Tensor*>{"weight", &weight}, {"bias", &bias}}) {
    if (!t->defined()) continue;
    detail::nn_check_like(op, "input", input, what, *t);
    EMBER_CHECK(t->sizes() == normalized_shape, Shape,
                "{}: expected {} of shape normalized_shape {}, got {}", op, what,
                shape_string(normalized_shape), shape_string(t->sizes()));
  }
  int64_t cols = 1;
  for (int64_t s : normalized_shape) cols *= s;
  const int64_t rows = cols == 0 ? 0 : input.numel() / cols;
  return {rows, cols};
}

// The shape of mean and rstd: input's leading dims, then 1 for each normalized dim.
DimVector stats_shape(const Tensor& input, IntArrayRef normalized_shape) {
  DimVector shape(input.sizes().begin(), input.sizes().end());
  for (size_t i = shape.size() - normalized_shape.size(); i < shape.size(); ++i) shape[i] = 1;
  return shape;
}

Tensor flat_or_undefined(const Tensor& t) {
  return t.defined() ? t.contiguous().view({t.numel()}) : t;
}

}  // namespace

std::tuple<Tensor, Tensor, Tensor> native_layer_norm(const Tensor& input,
                                                     IntArrayRef normalized_shape,
                                                     const Tensor& weight, const Tensor& bias,
                                                     double eps) {
  EMBER_AUTOGRAD(native_layer_norm, input, normalized_shape, weight, bias, eps);
  constexpr std::string_view op = "layer_norm";
  const auto [rows, cols] = layer_norm_extent(op, input, normalized_shape, weight, bias);
  EMBER_CHECK(eps >= 0, Value, "{}: eps must be non-negative, got {}", op, eps);
  Tensor out = detail::empty_tensor(input.sizes(), input.dtype(), input.device());
  const DimVector stats = stats_shape(input, normalized_shape);
  Tensor mean = detail::empty_tensor(stats, input.dtype(), input.device());
  Tensor rstd = detail::empty_tensor(stats, input.dtype(), input.device());
  if (input.numel() > 0) {
    kernel_for<OpId::layer_norm>(input.device())(
        out.view({rows, cols}), mean.view({rows}), rstd.view({rows}),
        input.contiguous().view({rows, cols}), flat_or_undefined(weight), flat_or_undefined(bias),
        eps);
  }
  return {out, mean, rstd};
}

Tensor layer_norm(const Tensor& input, IntArrayRef normalized_shape, const Tensor& weight,
                  const Tensor& bias, double eps) {
  return std::get<0>(native_layer_norm(input, normalized_shape, weight, bias, eps));
}

std::tuple<Tensor, Tensor, Tensor> native_layer_norm_backward(
    const Tensor& grad_output, const Tensor& input, IntArrayRef normalized_shape,
    const Tensor& mean, const Tensor& rstd, const Tensor& weight, std::array<bool, 3> output_mask) {
  constexpr std::string_view op = "layer_norm_backward";
  const auto [rows, cols] = layer_norm_extent(op, input, normalized_shape, weight, Tensor());
  detail::nn_check_defined(op, "grad_output", grad_output);
  detail::nn_check_like(op, "input", input, "grad_output", grad_output);
  EMBER_CHECK(grad_output.sizes() == input.sizes(), Shape,
              "{}: grad_output {} and input {} have different shapes", op,
              shape_string(grad_output.sizes()), shape_string(input.sizes()));
  for (const auto& [what, t] :
       {std::pair<std::string_view, const Tensor*>{"mean", &mean}, {"rstd", &rstd}}) {
    detail::nn_check_defined(op, what, *t);
    detail::nn_check_like(op, "input", input, what, *t);
    EMBER_CHECK(t->numel() == rows, Shape, "{}: {} {} does not hold one value per row ({})", op,
                what, shape_string(t->sizes()), rows);
  }
  Tensor grad_input, grad_weight, grad_bias;
  if (output_mask[0])
    grad_input = detail::empty_tensor(input.sizes(), input.dtype(), input.device());
  if (output_mask[1])
    grad_weight = detail::empty_tensor(normalized_shape, input.dtype(), input.device());
  if (output_mask[2])
    grad_bias = detail::empty_tensor(normalized_shape, input.dtype(), input.device());
  if (output_mask[0] || output_mask[1] || output_mask[2]) {
    kernel_for<OpId::layer_norm_backward>(input.device())(
        grad_input.defined() ? grad_input.view({rows, cols}) : grad_input,
        flat_or_undefined(grad_weight), flat_or_undefined(grad_bias),
        grad_output.contiguous().view({rows, cols}), input.contiguous().view({rows, cols}),
        flat_or_undefined(mean), flat_or_undefined(rstd), flat_or_undefined(weight));
  }
  return {grad_input, grad_weight, grad_bias};
}

}  // namespace ember
