// Adam (with AMSGrad and maximisation): PyTorch 1.13's torch.optim.Adam update rule, with L2
// weight decay added to the gradient. AdamW (optim/adamw.h) decouples the weight decay.
//   ember::optim::Adam opt(model->parameters(), ember::optim::AdamOptions(1e-3).amsgrad(true));
#pragma once

#include <tuple>

#include "ember/optim/optimizer.h"

namespace ember::optim {

class EMBER_API AdamOptions : public OptimizerOptions {
 public:
  using betas_t = std::tuple<double, double>;
  AdamOptions(double lr = 1e-3);  // NOLINT: implicit, like libtorch
  EMBER_OPTIM_ARG(double, lr);
  EMBER_OPTIM_ARG(betas_t, betas) = std::make_tuple(0.9, 0.999);
  EMBER_OPTIM_ARG(double, eps) = 1e-8;
  EMBER_OPTIM_ARG(double, weight_decay) = 0;
  EMBER_OPTIM_ARG(bool, amsgrad) = false;
  EMBER_OPTIM_ARG(bool, maximize) = false;
  // Use the device's fused adam_step row when it has one (same result within float rounding).
  EMBER_OPTIM_ARG(bool, fused) = true;

 public:
  std::unique_ptr<OptimizerOptions> clone() const override;
  std::string_view optimizer_name() const override { return "Adam"; }
  double get_lr() const override { return lr_; }
  void set_lr(double value) override { lr_ = value; }
  void validate() const override;
  // betas are saved as beta1 and beta2.
  void visit_fields(OptionVisitor& v) override;
};

// The state of a parameter under Adam or AdamW.
class EMBER_API AdamParamState : public OptimizerParamState {
  EMBER_OPTIM_ARG(int64_t, step) = 0;
  EMBER_OPTIM_ARG(Tensor, exp_avg);
  EMBER_OPTIM_ARG(Tensor, exp_avg_sq);
  // Only with amsgrad.
  EMBER_OPTIM_ARG(Tensor, max_exp_avg_sq);

 public:
  void visit_fields(StateVisitor& v) override;
};

class EMBER_API Adam : public Optimizer {
 public:
  explicit Adam(std::vector<Tensor> params, const AdamOptions& defaults = {});
  Adam(std::vector<OptimizerParamGroup> param_groups, const AdamOptions& defaults = {});

 protected:
  void step_group(OptimizerParamGroup& group) override;
  std::unique_ptr<OptimizerParamState> make_param_state() const override;
};

}  // namespace ember::optim
