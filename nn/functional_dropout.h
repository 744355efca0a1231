// nn::functional dropout: F::dropout(x, F::DropoutFuncOptions().p(0.2).training(is_training())).
#pragma once

#include "ember/core/tensor.h"
#include "ember/nn/options_dropout.h"

namespace ember::nn::functional {

// Zeroes each element with probability p and scales the rest by 1 / (1 - p) when training;
// the identity otherwise.
EMBER_API Tensor dropout(const Tensor& input, const DropoutFuncOptions& options = {});
EMBER_API Tensor dropout(const Tensor& input, double p, bool training = true);

}  // namespace ember::nn::functional
