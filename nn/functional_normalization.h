// nn::functional batch_norm and layer_norm, with libtorch's options.
#pragma once

#include "ember/core/tensor.h"
#include "ember/nn/options_normalization.h"

namespace ember::nn::functional {

// input [N, C, *]; running_mean/running_var [C] or undefined (then training must be true).
EMBER_API Tensor batch_norm(const Tensor& input, const Tensor& running_mean,
                            const Tensor& running_var, const BatchNormFuncOptions& options = {});
EMBER_API Tensor layer_norm(const Tensor& input, const LayerNormFuncOptions& options);

}  // namespace ember::nn::functional
