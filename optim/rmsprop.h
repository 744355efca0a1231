// RMSprop (centred or not, with momentum, weight decay and maximisation): PyTorch 1.13's
// torch.optim.RMSprop update rule.
#pragma once

#include "ember/optim/optimizer.h"

namespace ember::optim {

class EMBER_API RMSpropOptions : public OptimizerOptions {
 public:
  RMSpropOptions(double lr = 1e-2);  // NOLINT: implicit, like libtorch
  EMBER_OPTIM_ARG(double, lr);
  EMBER_OPTIM_ARG(double, alpha) = 0.99;
  EMBER_OPTIM_ARG(double, eps) = 1e-8;
  EMBER_OPTIM_ARG(double, weight_decay) = 0;
  EMBER_OPTIM_ARG(double, momentum) = 0;
  EMBER_OPTIM_ARG(bool, centered) = false;
  EMBER_OPTIM_ARG(bool, maximize) = false;
  // Use the device's fused rmsprop_step row when it has one (same result within float rounding).
  EMBER_OPTIM_ARG(bool, fused) = true;

 public:
  std::unique_ptr<OptimizerOptions> clone() const override;
  std::string_view optimizer_name() const override { return "RMSprop"; }
  double get_lr() const override { return lr_; }
  void set_lr(double value) override { lr_ = value; }
  void validate() const override;
  void visit_fields(OptionVisitor& v) override;
};

class EMBER_API RMSpropParamState : public OptimizerParamState {
  EMBER_OPTIM_ARG(int64_t, step) = 0;
  EMBER_OPTIM_ARG(Tensor, square_avg);
  // Only with momentum > 0.
  EMBER_OPTIM_ARG(Tensor, momentum_buffer);
  // Only when centered.
  EMBER_OPTIM_ARG(Tensor, grad_avg);

 public:
  void visit_fields(StateVisitor& v) override;
};

class EMBER_API RMSprop : public Optimizer {
 public:
  explicit RMSprop(std::vector<Tensor> params, const RMSpropOptions& defaults = {});
  RMSprop(std::vector<OptimizerParamGroup> param_groups, const RMSpropOptions& defaults = {});

 protected:
  void step_group(OptimizerParamGroup& group) override;
  std::unique_ptr<OptimizerParamState> make_param_state() const override;
};

}  // namespace ember::optim
