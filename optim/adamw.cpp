// AdamW: options and their checks; the step is Adam's with decoupled weight decay.
#include "ember/optim/adamw.h"

#include "ember/optim/adam_family.h"

namespace ember::optim {

AdamWOptions::AdamWOptions(double lr) : lr_(lr) {}

std::unique_ptr<OptimizerOptions> AdamWOptions::clone() const {
  return std::make_unique<AdamWOptions>(*this);
}

void AdamWOptions::validate() const {
  detail::check_adam_options("AdamW", lr_, std::get<0>(betas_), std::get<1>(betas_), eps_,
                             weight_decay_);
}

void AdamWOptions::visit_fields(OptionVisitor& v) {
  v.visit("lr", lr_);
  v.visit("beta1", std::get<0>(betas_));
  v.visit("beta2", std::get<1>(betas_));
  v.visit("eps", eps_);
  v.visit("weight_decay", weight_decay_);
  v.visit("amsgrad", amsgrad_);
  v.visit("maximize", maximize_);
  v.visit("fused", fused_);
}

AdamW::AdamW(std::vector<Tensor> params, const AdamWOptions& defaults)
    : AdamW(std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(params))}, defaults) {}

AdamW::AdamW(std::vector<OptimizerParamGroup> param_groups, const AdamWOptions& defaults)
    : Optimizer(std::move(param_groups), defaults.clone()) {}

std::unique_ptr<OptimizerParamState> AdamW::make_param_state() const {
  return std::make_unique<AdamParamState>();
}

void AdamW::step_group(OptimizerParamGroup& group) {
  const auto& o = static_cast<const AdamWOptions&>(group.options());
  AdamStepArgs args;
  args.lr = o.lr();
  args.beta1 = std::get<0>(o.betas());
  args.beta2 = std::get<1>(o.betas());
  args.eps = o.eps();
  args.weight_decay = o.weight_decay();
  args.amsgrad = o.amsgrad();
  args.maximize = o.maximize();
  args.decoupled_weight_decay = true;
  detail::adam_family_step(
      params_with_grad(group),
      [this](const Tensor& p) -> AdamParamState& { return param_state_as<AdamParamState>(p); },
      args, o.fused());
}

}  // namespace ember::optim
