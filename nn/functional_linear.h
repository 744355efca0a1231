// nn::functional linear and flatten.
#pragma once

#include "ember/core/tensor.h"
#include "ember/nn/options_linear.h"

namespace ember::nn::functional {

// input [*, in] @ weight[out, in]^T + bias[out] (bias optional).
EMBER_API Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias = {});
// Flattens dims start_dim..end_dim into one.
EMBER_API Tensor flatten(const Tensor& input, const FlattenOptions& options = {});

}  // namespace ember::nn::functional
