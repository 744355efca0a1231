// nn::functional batch_norm and layer_norm: forwards to the ops.
#include "ember/nn/functional_normalization.h"

#include "ember/core/check.h"
#include "ember/core/nn_ops.h"

namespace ember::nn::functional {

Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                  const BatchNormFuncOptions& options) {
  EMBER_CHECK(options.training() || (running_mean.defined() && running_var.defined()), Value,
              "batch_norm: running_mean and running_var must be defined in evaluation mode "
              "(training=false); pass them or set training(true)");
  return ember::batch_norm(input, options.weight(), options.bias(), running_mean, running_var,
                           options.training(), options.momentum(), options.eps());
}

Tensor layer_norm(const Tensor& input, const LayerNormFuncOptions& options) {
  return ember::layer_norm(input, options.normalized_shape(), options.weight(), options.bias(),
                           options.eps());
}

}  // namespace ember::nn::functional
