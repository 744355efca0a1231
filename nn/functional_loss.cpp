// nn::functional losses: forwards to the loss ops of core/nn_ops.h.
#include "ember/nn/functional_loss.h"

#include "ember/core/check.h"
#include "ember/core/nn_ops.h"

namespace ember::nn::functional {

Tensor mse_loss(const Tensor& input, const Tensor& target, const MSELossFuncOptions& options) {
  return ember::mse_loss(input, target, options.reduction());
}

Tensor l1_loss(const Tensor& input, const Tensor& target, const L1LossFuncOptions& options) {
  return ember::l1_loss(input, target, options.reduction());
}

Tensor smooth_l1_loss(const Tensor& input, const Tensor& target,
                      const SmoothL1LossFuncOptions& options) {
  EMBER_CHECK(options.beta() >= 0.0, Value, "smooth_l1_loss: beta must be non-negative, got {}",
              options.beta());
  return ember::smooth_l1_loss(input, target, options.reduction(), options.beta());
}

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target,
                            const BinaryCrossEntropyFuncOptions& options) {
  return ember::binary_cross_entropy(input, target, options.weight(), options.reduction());
}

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const BinaryCrossEntropyWithLogitsFuncOptions& options) {
  return ember::binary_cross_entropy_with_logits(input, target, options.weight(),
                                                 options.pos_weight(), options.reduction());
}

Tensor cross_entropy(const Tensor& input, const Tensor& target,
                     const CrossEntropyFuncOptions& options) {
  return ember::cross_entropy(input, target, options.weight(), options.reduction(),
                              options.ignore_index(), options.label_smoothing());
}

Tensor nll_loss(const Tensor& input, const Tensor& target, const NLLLossFuncOptions& options) {
  return ember::nll_loss(input, target, options.weight(), options.reduction(),
                         options.ignore_index());
}

}  // namespace ember::nn::functional
