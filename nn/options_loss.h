// Options of the loss modules and their functional forms, named like libtorch's:
// CrossEntropyLossOptions().label_smoothing(0.1).ignore_index(0).reduction(kSum).
#pragma once

#include <cstdint>

#include "ember/core/nn_ops.h"
#include "ember/core/tensor.h"
#include "ember/nn/arg.h"

namespace ember {
// libtorch spells the reductions torch::kNone, torch::kMean, torch::kSum.
inline constexpr Reduction kNone = Reduction::None;
inline constexpr Reduction kMean = Reduction::Mean;
inline constexpr Reduction kSum = Reduction::Sum;
}  // namespace ember

namespace ember::nn {

struct MSELossOptions {
  MSELossOptions(Reduction reduction = Reduction::Mean)  // NOLINT: implicit like libtorch
      : reduction_(reduction) {}
  EMBER_ARG(Reduction, reduction);
};

struct L1LossOptions {
  L1LossOptions(Reduction reduction = Reduction::Mean)  // NOLINT: implicit like libtorch
      : reduction_(reduction) {}
  EMBER_ARG(Reduction, reduction);
};

struct SmoothL1LossOptions {
  SmoothL1LossOptions(Reduction reduction = Reduction::Mean)  // NOLINT: implicit like libtorch
      : reduction_(reduction) {}
  EMBER_ARG(Reduction, reduction);
  // Below |input - target| = beta the loss is quadratic, above it linear.
  EMBER_ARG(double, beta) = 1.0;
};

struct BCELossOptions {
  // Per-element rescaling weight, broadcast to the input.
  EMBER_ARG(Tensor, weight) = Tensor();
  EMBER_ARG(Reduction, reduction) = Reduction::Mean;
};

struct BCEWithLogitsLossOptions {
  EMBER_ARG(Tensor, weight) = Tensor();
  EMBER_ARG(Reduction, reduction) = Reduction::Mean;
  // Weight of the positive examples, one per class (broadcast along the last dim).
  EMBER_ARG(Tensor, pos_weight) = Tensor();
};

struct CrossEntropyLossOptions {
  // Per-class weight [C].
  EMBER_ARG(Tensor, weight) = Tensor();
  // Targets equal to this class index are skipped.
  EMBER_ARG(int64_t, ignore_index) = -100;
  EMBER_ARG(Reduction, reduction) = Reduction::Mean;
  // Mixes the target with the uniform distribution: (1 - s) * target + s / C.
  EMBER_ARG(double, label_smoothing) = 0.0;
};

struct NLLLossOptions {
  EMBER_ARG(Tensor, weight) = Tensor();
  EMBER_ARG(int64_t, ignore_index) = -100;
  EMBER_ARG(Reduction, reduction) = Reduction::Mean;
};

namespace functional {
using MSELossFuncOptions = MSELossOptions;
using L1LossFuncOptions = L1LossOptions;
using SmoothL1LossFuncOptions = SmoothL1LossOptions;
using BinaryCrossEntropyFuncOptions = BCELossOptions;
using BinaryCrossEntropyWithLogitsFuncOptions = BCEWithLogitsLossOptions;
using CrossEntropyFuncOptions = CrossEntropyLossOptions;
using NLLLossFuncOptions = NLLLossOptions;
}  // namespace functional

}  // namespace ember::nn
