// nn::functional activations: thin forwards to the ops of core/ops.h and core/nn_ops.h, with the
// in-place variants routed through autograd's in-place wrapper.
#include "ember/nn/functional_activation.h"

#include "ember/core/autograd_slots.h"
#include "ember/core/nn_ops.h"
#include "ember/core/ops.h"

namespace ember::nn::functional {

namespace {
// Overwrites self with its leaky_relu (recorded by autograd like any in-place op).
Tensor& leaky_relu_inplace(Tensor& self, double negative_slope) {
  EMBER_AUTOGRAD_INPLACE(self, "leaky_relu_", [negative_slope](const Tensor& old) {
    return ember::leaky_relu(old, negative_slope);
  });
  return self.copy_(ember::leaky_relu(self, negative_slope));
}
}  // namespace

Tensor relu(const Tensor& input, const ReLUFuncOptions& options) {
  if (options.inplace()) {
    Tensor self = input;
    return self.relu_();
  }
  return ember::relu(input);
}

Tensor leaky_relu(const Tensor& input, const LeakyReLUFuncOptions& options) {
  return leaky_relu(input, options.negative_slope(), options.inplace());
}

Tensor leaky_relu(const Tensor& input, double negative_slope, bool inplace) {
  if (inplace) {
    Tensor self = input;
    return leaky_relu_inplace(self, negative_slope);
  }
  return ember::leaky_relu(input, negative_slope);
}

Tensor gelu(const Tensor& input, const GELUFuncOptions& options) {
  return ember::gelu(input, options.approximate());
}

Tensor gelu(const Tensor& input, std::string_view approximate) {
  return ember::gelu(input, approximate);
}

Tensor sigmoid(const Tensor& input) {
  return ember::sigmoid(input);
}

Tensor tanh(const Tensor& input) {
  return ember::tanh(input);
}

Tensor softmax(const Tensor& input, const SoftmaxFuncOptions& options) {
  return ember::softmax(input, options.dim(), options.dtype());
}

Tensor log_softmax(const Tensor& input, const LogSoftmaxFuncOptions& options) {
  return ember::log_softmax(input, options.dim(), options.dtype());
}

}  // namespace ember::nn::functional
