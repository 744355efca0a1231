// nn::functional linear and flatten: forwards to the ops.
#include "ember/nn/functional_linear.h"

#include "ember/core/nn_ops.h"

namespace ember::nn::functional {

Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias) {
  return ember::linear(input, weight, bias);
}

Tensor flatten(const Tensor& input, const FlattenOptions& options) {
  return input.flatten(options.start_dim(), options.end_dim());
}

}  // namespace ember::nn::functional
