// nn::functional activations: relu, leaky_relu, gelu, sigmoid, tanh, softmax, log_softmax, with
// libtorch's options (F::softmax(x, F::SoftmaxFuncOptions(1))) or plain arguments.
#pragma once

#include <string_view>

#include "ember/core/tensor.h"
#include "ember/nn/options_activation.h"

namespace ember::nn::functional {

EMBER_API Tensor relu(const Tensor& input, const ReLUFuncOptions& options = {});
EMBER_API Tensor leaky_relu(const Tensor& input, const LeakyReLUFuncOptions& options = {});
EMBER_API Tensor leaky_relu(const Tensor& input, double negative_slope, bool inplace = false);
EMBER_API Tensor gelu(const Tensor& input, const GELUFuncOptions& options = {});
EMBER_API Tensor gelu(const Tensor& input, std::string_view approximate);
EMBER_API Tensor sigmoid(const Tensor& input);
EMBER_API Tensor tanh(const Tensor& input);
// softmax(x, 1) or softmax(x, SoftmaxFuncOptions(1).dtype(kFloat64)).
EMBER_API Tensor softmax(const Tensor& input, const SoftmaxFuncOptions& options);
EMBER_API Tensor log_softmax(const Tensor& input, const LogSoftmaxFuncOptions& options);

}  // namespace ember::nn::functional
