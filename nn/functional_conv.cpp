// nn::functional conv2d: forwards to the op.
#include "ember/nn/functional_conv.h"

#include "ember/core/nn_ops.h"

namespace ember::nn::functional {

Tensor conv2d(const Tensor& input, const Tensor& weight, const Conv2dFuncOptions& options) {
  return ember::conv2d(input, weight, options.bias(), options.stride(), options.padding(),
                       options.dilation(), options.groups());
}

}  // namespace ember::nn::functional
