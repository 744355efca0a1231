// Adadelta: options, their checks, and the step (fused row, or PyTorch's op-by-op rule).
#include "ember/optim/adadelta.h"

#include "ember/core/check.h"
#include "ember/core/factories.h"
#include "ember/core/ops.h"
#include "ember/optim/fused_step.h"

namespace ember::optim {

AdadeltaOptions::AdadeltaOptions(double lr) : lr_(lr) {}

std::unique_ptr<OptimizerOptions> AdadeltaOptions::clone() const {
  return std::make_unique<AdadeltaOptions>(*this);
}

void AdadeltaOptions::validate() const {
  EMBER_CHECK(lr_ >= 0, Value, "Adadelta: invalid lr {} (must be >= 0)", lr_);
  EMBER_CHECK(rho_ >= 0 && rho_ <= 1, Value, "Adadelta: invalid rho {} (must be in [0, 1])", rho_);
  EMBER_CHECK(eps_ >= 0, Value, "Adadelta: invalid eps {} (must be >= 0)", eps_);
  EMBER_CHECK(weight_decay_ >= 0, Value, "Adadelta: invalid weight_decay {} (must be >= 0)",
              weight_decay_);
}

void AdadeltaOptions::visit_fields(OptionVisitor& v) {
  v.visit("lr", lr_);
  v.visit("rho", rho_);
  v.visit("eps", eps_);
  v.visit("weight_decay", weight_decay_);
  v.visit("maximize", maximize_);
  v.visit("fused", fused_);
}

void AdadeltaParamState::visit_fields(StateVisitor& v) {
  v.visit("step", step_);
  v.visit("square_avg", square_avg_);
  v.visit("acc_delta", acc_delta_);
}

Adadelta::Adadelta(std::vector<Tensor> params, const AdadeltaOptions& defaults)
    : Adadelta(std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(params))}, defaults) {
}

Adadelta::Adadelta(std::vector<OptimizerParamGroup> param_groups, const AdadeltaOptions& defaults)
    : Optimizer(std::move(param_groups), defaults.clone()) {}

std::unique_ptr<OptimizerParamState> Adadelta::make_param_state() const {
  return std::make_unique<AdadeltaParamState>();
}

void Adadelta::step_group(OptimizerParamGroup& group) {
  const auto& o = static_cast<const AdadeltaOptions&>(group.options());
  const std::vector<Tensor> params = params_with_grad(group);
  if (params.empty()) return;
  std::vector<Tensor> grads, square_avgs, acc_deltas;
  for (const Tensor& p : params) {
    auto& st = param_state_as<AdadeltaParamState>(p);
    if (!st.square_avg().defined()) st.square_avg(zeros_like(p));
    if (!st.acc_delta().defined()) st.acc_delta(zeros_like(p));
    st.step(st.step() + 1);
    grads.push_back(p.grad());
    square_avgs.push_back(st.square_avg());
    acc_deltas.push_back(st.acc_delta());
  }

  if (o.fused()) {
    std::vector<Tensor> contiguous_grads;
    for (const Tensor& g : grads) contiguous_grads.push_back(g.contiguous());
    AdadeltaStepArgs args;
    args.lr = o.lr();
    args.rho = o.rho();
    args.eps = o.eps();
    args.weight_decay = o.weight_decay();
    args.maximize = o.maximize();
    if (detail::fused_adadelta_step(params, contiguous_grads, square_avgs, acc_deltas, args)) {
      return;
    }
  }

  // PyTorch 1.13, torch/optim/adadelta.py, _single_tensor_adadelta.
  const double rho = o.rho();
  for (size_t i = 0; i < params.size(); ++i) {
    Tensor p = params[i];
    Tensor grad = o.maximize() ? grads[i].neg() : grads[i];
    if (o.weight_decay() != 0) grad = grad.add(p, o.weight_decay());
    square_avgs[i].mul_(rho).add_(grad.mul(1 - rho).mul_(grad));  // addcmul_(g, g, 1 - rho)
    Tensor std = square_avgs[i].add(o.eps()).sqrt_();
    Tensor delta = acc_deltas[i].add(o.eps()).sqrt_().div_(std).mul_(grad);
    acc_deltas[i].mul_(rho).add_(delta.mul(1 - rho).mul_(delta));  // addcmul_(d, d, 1 - rho)
    p.add_(delta, -o.lr());
  }
}

}  // namespace ember::optim
