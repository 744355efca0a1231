// Options of MaxPool2d, AvgPool2d and AdaptiveAvgPool2d (and their functional forms), named like
// libtorch's: MaxPool2dOptions(2).stride(2), AdaptiveAvgPool2dOptions({1, 1}).
#pragma once

#include <cstdint>
#include <optional>

#include "ember/nn/arg.h"
#include "ember/nn/expanding_array.h"

namespace ember::nn {

struct MaxPool2dOptions {
  // The stride defaults to the kernel size.
  MaxPool2dOptions(ExpandingArray<2> kernel_size)  // NOLINT: implicit like libtorch
      : kernel_size_(kernel_size), stride_(kernel_size) {}
  EMBER_ARG(ExpandingArray<2>, kernel_size);
  EMBER_ARG(ExpandingArray<2>, stride);
  // Implicit negative-infinity padding on both sides.
  EMBER_ARG(ExpandingArray<2>, padding) = 0;
  EMBER_ARG(ExpandingArray<2>, dilation) = 1;
  // Round the output size up instead of down.
  EMBER_ARG(bool, ceil_mode) = false;
};

struct AvgPool2dOptions {
  AvgPool2dOptions(ExpandingArray<2> kernel_size)  // NOLINT: implicit like libtorch
      : kernel_size_(kernel_size), stride_(kernel_size) {}
  EMBER_ARG(ExpandingArray<2>, kernel_size);
  EMBER_ARG(ExpandingArray<2>, stride);
  EMBER_ARG(ExpandingArray<2>, padding) = 0;
  EMBER_ARG(bool, ceil_mode) = false;
  // Count the zero padding in each window's divisor.
  EMBER_ARG(bool, count_include_pad) = true;
  // Divide every window's sum by this instead.
  EMBER_ARG(std::optional<int64_t>, divisor_override) = std::nullopt;
};

struct AdaptiveAvgPool2dOptions {
  AdaptiveAvgPool2dOptions(ExpandingArray<2> output_size)  // NOLINT: implicit like libtorch
      : output_size_(output_size) {}
  EMBER_ARG(ExpandingArray<2>, output_size);
};

namespace functional {
using MaxPool2dFuncOptions = MaxPool2dOptions;
using AvgPool2dFuncOptions = AvgPool2dOptions;
using AdaptiveAvgPool2dFuncOptions = AdaptiveAvgPool2dOptions;
}  // namespace functional

}  // namespace ember::nn
