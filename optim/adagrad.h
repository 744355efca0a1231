// Adagrad (with lr decay, weight decay, an initial accumulator value and maximisation): PyTorch
// 1.13's torch.optim.Adagrad update rule.
#pragma once

#include "ember/optim/optimizer.h"

namespace ember::optim {

class EMBER_API AdagradOptions : public OptimizerOptions {
 public:
  AdagradOptions(double lr = 1e-2);  // NOLINT: implicit, like libtorch
  EMBER_OPTIM_ARG(double, lr);
  EMBER_OPTIM_ARG(double, lr_decay) = 0;
  EMBER_OPTIM_ARG(double, weight_decay) = 0;
  EMBER_OPTIM_ARG(double, initial_accumulator_value) = 0;
  EMBER_OPTIM_ARG(double, eps) = 1e-10;
  EMBER_OPTIM_ARG(bool, maximize) = false;
  // Use the device's fused adagrad_step row when it has one (same result within float rounding).
  EMBER_OPTIM_ARG(bool, fused) = true;

 public:
  std::unique_ptr<OptimizerOptions> clone() const override;
  std::string_view optimizer_name() const override { return "Adagrad"; }
  double get_lr() const override { return lr_; }
  void set_lr(double value) override { lr_ = value; }
  void validate() const override;
  void visit_fields(OptionVisitor& v) override;
};

class EMBER_API AdagradParamState : public OptimizerParamState {
  EMBER_OPTIM_ARG(int64_t, step) = 0;
  // Starts at initial_accumulator_value.
  EMBER_OPTIM_ARG(Tensor, sum);

 public:
  void visit_fields(StateVisitor& v) override;
};

class EMBER_API Adagrad : public Optimizer {
 public:
  explicit Adagrad(std::vector<Tensor> params, const AdagradOptions& defaults = {});
  Adagrad(std::vector<OptimizerParamGroup> param_groups, const AdagradOptions& defaults = {});

 protected:
  void step_group(OptimizerParamGroup& group) override;
  std::unique_ptr<OptimizerParamState> make_param_state() const override;
};

}  // namespace ember::optim
