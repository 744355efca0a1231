// Adam: options, their checks, and the step shared with AdamW (fused row, or PyTorch's
// op-by-op rule).
#include "ember/optim/adam.h"

#include <cmath>

#include "ember/core/check.h"
#include "ember/core/factories.h"
#include "ember/core/ops.h"
#include "ember/optim/adam_family.h"
#include "ember/optim/fused_step.h"

namespace ember::optim {
namespace detail {

void check_adam_options(std::string_view optimizer, double lr, double beta1, double beta2,
                        double eps, double weight_decay) {
  EMBER_CHECK(lr >= 0, Value, "{}: invalid lr {} (must be >= 0)", optimizer, lr);
  EMBER_CHECK(eps >= 0, Value, "{}: invalid eps {} (must be >= 0)", optimizer, eps);
  EMBER_CHECK(beta1 >= 0 && beta1 < 1, Value, "{}: invalid beta1 (betas[0]) {} (must be in [0, 1))",
              optimizer, beta1);
  EMBER_CHECK(beta2 >= 0 && beta2 < 1, Value, "{}: invalid beta2 (betas[1]) {} (must be in [0, 1))",
              optimizer, beta2);
  EMBER_CHECK(weight_decay >= 0, Value, "{}: invalid weight_decay {} (must be >= 0)", optimizer,
              weight_decay);
}

void adam_family_step(const std::vector<Tensor>& params,
                      const std::function<AdamParamState&(const Tensor&)>& state_of,
                      const AdamStepArgs& args, bool fused) {
  if (params.empty()) return;
  std::vector<Tensor> grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs;
  std::vector<int64_t> steps;
  for (const Tensor& p : params) {
    AdamParamState& st = state_of(p);
    if (!st.exp_avg().defined()) st.exp_avg(zeros_like(p));
    if (!st.exp_avg_sq().defined()) st.exp_avg_sq(zeros_like(p));
    if (args.amsgrad && !st.max_exp_avg_sq().defined()) st.max_exp_avg_sq(zeros_like(p));
    st.step(st.step() + 1);
    grads.push_back(p.grad());
    exp_avgs.push_back(st.exp_avg());
    exp_avg_sqs.push_back(st.exp_avg_sq());
    if (args.amsgrad) max_exp_avg_sqs.push_back(st.max_exp_avg_sq());
    steps.push_back(st.step());
  }

  if (fused) {
    std::vector<Tensor> contiguous_grads;
    for (const Tensor& g : grads) contiguous_grads.push_back(g.contiguous());
    if (fused_adam_step(params, contiguous_grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps,
                        args)) {
      return;
    }
  }

  // PyTorch 1.13, torch/optim/adam.py _single_tensor_adam and adamw.py _single_tensor_adamw.
  const double beta1 = args.beta1, beta2 = args.beta2;
  for (size_t i = 0; i < params.size(); ++i) {
    Tensor p = params[i];
    Tensor grad = args.maximize ? grads[i].neg() : grads[i];
    Tensor& exp_avg = exp_avgs[i];
    Tensor& exp_avg_sq = exp_avg_sqs[i];
    if (args.decoupled_weight_decay) {
      p.mul_(1 - args.lr * args.weight_decay);
    } else if (args.weight_decay != 0) {
      grad = grad.add(p, args.weight_decay);
    }
    exp_avg.mul_(beta1).add_(grad, 1 - beta1);
    exp_avg_sq.mul_(beta2).add_(grad.mul(1 - beta2).mul_(grad));  // addcmul_(g, g, 1 - beta2)

    const double step = static_cast<double>(steps[i]);
    const double bias_correction1 = 1 - std::pow(beta1, step);
    const double bias_correction2 = 1 - std::pow(beta2, step);
    const double step_size = args.lr / bias_correction1;
    const double bias_correction2_sqrt = std::sqrt(bias_correction2);
    Tensor denom;
    if (args.amsgrad) {
      maximum_out(max_exp_avg_sqs[i], max_exp_avg_sqs[i], exp_avg_sq);
      denom = max_exp_avg_sqs[i].sqrt().div_(bias_correction2_sqrt).add_(args.eps);
    } else {
      denom = exp_avg_sq.sqrt().div_(bias_correction2_sqrt).add_(args.eps);
    }
    p.add_(exp_avg.mul(-step_size).div_(denom));  // addcdiv_(exp_avg, denom, -step_size)
  }
}

}  // namespace detail

AdamOptions::AdamOptions(double lr) : lr_(lr) {}

std::unique_ptr<OptimizerOptions> AdamOptions::clone() const {
  return std::make_unique<AdamOptions>(*this);
}

void AdamOptions::validate() const {
  detail::check_adam_options("Adam", lr_, std::get<0>(betas_), std::get<1>(betas_), eps_,
                             weight_decay_);
}

void AdamOptions::visit_fields(OptionVisitor& v) {
  v.visit("lr", lr_);
  v.visit("beta1", std::get<0>(betas_));
  v.visit("beta2", std::get<1>(betas_));
  v.visit("eps", eps_);
  v.visit("weight_decay", weight_decay_);
  v.visit("amsgrad", amsgrad_);
  v.visit("maximize", maximize_);
  v.visit("fused", fused_);
}

void AdamParamState::visit_fields(StateVisitor& v) {
  v.visit("step", step_);
  v.visit("exp_avg", exp_avg_);
  v.visit("exp_avg_sq", exp_avg_sq_);
  v.visit("max_exp_avg_sq", max_exp_avg_sq_);
}

Adam::Adam(std::vector<Tensor> params, const AdamOptions& defaults)
    : Adam(std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(params))}, defaults) {}

Adam::Adam(std::vector<OptimizerParamGroup> param_groups, const AdamOptions& defaults)
    : Optimizer(std::move(param_groups), defaults.clone()) {}

std::unique_ptr<OptimizerParamState> Adam::make_param_state() const {
  return std::make_unique<AdamParamState>();
}

void Adam::step_group(OptimizerParamGroup& group) {
  const auto& o = static_cast<const AdamOptions&>(group.options());
  AdamStepArgs args;
  args.lr = o.lr();
  args.beta1 = std::get<0>(o.betas());
  args.beta2 = std::get<1>(o.betas());
  args.eps = o.eps();
  args.weight_decay = o.weight_decay();
  args.amsgrad = o.amsgrad();
  args.maximize = o.maximize();
  args.decoupled_weight_decay = false;
  detail::adam_family_step(
      params_with_grad(group),
      [this](const Tensor& p) -> AdamParamState& { return param_state_as<AdamParamState>(p); },
      args, o.fused());
}

}  // namespace ember::optim
