// Stochastic gradient descent with momentum, dampening, Nesterov momentum, weight decay and
// maximisation: PyTorch 1.13's torch.optim.SGD update rule.
//   ember::optim::SGD opt(model->parameters(), ember::optim::SGDOptions(0.01).momentum(0.5));
#pragma once

#include "ember/optim/optimizer.h"

namespace ember::optim {

class EMBER_API SGDOptions : public OptimizerOptions {
 public:
  SGDOptions(double lr);  // NOLINT: implicit, like libtorch
  EMBER_OPTIM_ARG(double, lr);
  EMBER_OPTIM_ARG(double, momentum) = 0;
  EMBER_OPTIM_ARG(double, dampening) = 0;
  EMBER_OPTIM_ARG(double, weight_decay) = 0;
  EMBER_OPTIM_ARG(bool, nesterov) = false;
  EMBER_OPTIM_ARG(bool, maximize) = false;
  // Use the device's fused sgd_step row when it has one (same result within float rounding).
  EMBER_OPTIM_ARG(bool, fused) = true;

 public:
  std::unique_ptr<OptimizerOptions> clone() const override;
  std::string_view optimizer_name() const override { return "SGD"; }
  double get_lr() const override { return lr_; }
  void set_lr(double value) override { lr_ = value; }
  void validate() const override;
  void visit_fields(OptionVisitor& v) override;
};

class EMBER_API SGDParamState : public OptimizerParamState {
  // Created at the parameter's first step when momentum is on.
  EMBER_OPTIM_ARG(Tensor, momentum_buffer);

 public:
  void visit_fields(StateVisitor& v) override;
};

class EMBER_API SGD : public Optimizer {
 public:
  SGD(std::vector<Tensor> params, const SGDOptions& defaults);
  SGD(std::vector<OptimizerParamGroup> param_groups, const SGDOptions& defaults);

 protected:
  void step_group(OptimizerParamGroup& group) override;
  std::unique_ptr<OptimizerParamState> make_param_state() const override;
};

}  // namespace ember::optim
