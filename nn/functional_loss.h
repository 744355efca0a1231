// nn::functional losses with libtorch's options:
// F::cross_entropy(logits, target, F::CrossEntropyFuncOptions().label_smoothing(0.1)).
#pragma once

#include "ember/core/tensor.h"
#include "ember/nn/options_loss.h"

namespace ember::nn::functional {

EMBER_API Tensor mse_loss(const Tensor& input, const Tensor& target,
                          const MSELossFuncOptions& options = {});
EMBER_API Tensor l1_loss(const Tensor& input, const Tensor& target,
                         const L1LossFuncOptions& options = {});
EMBER_API Tensor smooth_l1_loss(const Tensor& input, const Tensor& target,
                                const SmoothL1LossFuncOptions& options = {});
// input: probabilities in [0, 1].
EMBER_API Tensor binary_cross_entropy(const Tensor& input, const Tensor& target,
                                      const BinaryCrossEntropyFuncOptions& options = {});
// input: logits (sigmoid and BCE in one numerically stable formula).
EMBER_API Tensor
binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                 const BinaryCrossEntropyWithLogitsFuncOptions& options = {});
// input: logits [N, C] (or [C], [N, C, d...]); target: class indices or class probabilities.
EMBER_API Tensor cross_entropy(const Tensor& input, const Tensor& target,
                               const CrossEntropyFuncOptions& options = {});
// input: log-probabilities [N, C] (or [C], [N, C, d...]); target: class indices.
EMBER_API Tensor nll_loss(const Tensor& input, const Tensor& target,
                          const NLLLossFuncOptions& options = {});

}  // namespace ember::nn::functional
