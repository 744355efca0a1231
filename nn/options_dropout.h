// Options of Dropout and of its functional form, named like libtorch's: DropoutOptions(0.2).
#pragma once

#include "ember/nn/arg.h"

namespace ember::nn {

struct DropoutOptions {
  DropoutOptions(double p = 0.5) : p_(p) {}  // NOLINT: implicit like libtorch
  // Probability of zeroing an element.
  EMBER_ARG(double, p);
  EMBER_ARG(bool, inplace) = false;
};

namespace functional {
struct DropoutFuncOptions {
  EMBER_ARG(double, p) = 0.5;
  EMBER_ARG(bool, training) = true;
  EMBER_ARG(bool, inplace) = false;
};
}  // namespace functional

}  // namespace ember::nn
