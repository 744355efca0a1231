// Pooling layers: forwards through nn::functional, PyTorch's repr.
#include "ember/nn/pooling.h"

#include "ember/nn/functional_pooling.h"
#include "ember/nn/repr_format.h"

namespace ember::nn {

MaxPool2dImpl::MaxPool2dImpl(const MaxPool2dOptions& options_) : options(options_) {}

Tensor MaxPool2dImpl::forward(const Tensor& input) {
  return functional::max_pool2d(input, options);
}

std::tuple<Tensor, Tensor> MaxPool2dImpl::forward_with_indices(const Tensor& input) {
  return functional::max_pool2d_with_indices(input, options);
}

std::string MaxPool2dImpl::extra_repr() const {
  return "kernel_size=" + detail::repr_int_or_tuple(options.kernel_size()) +
         ", stride=" + detail::repr_int_or_tuple(options.stride()) +
         ", padding=" + detail::repr_int_or_tuple(options.padding()) +
         ", dilation=" + detail::repr_int_or_tuple(options.dilation()) +
         ", ceil_mode=" + detail::repr_bool(options.ceil_mode());
}

AvgPool2dImpl::AvgPool2dImpl(const AvgPool2dOptions& options_) : options(options_) {}

Tensor AvgPool2dImpl::forward(const Tensor& input) {
  return functional::avg_pool2d(input, options);
}

std::string AvgPool2dImpl::extra_repr() const {
  return "kernel_size=" + detail::repr_int_or_tuple(options.kernel_size()) +
         ", stride=" + detail::repr_int_or_tuple(options.stride()) +
         ", padding=" + detail::repr_int_or_tuple(options.padding());
}

AdaptiveAvgPool2dImpl::AdaptiveAvgPool2dImpl(const AdaptiveAvgPool2dOptions& options_)
    : options(options_) {}

Tensor AdaptiveAvgPool2dImpl::forward(const Tensor& input) {
  return functional::adaptive_avg_pool2d(input, options);
}

std::string AdaptiveAvgPool2dImpl::extra_repr() const {
  return "output_size=" + detail::repr_int_or_tuple(options.output_size());
}

}  // namespace ember::nn
