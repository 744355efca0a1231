// Options of Conv2d and of its functional form, named like libtorch's:
// Conv2dOptions(1, 32, 3).stride(1).padding(1).dilation(1).groups(1).bias(true).
#pragma once

#include <cstdint>

#include "ember/core/tensor.h"
#include "ember/nn/arg.h"
#include "ember/nn/expanding_array.h"

namespace ember::nn {

struct Conv2dOptions {
  Conv2dOptions(int64_t in_channels, int64_t out_channels, ExpandingArray<2> kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  EMBER_ARG(int64_t, in_channels);
  EMBER_ARG(int64_t, out_channels);
  EMBER_ARG(ExpandingArray<2>, kernel_size);
  EMBER_ARG(ExpandingArray<2>, stride) = 1;
  // Zeros added on both sides of each spatial dim.
  EMBER_ARG(ExpandingArray<2>, padding) = 0;
  EMBER_ARG(ExpandingArray<2>, dilation) = 1;
  // Channels are split into this many groups, each convolved separately.
  EMBER_ARG(int64_t, groups) = 1;
  EMBER_ARG(bool, bias) = true;
};

namespace functional {

struct Conv2dFuncOptions {
  EMBER_ARG(Tensor, bias) = Tensor();
  EMBER_ARG(ExpandingArray<2>, stride) = 1;
  EMBER_ARG(ExpandingArray<2>, padding) = 0;
  EMBER_ARG(ExpandingArray<2>, dilation) = 1;
  EMBER_ARG(int64_t, groups) = 1;
};

}  // namespace functional
}  // namespace ember::nn
