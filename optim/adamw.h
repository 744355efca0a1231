// AdamW: Adam with decoupled weight decay (the parameter shrinks by 1 - lr * weight_decay before
// the Adam update), PyTorch 1.13's torch.optim.AdamW update rule. Its per-parameter state is
// AdamParamState.
#pragma once

#include <tuple>

#include "ember/optim/adam.h"
#include "ember/optim/optimizer.h"

namespace ember::optim {

class EMBER_API AdamWOptions : public OptimizerOptions {
 public:
  using betas_t = std::tuple<double, double>;
  AdamWOptions(double lr = 1e-3);  // NOLINT: implicit, like libtorch
  EMBER_OPTIM_ARG(double, lr);
  EMBER_OPTIM_ARG(betas_t, betas) = std::make_tuple(0.9, 0.999);
  EMBER_OPTIM_ARG(double, eps) = 1e-8;
  EMBER_OPTIM_ARG(double, weight_decay) = 1e-2;
  EMBER_OPTIM_ARG(bool, amsgrad) = false;
  EMBER_OPTIM_ARG(bool, maximize) = false;
  // Use the device's fused adam_step row when it has one (same result within float rounding).
  EMBER_OPTIM_ARG(bool, fused) = true;

 public:
  std::unique_ptr<OptimizerOptions> clone() const override;
  std::string_view optimizer_name() const override { return "AdamW"; }
  double get_lr() const override { return lr_; }
  void set_lr(double value) override { lr_ = value; }
  void validate() const override;
  // betas are saved as beta1 and beta2.
  void visit_fields(OptionVisitor& v) override;
};

using AdamWParamState = AdamParamState;

class EMBER_API AdamW : public Optimizer {
 public:
  explicit AdamW(std::vector<Tensor> params, const AdamWOptions& defaults = {});
  AdamW(std::vector<OptimizerParamGroup> param_groups, const AdamWOptions& defaults = {});

 protected:
  void step_group(OptimizerParamGroup& group) override;
  std::unique_ptr<OptimizerParamState> make_param_state() const override;
};

}  // namespace ember::optim
