// Activation layers: each forward calls its nn::functional form; extra_repr prints what
// PyTorch's repr prints.
#include "ember/nn/activation.h"

#include "ember/nn/functional_activation.h"
#include "ember/nn/repr_format.h"

namespace ember::nn {

namespace F = functional;

ReLUImpl::ReLUImpl(const ReLUOptions& options_) : options(options_) {}

Tensor ReLUImpl::forward(const Tensor& input) {
  return F::relu(input, options);
}

std::string ReLUImpl::extra_repr() const {
  return options.inplace() ? "inplace=true" : "";
}

LeakyReLUImpl::LeakyReLUImpl(const LeakyReLUOptions& options_) : options(options_) {}

Tensor LeakyReLUImpl::forward(const Tensor& input) {
  return F::leaky_relu(input, options);
}

std::string LeakyReLUImpl::extra_repr() const {
  return "negative_slope=" + detail::repr_double(options.negative_slope()) +
         (options.inplace() ? ", inplace=true" : "");
}

GELUImpl::GELUImpl(const GELUOptions& options_) : options(options_) {}

Tensor GELUImpl::forward(const Tensor& input) {
  return F::gelu(input, options);
}

std::string GELUImpl::extra_repr() const {
  return "approximate=" + detail::repr_string(options.approximate());
}

Tensor SigmoidImpl::forward(const Tensor& input) {
  return F::sigmoid(input);
}

Tensor TanhImpl::forward(const Tensor& input) {
  return F::tanh(input);
}

SoftmaxImpl::SoftmaxImpl(const SoftmaxOptions& options_) : options(options_) {}

Tensor SoftmaxImpl::forward(const Tensor& input) {
  return F::softmax(input, options.dim());
}

std::string SoftmaxImpl::extra_repr() const {
  return "dim=" + std::to_string(options.dim());
}

LogSoftmaxImpl::LogSoftmaxImpl(const LogSoftmaxOptions& options_) : options(options_) {}

Tensor LogSoftmaxImpl::forward(const Tensor& input) {
  return F::log_softmax(input, options.dim());
}

std::string LogSoftmaxImpl::extra_repr() const {
  return "dim=" + std::to_string(options.dim());
}

}  // namespace ember::nn
