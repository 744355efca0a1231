// Linear (y = x W^T + b), Identity and Flatten layers, like libtorch's.
#pragma once

#include <string>

#include "ember/core/tensor.h"
#include "ember/nn/module.h"
#include "ember/nn/module_holder.h"
#include "ember/nn/options_linear.h"

namespace ember::nn {

// weight [out_features, in_features] and bias [out_features] (undefined without bias),
// initialised like PyTorch: kaiming_uniform_(weight, a = sqrt(5)), bias uniform in
// +-1/sqrt(in_features).
class EMBER_API LinearImpl : public Module {
 public:
  LinearImpl(int64_t in_features, int64_t out_features)
      : LinearImpl(LinearOptions(in_features, out_features)) {}
  explicit LinearImpl(const LinearOptions& options);
  // (Re)creates the parameters and initialises them.
  void reset();
  // Draws fresh initial values.
  void reset_parameters();
  Tensor forward(const Tensor& input);
  std::string extra_repr() const override;

  LinearOptions options;
  Tensor weight;
  Tensor bias;
};
EMBER_MODULE(Linear);

// Returns its input.
class EMBER_API IdentityImpl : public Module {
 public:
  Tensor forward(const Tensor& input);
};
EMBER_MODULE(Identity);

// Flattens dims start_dim..end_dim (by default all but the batch dim).
class EMBER_API FlattenImpl : public Module {
 public:
  explicit FlattenImpl(const FlattenOptions& options = {});
  Tensor forward(const Tensor& input);
  std::string extra_repr() const override;
  FlattenOptions options;
};
EMBER_MODULE(Flatten);

}  // namespace ember::nn
