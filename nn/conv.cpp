// Conv2d layer: parameter creation with PyTorch's initialisation, forward through
// nn::functional::conv2d, PyTorch's repr.
#include "ember/nn/conv.h"

#include <cmath>

#include "ember/core/check.h"
#include "ember/core/factories.h"
#include "ember/nn/functional_conv.h"
#include "ember/nn/init.h"
#include "ember/nn/repr_format.h"

namespace ember::nn {

Conv2dImpl::Conv2dImpl(const Conv2dOptions& options_) : options(options_) {
  reset();
}

void Conv2dImpl::reset() {
  const int64_t in = options.in_channels(), out = options.out_channels();
  const int64_t groups = options.groups();
  EMBER_CHECK(in > 0 && out > 0, Value,
              "Conv2d: in_channels and out_channels must be positive, got {} and {}", in, out);
  EMBER_CHECK(groups > 0 && in % groups == 0 && out % groups == 0, Value,
              "Conv2d: in_channels ({}) and out_channels ({}) must both be divisible by groups "
              "({})",
              in, out, groups);
  const auto& k = *options.kernel_size();
  EMBER_CHECK(k[0] > 0 && k[1] > 0, Value, "Conv2d: kernel_size must be positive, got ({}, {})",
              k[0], k[1]);
  parameters_.clear();
  weight = register_parameter("weight", ember::empty({out, in / groups, k[0], k[1]}));
  bias = options.bias() ? register_parameter("bias", ember::empty({out}))
                        : register_parameter("bias", Tensor(), /*requires_grad=*/false);
  reset_parameters();
}

void Conv2dImpl::reset_parameters() {
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    const auto fan_in = std::get<0>(init::calculate_fan_in_and_fan_out(weight));
    const double bound = fan_in > 0 ? 1.0 / std::sqrt(static_cast<double>(fan_in)) : 0.0;
    init::uniform_(bias, -bound, bound);
  }
}

Tensor Conv2dImpl::forward(const Tensor& input) {
  return functional::conv2d(input, weight,
                            functional::Conv2dFuncOptions()
                                .bias(bias)
                                .stride(options.stride())
                                .padding(options.padding())
                                .dilation(options.dilation())
                                .groups(options.groups()));
}

std::string Conv2dImpl::extra_repr() const {
  // PyTorch's _ConvNd.extra_repr: defaults are left out.
  std::string s = std::to_string(options.in_channels()) + ", " +
                  std::to_string(options.out_channels()) +
                  ", kernel_size=" + detail::repr_tuple(options.kernel_size()) +
                  ", stride=" + detail::repr_tuple(options.stride());
  if (!options.padding().all_equal(0)) s += ", padding=" + detail::repr_tuple(options.padding());
  if (!options.dilation().all_equal(1)) {
    s += ", dilation=" + detail::repr_tuple(options.dilation());
  }
  if (options.groups() != 1) s += ", groups=" + std::to_string(options.groups());
  if (!bias.defined()) s += ", bias=false";
  return s;
}

}  // namespace ember::nn
