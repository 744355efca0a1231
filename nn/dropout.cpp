// Dropout layer.
#include "ember/nn/dropout.h"

#include "ember/core/check.h"
#include "ember/nn/functional_dropout.h"
#include "ember/nn/repr_format.h"

namespace ember::nn {

DropoutImpl::DropoutImpl(const DropoutOptions& options_) : options(options_) {
  EMBER_CHECK(options.p() >= 0.0 && options.p() <= 1.0, Value,
              "Dropout: dropout probability has to be between 0 and 1, but got {}", options.p());
}

Tensor DropoutImpl::forward(const Tensor& input) {
  return functional::dropout(input, functional::DropoutFuncOptions()
                                        .p(options.p())
                                        .training(is_training())
                                        .inplace(options.inplace()));
}

std::string DropoutImpl::extra_repr() const {
  return "p=" + detail::repr_double(options.p()) +
         ", inplace=" + detail::repr_bool(options.inplace());
}

}  // namespace ember::nn
