// BatchNorm1d/2d and LayerNorm layers: parameters and buffers as PyTorch creates them, the
// running-statistics bookkeeping of PyTorch's _BatchNorm.forward, PyTorch's repr.
#include "ember/nn/normalization.h"

#include "ember/core/check.h"
#include "ember/core/factories.h"
#include "ember/core/grad_mode.h"
#include "ember/nn/functional_normalization.h"
#include "ember/nn/init.h"
#include "ember/nn/repr_format.h"

namespace ember::nn {

BatchNormImplBase::BatchNormImplBase(const BatchNormOptions& options_) : options(options_) {
  reset();
}

void BatchNormImplBase::reset() {
  const int64_t c = options.num_features();
  EMBER_CHECK(c > 0, Value, "BatchNorm: num_features must be positive, got {}", c);
  parameters_.clear();
  buffers_.clear();
  if (options.affine()) {
    weight = register_parameter("weight", ember::empty({c}));
    bias = register_parameter("bias", ember::empty({c}));
  } else {
    weight = register_parameter("weight", Tensor(), /*requires_grad=*/false);
    bias = register_parameter("bias", Tensor(), /*requires_grad=*/false);
  }
  if (options.track_running_stats()) {
    running_mean = register_buffer("running_mean", ember::zeros({c}));
    running_var = register_buffer("running_var", ember::ones({c}));
    num_batches_tracked = register_buffer("num_batches_tracked", ember::zeros({}, kInt64));
  } else {
    running_mean = register_buffer("running_mean", Tensor());
    running_var = register_buffer("running_var", Tensor());
    num_batches_tracked = register_buffer("num_batches_tracked", Tensor());
  }
  reset_parameters();
}

void BatchNormImplBase::reset_running_stats() {
  if (!options.track_running_stats()) return;
  init::zeros_(running_mean);
  init::ones_(running_var);
  init::zeros_(num_batches_tracked);
}

void BatchNormImplBase::reset_parameters() {
  reset_running_stats();
  if (options.affine()) {
    init::ones_(weight);
    init::zeros_(bias);
  }
}

Tensor BatchNormImplBase::forward(const Tensor& input) {
  check_input_dim(input);
  double factor = options.momentum().value_or(0.0);
  if (is_training() && options.track_running_stats() && num_batches_tracked.defined()) {
    {
      NoGradGuard no_grad;
      num_batches_tracked.add_(1);
    }
    // A cumulative moving average when momentum is unset (reads the counter: one sync).
    if (!options.momentum()) factor = 1.0 / num_batches_tracked.item<double>();
  }
  // Eval mode without running statistics normalizes with the batch's own.
  const bool use_batch_stats = is_training() || !running_mean.defined();
  const bool pass_running = !is_training() || options.track_running_stats();
  return functional::batch_norm(input, pass_running ? running_mean : Tensor(),
                                pass_running ? running_var : Tensor(),
                                functional::BatchNormFuncOptions()
                                    .weight(weight)
                                    .bias(bias)
                                    .training(use_batch_stats)
                                    .momentum(factor)
                                    .eps(options.eps()));
}

std::string BatchNormImplBase::extra_repr() const {
  return std::to_string(options.num_features()) + ", eps=" + detail::repr_double(options.eps()) +
         ", momentum=" +
         (options.momentum() ? detail::repr_double(*options.momentum()) : std::string("None")) +
         ", affine=" + detail::repr_bool(options.affine()) +
         ", track_running_stats=" + detail::repr_bool(options.track_running_stats());
}

void BatchNorm1dImpl::check_input_dim(const Tensor& input) const {
  EMBER_CHECK(input.dim() == 2 || input.dim() == 3, Value,
              "BatchNorm1d: expected a 2-d or 3-d input ([N, C] or [N, C, L]), got shape {}",
              input.shape_str());
}

void BatchNorm2dImpl::check_input_dim(const Tensor& input) const {
  EMBER_CHECK(input.dim() == 4, Value,
              "BatchNorm2d: expected a 4-d input [N, C, H, W], got shape {}", input.shape_str());
}

LayerNormImpl::LayerNormImpl(const LayerNormOptions& options_) : options(options_) {
  reset();
}

void LayerNormImpl::reset() {
  for (int64_t s : options.normalized_shape()) {
    EMBER_CHECK(s > 0, Value, "LayerNorm: normalized_shape must have positive sizes, got {}",
                options.normalized_shape());
  }
  parameters_.clear();
  if (options.elementwise_affine()) {
    weight = register_parameter("weight", ember::empty(options.normalized_shape()));
    bias = register_parameter("bias", ember::empty(options.normalized_shape()));
  } else {
    weight = register_parameter("weight", Tensor(), /*requires_grad=*/false);
    bias = register_parameter("bias", Tensor(), /*requires_grad=*/false);
  }
  reset_parameters();
}

void LayerNormImpl::reset_parameters() {
  if (options.elementwise_affine()) {
    init::ones_(weight);
    init::zeros_(bias);
  }
}

Tensor LayerNormImpl::forward(const Tensor& input) {
  return functional::layer_norm(input, functional::LayerNormFuncOptions(options.normalized_shape())
                                           .weight(weight)
                                           .bias(bias)
                                           .eps(options.eps()));
}

std::string LayerNormImpl::extra_repr() const {
  return detail::repr_tuple(options.normalized_shape()) +
         ", eps=" + detail::repr_double(options.eps()) +
         ", elementwise_affine=" + detail::repr_bool(options.elementwise_affine());
}

}  // namespace ember::nn
