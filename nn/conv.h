// Conv2d: 2-d convolution over [N, C, H, W] inputs, like libtorch's.
#pragma once

#include <string>

#include "ember/core/tensor.h"
#include "ember/nn/module.h"
#include "ember/nn/module_holder.h"
#include "ember/nn/options_conv.h"

namespace ember::nn {

// weight [out_channels, in_channels / groups, kh, kw], bias [out_channels] (undefined without
// bias), initialised like PyTorch: kaiming_uniform_(weight, a = sqrt(5)), bias uniform in
// +-1/sqrt(fan_in) with fan_in = in_channels / groups * kh * kw.
class EMBER_API Conv2dImpl : public Module {
 public:
  Conv2dImpl(int64_t in_channels, int64_t out_channels, ExpandingArray<2> kernel_size)
      : Conv2dImpl(Conv2dOptions(in_channels, out_channels, kernel_size)) {}
  explicit Conv2dImpl(const Conv2dOptions& options);
  void reset();
  void reset_parameters();
  Tensor forward(const Tensor& input);
  std::string extra_repr() const override;

  Conv2dOptions options;
  Tensor weight;
  Tensor bias;
};
EMBER_MODULE(Conv2d);

}  // namespace ember::nn
