// nn::functional conv2d: F::conv2d(x, w, F::Conv2dFuncOptions().bias(b).padding(1)).
#pragma once

#include "ember/core/tensor.h"
#include "ember/nn/options_conv.h"

namespace ember::nn::functional {

// input [N, Cin, H, W] (or [Cin, H, W]), weight [Cout, Cin / groups, kh, kw].
EMBER_API Tensor conv2d(const Tensor& input, const Tensor& weight,
                        const Conv2dFuncOptions& options = {});

}  // namespace ember::nn::functional
