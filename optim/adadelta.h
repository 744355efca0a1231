// Adadelta (with lr, weight decay and maximisation; the MNIST sample's optimizer): PyTorch 1.13's
// torch.optim.Adadelta update rule.
#pragma once

#include "ember/optim/optimizer.h"

namespace ember::optim {

class EMBER_API AdadeltaOptions : public OptimizerOptions {
 public:
  AdadeltaOptions(double lr = 1.0);  // NOLINT: implicit, like libtorch
  EMBER_OPTIM_ARG(double, lr);
  EMBER_OPTIM_ARG(double, rho) = 0.9;
  EMBER_OPTIM_ARG(double, eps) = 1e-6;
  EMBER_OPTIM_ARG(double, weight_decay) = 0;
  EMBER_OPTIM_ARG(bool, maximize) = false;
  // Use the device's fused adadelta_step row when it has one (same result within float rounding).
  EMBER_OPTIM_ARG(bool, fused) = true;

 public:
  std::unique_ptr<OptimizerOptions> clone() const override;
  std::string_view optimizer_name() const override { return "Adadelta"; }
  double get_lr() const override { return lr_; }
  void set_lr(double value) override { lr_ = value; }
  void validate() const override;
  void visit_fields(OptionVisitor& v) override;
};

class EMBER_API AdadeltaParamState : public OptimizerParamState {
  EMBER_OPTIM_ARG(int64_t, step) = 0;
  EMBER_OPTIM_ARG(Tensor, square_avg);
  EMBER_OPTIM_ARG(Tensor, acc_delta);

 public:
  void visit_fields(StateVisitor& v) override;
};

class EMBER_API Adadelta : public Optimizer {
 public:
  explicit Adadelta(std::vector<Tensor> params, const AdadeltaOptions& defaults = {});
  Adadelta(std::vector<OptimizerParamGroup> param_groups, const AdadeltaOptions& defaults = {});

 protected:
  void step_group(OptimizerParamGroup& group) override;
  std::unique_ptr<OptimizerParamState> make_param_state() const override;
};

}  // namespace ember::optim
