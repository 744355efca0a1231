// SGD: options, their checks, and the step (fused row, or PyTorch's op-by-op rule).
#include "ember/optim/sgd.h"

#include "ember/core/check.h"
#include "ember/core/factories.h"
#include "ember/optim/fused_step.h"

namespace ember::optim {

SGDOptions::SGDOptions(double lr) : lr_(lr) {}

std::unique_ptr<OptimizerOptions> SGDOptions::clone() const {
  return std::make_unique<SGDOptions>(*this);
}

void SGDOptions::validate() const {
  EMBER_CHECK(lr_ >= 0, Value, "SGD: invalid lr {} (must be >= 0)", lr_);
  EMBER_CHECK(momentum_ >= 0, Value, "SGD: invalid momentum {} (must be >= 0)", momentum_);
  EMBER_CHECK(weight_decay_ >= 0, Value, "SGD: invalid weight_decay {} (must be >= 0)",
              weight_decay_);
  EMBER_CHECK(!nesterov_ || (momentum_ > 0 && dampening_ == 0), Value,
              "SGD: nesterov needs momentum > 0 and dampening 0 (got momentum {}, dampening {})",
              momentum_, dampening_);
}

void SGDOptions::visit_fields(OptionVisitor& v) {
  v.visit("lr", lr_);
  v.visit("momentum", momentum_);
  v.visit("dampening", dampening_);
  v.visit("weight_decay", weight_decay_);
  v.visit("nesterov", nesterov_);
  v.visit("maximize", maximize_);
  v.visit("fused", fused_);
}

void SGDParamState::visit_fields(StateVisitor& v) {
  v.visit("momentum_buffer", momentum_buffer_);
}

SGD::SGD(std::vector<Tensor> params, const SGDOptions& defaults)
    : SGD(std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(params))}, defaults) {}

SGD::SGD(std::vector<OptimizerParamGroup> param_groups, const SGDOptions& defaults)
    : Optimizer(std::move(param_groups), defaults.clone()) {}

std::unique_ptr<OptimizerParamState> SGD::make_param_state() const {
  return std::make_unique<SGDParamState>();
}

void SGD::step_group(OptimizerParamGroup& group) {
  const auto& o = static_cast<const SGDOptions&>(group.options());
  const std::vector<Tensor> params = params_with_grad(group);
  if (params.empty()) return;
  const bool use_momentum = o.momentum() != 0;
  std::vector<Tensor> grads, buffers;
  std::vector<int64_t> steps;  // 1: the momentum buffer is new and takes the gradient as is
  for (const Tensor& p : params) {
    grads.push_back(p.grad());
    if (use_momentum) {
      Tensor& buf = param_state_as<SGDParamState>(p).momentum_buffer();
      steps.push_back(buf.defined() ? 2 : 1);
      if (!buf.defined()) buf = empty_like(p);
      buffers.push_back(buf);
    }
  }

  if (o.fused()) {
    std::vector<Tensor> contiguous_grads;
    for (const Tensor& g : grads) contiguous_grads.push_back(g.contiguous());
    SgdStepArgs args;
    args.lr = o.lr();
    args.momentum = o.momentum();
    args.dampening = o.dampening();
    args.weight_decay = o.weight_decay();
    args.nesterov = o.nesterov();
    args.maximize = o.maximize();
    if (detail::fused_sgd_step(params, contiguous_grads, buffers, steps, args)) return;
  }

  // PyTorch 1.13, torch/optim/sgd.py, _single_tensor_sgd.
  for (size_t i = 0; i < params.size(); ++i) {
    Tensor p = params[i];
    Tensor d_p = o.maximize() ? grads[i].neg() : grads[i];
    if (o.weight_decay() != 0) d_p = d_p.add(p, o.weight_decay());
    if (use_momentum) {
      Tensor& buf = buffers[i];
      if (steps[i] == 1) {
        buf.copy_(d_p);
      } else {
        buf.mul_(o.momentum()).add_(d_p, 1 - o.dampening());
      }
      d_p = o.nesterov() ? d_p.add(buf, o.momentum()) : buf;
    }
    p.add_(d_p, -o.lr());
  }
}

}  // namespace ember::optim
