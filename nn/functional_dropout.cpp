// nn::functional dropout: checks p, forwards to the op; the in-place form goes through
// autograd's in-place wrapper.
#include "ember/nn/functional_dropout.h"

#include "ember/core/autograd_slots.h"
#include "ember/core/check.h"
#include "ember/core/nn_ops.h"

namespace ember::nn::functional {

namespace {
Tensor& dropout_inplace(Tensor& self, double p, bool training) {
  auto out_of_place = [p, training](const Tensor& old) { return ember::dropout(old, p, training); };
  EMBER_AUTOGRAD_INPLACE(self, "dropout_", out_of_place);
  return self.copy_(ember::dropout(self, p, training));
}
}  // namespace

Tensor dropout(const Tensor& input, const DropoutFuncOptions& options) {
  const double p = options.p();
  EMBER_CHECK(p >= 0.0 && p <= 1.0, Value,
              "dropout: dropout probability has to be between 0 and 1, but got {}", p);
  if (options.inplace()) {
    if (!options.training() || p == 0.0) return input;
    Tensor self = input;
    return dropout_inplace(self, p, options.training());
  }
  return ember::dropout(input, p, options.training());
}

Tensor dropout(const Tensor& input, double p, bool training) {
  return dropout(input, DropoutFuncOptions().p(p).training(training));
}

}  // namespace ember::nn::functional
