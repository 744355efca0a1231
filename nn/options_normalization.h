// Options of BatchNorm1d/2d and LayerNorm (and their functional forms), named like libtorch's:
// BatchNorm2dOptions(32).momentum(0.01), LayerNormOptions({64}).eps(1e-6).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "ember/core/tensor.h"
#include "ember/nn/arg.h"

namespace ember::nn {

struct BatchNormOptions {
  BatchNormOptions(int64_t num_features)  // NOLINT: implicit like libtorch
      : num_features_(num_features) {}
  // C of an [N, C] or [N, C, L] (1d) or [N, C, H, W] (2d) input.
  EMBER_ARG(int64_t, num_features);
  EMBER_ARG(double, eps) = 1e-5;
  // Weight of the new batch in the running statistics; nullopt: a cumulative average.
  EMBER_ARG(std::optional<double>, momentum) = 0.1;
  // Learn a per-channel weight and bias.
  EMBER_ARG(bool, affine) = true;
  // Keep running statistics (used in eval mode) and count batches.
  EMBER_ARG(bool, track_running_stats) = true;
};
using BatchNorm1dOptions = BatchNormOptions;
using BatchNorm2dOptions = BatchNormOptions;

struct LayerNormOptions {
  LayerNormOptions(std::vector<int64_t> normalized_shape)  // NOLINT: implicit like libtorch
      : normalized_shape_(std::move(normalized_shape)) {}
  // The trailing dims normalized over.
  EMBER_ARG(std::vector<int64_t>, normalized_shape);
  EMBER_ARG(double, eps) = 1e-5;
  // Learn a weight and bias of normalized_shape.
  EMBER_ARG(bool, elementwise_affine) = true;
};

namespace functional {

struct BatchNormFuncOptions {
  EMBER_ARG(Tensor, weight) = Tensor();
  EMBER_ARG(Tensor, bias) = Tensor();
  // Normalize with the batch's statistics (and update the running ones when given).
  EMBER_ARG(bool, training) = false;
  EMBER_ARG(double, momentum) = 0.1;
  EMBER_ARG(double, eps) = 1e-5;
};

struct LayerNormFuncOptions {
  LayerNormFuncOptions(std::vector<int64_t> normalized_shape)  // NOLINT: implicit like libtorch
      : normalized_shape_(std::move(normalized_shape)) {}
  EMBER_ARG(std::vector<int64_t>, normalized_shape);
  EMBER_ARG(Tensor, weight) = Tensor();
  EMBER_ARG(Tensor, bias) = Tensor();
  EMBER_ARG(double, eps) = 1e-5;
};

}  // namespace functional
}  // namespace ember::nn
