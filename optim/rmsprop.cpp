// RMSprop: options, their checks, and the step (fused row, or PyTorch's op-by-op rule).
#include "ember/optim/rmsprop.h"

#include "ember/core/check.h"
#include "ember/core/factories.h"
#include "ember/core/ops.h"
#include "ember/optim/fused_step.h"

namespace ember::optim {

RMSpropOptions::RMSpropOptions(double lr) : lr_(lr) {}

std::unique_ptr<OptimizerOptions> RMSpropOptions::clone() const {
  return std::make_unique<RMSpropOptions>(*this);
}

void RMSpropOptions::validate() const {
  EMBER_CHECK(lr_ >= 0, Value, "RMSprop: invalid lr {} (must be >= 0)", lr_);
  EMBER_CHECK(eps_ >= 0, Value, "RMSprop: invalid eps {} (must be >= 0)", eps_);
  EMBER_CHECK(momentum_ >= 0, Value, "RMSprop: invalid momentum {} (must be >= 0)", momentum_);
  EMBER_CHECK(weight_decay_ >= 0, Value, "RMSprop: invalid weight_decay {} (must be >= 0)",
              weight_decay_);
  EMBER_CHECK(alpha_ >= 0, Value, "RMSprop: invalid alpha {} (must be >= 0)", alpha_);
}

void RMSpropOptions::visit_fields(OptionVisitor& v) {
  v.visit("lr", lr_);
  v.visit("alpha", alpha_);
  v.visit("eps", eps_);
  v.visit("weight_decay", weight_decay_);
  v.visit("momentum", momentum_);
  v.visit("centered", centered_);
  v.visit("maximize", maximize_);
  v.visit("fused", fused_);
}

void RMSpropParamState::visit_fields(StateVisitor& v) {
  v.visit("step", step_);
  v.visit("square_avg", square_avg_);
  v.visit("momentum_buffer", momentum_buffer_);
  v.visit("grad_avg", grad_avg_);
}

RMSprop::RMSprop(std::vector<Tensor> params, const RMSpropOptions& defaults)
    : RMSprop(std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(params))}, defaults) {}

RMSprop::RMSprop(std::vector<OptimizerParamGroup> param_groups, const RMSpropOptions& defaults)
    : Optimizer(std::move(param_groups), defaults.clone()) {}

std::unique_ptr<OptimizerParamState> RMSprop::make_param_state() const {
  return std::make_unique<RMSpropParamState>();
}

void RMSprop::step_group(OptimizerParamGroup& group) {
  const auto& o = static_cast<const RMSpropOptions&>(group.options());
  const std::vector<Tensor> params = params_with_grad(group);
  if (params.empty()) return;
  const bool use_momentum = o.momentum() > 0;
  std::vector<Tensor> grads, square_avgs, grad_avgs, buffers;
  for (const Tensor& p : params) {
    auto& st = param_state_as<RMSpropParamState>(p);
    if (!st.square_avg().defined()) st.square_avg(zeros_like(p));
    if (use_momentum && !st.momentum_buffer().defined()) st.momentum_buffer(zeros_like(p));
    if (o.centered() && !st.grad_avg().defined()) st.grad_avg(zeros_like(p));
    st.step(st.step() + 1);
    grads.push_back(p.grad());
    square_avgs.push_back(st.square_avg());
    if (use_momentum) buffers.push_back(st.momentum_buffer());
    if (o.centered()) grad_avgs.push_back(st.grad_avg());
  }

  if (o.fused()) {
    std::vector<Tensor> contiguous_grads;
    for (const Tensor& g : grads) contiguous_grads.push_back(g.contiguous());
    RmspropStepArgs args;
    args.lr = o.lr();
    args.alpha = o.alpha();
    args.eps = o.eps();
    args.weight_decay = o.weight_decay();
    args.momentum = o.momentum();
    args.centered = o.centered();
    args.maximize = o.maximize();
    if (detail::fused_rmsprop_step(params, contiguous_grads, square_avgs, grad_avgs, buffers,
                                   args)) {
      return;
    }
  }

  // PyTorch 1.13, torch/optim/rmsprop.py, _single_tensor_rmsprop.
  const double alpha = o.alpha();
  for (size_t i = 0; i < params.size(); ++i) {
    Tensor p = params[i];
    Tensor grad = o.maximize() ? grads[i].neg() : grads[i];
    if (o.weight_decay() != 0) grad = grad.add(p, o.weight_decay());
    Tensor& square_avg = square_avgs[i];
    square_avg.mul_(alpha).add_(grad.mul(1 - alpha).mul_(grad));  // addcmul_(g, g, 1 - alpha)
    Tensor avg;
    if (o.centered()) {
      Tensor& grad_avg = grad_avgs[i];
      grad_avg.mul_(alpha).add_(grad, 1 - alpha);
      avg = square_avg.add(grad_avg.mul(-1.0).mul_(grad_avg)).sqrt();  // addcmul(ga, ga, -1)
    } else {
      avg = square_avg.sqrt();
    }
    avg.add_(o.eps());
    if (use_momentum) {
      Tensor& buf = buffers[i];
      buf.mul_(o.momentum()).add_(grad.mul(1.0).div_(avg));  // addcdiv_(grad, avg)
      p.add_(buf, -o.lr());
    } else {
      p.add_(grad.mul(-o.lr()).div_(avg));  // addcdiv_(grad, avg, -lr)
    }
  }
}

}  // namespace ember::optim
