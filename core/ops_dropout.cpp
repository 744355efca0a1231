// dropout as a composite: a bool keep-mask drawn by bernoulli_ on the default generator of the
// input's device (the shared Philox stream, so a seed masks the same elements on CPU and CUDA),
// and the kept elements scaled by 1 / (1 - p). The mask is returned for backward.
#include "ember/core/check.h"
#include "ember/core/elementwise.h"
#include "ember/core/nn_checks.h"
#include "ember/core/nn_ops.h"
#include "ember/core/ops.h"

namespace ember {

namespace {

void check_dropout(const Tensor& input, double p) {
  detail::nn_check_defined("dropout", "input", input);
  EMBER_CHECK(is_floating_point(input.dtype()), DType, "dropout: expected a floating input, got {}",
              dtype_name(input.dtype()));
  EMBER_CHECK(p >= 0.0 && p <= 1.0, Value, "dropout: probability has to be between 0 and 1, got {}",
              p);
}

double keep_scale(double p) {
  return p == 1.0 ? 0.0 : 1.0 / (1.0 - p);
}

}  // namespace

std::tuple<Tensor, Tensor> native_dropout(const Tensor& input, double p, bool training) {
  check_dropout(input, p);
  Tensor mask = detail::empty_tensor(input.sizes(), kBool, input.device());
  if (!training) {
    mask.fill_(true);
    return {input.clone(), mask};
  }
  mask.bernoulli_(1.0 - p);
  return {mul(mul(input, mask), keep_scale(p)), mask};
}

Tensor dropout(const Tensor& input, double p, bool training) {
  check_dropout(input, p);
  if (!training || p == 0.0 || input.numel() == 0) return input;
  return std::get<0>(native_dropout(input, p, true));
}

Tensor native_dropout_backward(const Tensor& grad_output, const Tensor& mask, double scale) {
  detail::nn_check_defined("dropout_backward", "grad_output", grad_output);
  detail::nn_check_defined("dropout_backward", "mask", mask);
  EMBER_CHECK(mask.dtype() == kBool, DType, "dropout_backward: mask must be bool, got {}",
              dtype_name(mask.dtype()));
  EMBER_CHECK(mask.sizes() == grad_output.sizes(), Shape,
              "dropout_backward: mask {} and grad_output {} have different shapes",
              mask.shape_str(), grad_output.shape_str());
  return mul(mul(grad_output, mask), scale);
}

}  // namespace ember
