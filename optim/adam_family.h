// The step shared by Adam and AdamW (internal to optim/): lazily created state, the fused
// adam_step row when the group allows it, else PyTorch 1.13's op-by-op rule.
#pragma once

#include <functional>
#include <string_view>
#include <vector>

#include "ember/core/kernel_signatures.h"
#include "ember/optim/adam.h"

namespace ember::optim::detail {

// Updates params (all with gradients); state_of returns each one's state (created empty on first
// use). args.decoupled_weight_decay selects AdamW.
void adam_family_step(const std::vector<Tensor>& params,
                      const std::function<AdamParamState&(const Tensor&)>& state_of,
                      const AdamStepArgs& args, bool fused);

// Checks Adam/AdamW options, naming the optimizer in errors.
void check_adam_options(std::string_view optimizer, double lr, double beta1, double beta2,
                        double eps, double weight_decay);

}  // namespace ember::optim::detail
