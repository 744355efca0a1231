// Options of Linear and Flatten, named like libtorch's: LinearOptions(784, 10).bias(false),
// FlattenOptions().start_dim(1).
#pragma once

#include <cstdint>

#include "ember/nn/arg.h"

namespace ember::nn {

struct LinearOptions {
  LinearOptions(int64_t in_features, int64_t out_features)
      : in_features_(in_features), out_features_(out_features) {}
  EMBER_ARG(int64_t, in_features);
  EMBER_ARG(int64_t, out_features);
  // Whether to learn an additive bias.
  EMBER_ARG(bool, bias) = true;
};

struct FlattenOptions {
  EMBER_ARG(int64_t, start_dim) = 1;
  EMBER_ARG(int64_t, end_dim) = -1;
};

}  // namespace ember::nn
