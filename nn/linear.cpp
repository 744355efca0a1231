// Linear, Identity and Flatten layers.
#include "ember/nn/linear.h"

#include <cmath>

#include "ember/core/check.h"
#include "ember/core/factories.h"
#include "ember/nn/functional_linear.h"
#include "ember/nn/init.h"

namespace ember::nn {

LinearImpl::LinearImpl(const LinearOptions& options_) : options(options_) {
  reset();
}

void LinearImpl::reset() {
  EMBER_CHECK(options.in_features() >= 0 && options.out_features() >= 0, Value,
              "Linear: in_features and out_features must be non-negative, got {} and {}",
              options.in_features(), options.out_features());
  parameters_.clear();
  weight =
      register_parameter("weight", ember::empty({options.out_features(), options.in_features()}));
  bias = options.bias() ? register_parameter("bias", ember::empty({options.out_features()}))
                        : register_parameter("bias", Tensor(), /*requires_grad=*/false);
  reset_parameters();
}

void LinearImpl::reset_parameters() {
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    const auto fan_in = std::get<0>(init::calculate_fan_in_and_fan_out(weight));
    const double bound = fan_in > 0 ? 1.0 / std::sqrt(static_cast<double>(fan_in)) : 0.0;
    init::uniform_(bias, -bound, bound);
  }
}

Tensor LinearImpl::forward(const Tensor& input) {
  return functional::linear(input, weight, bias);
}

std::string LinearImpl::extra_repr() const {
  return "in_features=" + std::to_string(options.in_features()) +
         ", out_features=" + std::to_string(options.out_features()) +
         ", bias=" + (bias.defined() ? "true" : "false");
}

Tensor IdentityImpl::forward(const Tensor& input) {
  return input;
}

FlattenImpl::FlattenImpl(const FlattenOptions& options_) : options(options_) {}

Tensor FlattenImpl::forward(const Tensor& input) {
  return functional::flatten(input, options);
}

std::string FlattenImpl::extra_repr() const {
  return "start_dim=" + std::to_string(options.start_dim()) +
         ", end_dim=" + std::to_string(options.end_dim());
}

}  // namespace ember::nn
