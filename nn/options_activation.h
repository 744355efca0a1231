// Options of the activation layers and their functional forms (ReLU, LeakyReLU, GELU, Softmax,
// LogSoftmax), named like libtorch's: ReLUOptions().inplace(true), SoftmaxOptions(1).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "ember/core/dtype.h"
#include "ember/nn/arg.h"

namespace ember::nn {

struct ReLUOptions {
  ReLUOptions(bool inplace = false) : inplace_(inplace) {}  // NOLINT: implicit like libtorch
  // Overwrite the input instead of allocating the output.
  EMBER_ARG(bool, inplace);
};

struct LeakyReLUOptions {
  EMBER_ARG(double, negative_slope) = 1e-2;
  EMBER_ARG(bool, inplace) = false;
};

struct GELUOptions {
  // "none" (exact, with erf) or "tanh" (the tanh approximation).
  EMBER_ARG(std::string, approximate) = "none";
};

struct SoftmaxOptions {
  SoftmaxOptions(int64_t dim) : dim_(dim) {}  // NOLINT: implicit like libtorch
  EMBER_ARG(int64_t, dim);
};

struct LogSoftmaxOptions {
  LogSoftmaxOptions(int64_t dim) : dim_(dim) {}  // NOLINT: implicit like libtorch
  EMBER_ARG(int64_t, dim);
};

namespace functional {

using ReLUFuncOptions = ReLUOptions;
using LeakyReLUFuncOptions = LeakyReLUOptions;
using GELUFuncOptions = GELUOptions;

struct SoftmaxFuncOptions {
  SoftmaxFuncOptions(int64_t dim) : dim_(dim) {}  // NOLINT: implicit like libtorch
  EMBER_ARG(int64_t, dim);
  // Convert the input to this dtype first (and compute in it).
  EMBER_ARG(std::optional<DType>, dtype) = std::nullopt;
};

struct LogSoftmaxFuncOptions {
  LogSoftmaxFuncOptions(int64_t dim) : dim_(dim) {}  // NOLINT: implicit like libtorch
  EMBER_ARG(int64_t, dim);
  EMBER_ARG(std::optional<DType>, dtype) = std::nullopt;
};

}  // namespace functional
}  // namespace ember::nn
