// Gradient clipping. clip_grad_norm_ follows torch.nn.utils.clip_grad_norm_: the norm of each
// gradient (one reduction each, left on the device), the norm of those norms, and a clamped
// scale max_norm / (total + 1e-6) multiplied into every gradient as a device tensor, so that
// nothing waits for the device until the total is returned.
#include "ember/nn/utils.h"

#include <cmath>

#include "ember/core/check.h"
#include "ember/core/grad_mode.h"
#include "ember/core/ops.h"

namespace ember::nn::utils {

namespace {
std::vector<Tensor> grads_of(const std::vector<Tensor>& parameters) {
  std::vector<Tensor> grads;
  grads.reserve(parameters.size());
  for (const Tensor& p : parameters) {
    if (p.defined() && p.grad().defined()) grads.push_back(p.grad());
  }
  return grads;
}
}  // namespace

double clip_grad_norm_(const std::vector<Tensor>& parameters, double max_norm, double norm_type,
                       bool error_if_nonfinite) {
  const std::vector<Tensor> grads = grads_of(parameters);
  if (grads.empty()) return 0.0;
  NoGradGuard no_grad;
  const bool infinity_norm = std::isinf(norm_type);
  // Accumulate in float32 at least (float64 when a gradient is float64), on the first device.
  DType acc = kFloat32;
  for (const Tensor& g : grads) {
    EMBER_CHECK(g.is_floating_point(), DType,
                "clip_grad_norm_: gradients must be floating point, got {}", dtype_name(g.dtype()));
    if (g.dtype() == kFloat64) acc = kFloat64;
  }
  const Device device = grads.front().device();
  std::vector<Tensor> norms;
  norms.reserve(grads.size());
  for (const Tensor& g : grads) {
    Tensor n = infinity_norm ? g.abs().amax() : g.norm(norm_type);
    norms.push_back(n.to(device, acc));
  }
  Tensor stacked = stack(norms);
  Tensor total = infinity_norm ? stacked.amax() : stacked.norm(norm_type);
  // Checking finiteness needs the value before the gradients change: the one sync comes first.
  const double checked_norm = error_if_nonfinite ? total.item<double>() : 0.0;
  EMBER_CHECK(!error_if_nonfinite || std::isfinite(checked_norm), Value,
              "clip_grad_norm_: the total norm of order {} of the gradients is {}, so they cannot "
              "be clipped; pass error_if_nonfinite=false to scale them anyway",
              norm_type, checked_norm);
  Tensor coefficient = (max_norm / (total + 1e-6)).clamp_max(1.0);
  for (const Tensor& g : grads) {
    Tensor grad = g;
    grad.mul_(coefficient.to(grad.device(), grad.dtype()));
  }
  const double total_norm = error_if_nonfinite ? checked_norm : total.item<double>();
  return total_norm;
}

double clip_grad_norm_(std::initializer_list<Tensor> parameters, double max_norm, double norm_type,
                       bool error_if_nonfinite) {
  return clip_grad_norm_(std::vector<Tensor>(parameters), max_norm, norm_type, error_if_nonfinite);
}

double clip_grad_norm_(const Tensor& parameter, double max_norm, double norm_type,
                       bool error_if_nonfinite) {
  return clip_grad_norm_(std::vector<Tensor>{parameter}, max_norm, norm_type, error_if_nonfinite);
}

void clip_grad_value_(const std::vector<Tensor>& parameters, double clip_value) {
  EMBER_CHECK(clip_value >= 0.0, Value, "clip_grad_value_: clip_value must be non-negative, got {}",
              clip_value);
  NoGradGuard no_grad;
  for (Tensor g : grads_of(parameters)) g.clamp_(-clip_value, clip_value);
}

void clip_grad_value_(std::initializer_list<Tensor> parameters, double clip_value) {
  clip_grad_value_(std::vector<Tensor>(parameters), clip_value);
}

void clip_grad_value_(const Tensor& parameter, double clip_value) {
  clip_grad_value_(std::vector<Tensor>{parameter}, clip_value);
}

}  // namespace ember::nn::utils
