// Adagrad: options, their checks, and the step (fused row, or PyTorch's op-by-op rule).
#include "ember/optim/adagrad.h"

#include "ember/core/check.h"
#include "ember/core/factories.h"
#include "ember/core/ops.h"
#include "ember/optim/fused_step.h"

namespace ember::optim {

AdagradOptions::AdagradOptions(double lr) : lr_(lr) {}

std::unique_ptr<OptimizerOptions> AdagradOptions::clone() const {
  return std::make_unique<AdagradOptions>(*this);
}

void AdagradOptions::validate() const {
  EMBER_CHECK(lr_ >= 0, Value, "Adagrad: invalid lr {} (must be >= 0)", lr_);
  EMBER_CHECK(lr_decay_ >= 0, Value, "Adagrad: invalid lr_decay {} (must be >= 0)", lr_decay_);
  EMBER_CHECK(weight_decay_ >= 0, Value, "Adagrad: invalid weight_decay {} (must be >= 0)",
              weight_decay_);
  EMBER_CHECK(initial_accumulator_value_ >= 0, Value,
              "Adagrad: invalid initial_accumulator_value {} (must be >= 0)",
              initial_accumulator_value_);
  EMBER_CHECK(eps_ >= 0, Value, "Adagrad: invalid eps {} (must be >= 0)", eps_);
}

void AdagradOptions::visit_fields(OptionVisitor& v) {
  v.visit("lr", lr_);
  v.visit("lr_decay", lr_decay_);
  v.visit("weight_decay", weight_decay_);
  v.visit("initial_accumulator_value", initial_accumulator_value_);
  v.visit("eps", eps_);
  v.visit("maximize", maximize_);
  v.visit("fused", fused_);
}

void AdagradParamState::visit_fields(StateVisitor& v) {
  v.visit("step", step_);
  v.visit("sum", sum_);
}

Adagrad::Adagrad(std::vector<Tensor> params, const AdagradOptions& defaults)
    : Adagrad(std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(params))}, defaults) {}

Adagrad::Adagrad(std::vector<OptimizerParamGroup> param_groups, const AdagradOptions& defaults)
    : Optimizer(std::move(param_groups), defaults.clone()) {}

std::unique_ptr<OptimizerParamState> Adagrad::make_param_state() const {
  return std::make_unique<AdagradParamState>();
}

void Adagrad::step_group(OptimizerParamGroup& group) {
  const auto& o = static_cast<const AdagradOptions&>(group.options());
  const std::vector<Tensor> params = params_with_grad(group);
  if (params.empty()) return;
  std::vector<Tensor> grads, sums;
  std::vector<int64_t> steps;
  for (const Tensor& p : params) {
    auto& st = param_state_as<AdagradParamState>(p);
    if (!st.sum().defined()) st.sum(full_like(p, o.initial_accumulator_value()));
    st.step(st.step() + 1);
    grads.push_back(p.grad());
    sums.push_back(st.sum());
    steps.push_back(st.step());
  }

  if (o.fused()) {
    std::vector<Tensor> contiguous_grads;
    for (const Tensor& g : grads) contiguous_grads.push_back(g.contiguous());
    AdagradStepArgs args;
    args.lr = o.lr();
    args.lr_decay = o.lr_decay();
    args.weight_decay = o.weight_decay();
    args.eps = o.eps();
    args.maximize = o.maximize();
    if (detail::fused_adagrad_step(params, contiguous_grads, sums, steps, args)) return;
  }

  // PyTorch 1.13, torch/optim/adagrad.py, _single_tensor_adagrad (dense gradients).
  for (size_t i = 0; i < params.size(); ++i) {
    Tensor p = params[i];
    Tensor grad = o.maximize() ? grads[i].neg() : grads[i];
    if (o.weight_decay() != 0) grad = grad.add(p, o.weight_decay());
    const double clr = o.lr() / (1 + static_cast<double>(steps[i] - 1) * o.lr_decay());
    sums[i].add_(grad.mul(1.0).mul_(grad));  // addcmul_(g, g, 1)
    Tensor std = sums[i].sqrt().add_(o.eps());
    p.add_(grad.mul(-clr).div_(std));  // addcdiv_(grad, std, -clr)
  }
}

}  // namespace ember::optim
