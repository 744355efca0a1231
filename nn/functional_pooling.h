// nn::functional pooling: max_pool2d, avg_pool2d, adaptive_avg_pool2d (F::max_pool2d(x, 2)).
#pragma once

#include <tuple>

#include "ember/core/tensor.h"
#include "ember/nn/options_pooling.h"

namespace ember::nn::functional {

EMBER_API Tensor max_pool2d(const Tensor& input, const MaxPool2dFuncOptions& options);
// The output and the flat index (h * W + w) of each maximum within its input plane.
EMBER_API std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input,
                                                             const MaxPool2dFuncOptions& options);
EMBER_API Tensor avg_pool2d(const Tensor& input, const AvgPool2dFuncOptions& options);
EMBER_API Tensor adaptive_avg_pool2d(const Tensor& input,
                                     const AdaptiveAvgPool2dFuncOptions& options);

}  // namespace ember::nn::functional
