// The device-neutral front half of the fused optimizer rows (sgd_step, adam_step, rmsprop_step,
// adagrad_step, adadelta_step): each function checks that one kernel call can update all the
// given tensors and, if so, runs the row of their device and returns true; otherwise it changes
// nothing and returns false, and the optimizer runs its op-by-op rule. Internal to optim/ (and
// its tests); not part of the umbrella header.
#pragma once

#include <cstdint>

#include "ember/core/kernel_signatures.h"
#include "ember/core/tensor.h"

namespace ember::optim::detail {

// True when the tensors can go to one fused call: every list empty or as long as params, every
// tensor defined and contiguous, of params[0]'s dtype (float32 or float64) and device, with its
// parameter's sizes. Grads are read only: the callers pass grad.contiguous().
EMBER_API bool can_fuse(std::initializer_list<TensorList> lists);

EMBER_API bool fused_sgd_step(TensorList params, TensorList grads, TensorList momentum_buffers,
                              ArrayRef<int64_t> steps, const SgdStepArgs& args);
EMBER_API bool fused_adam_step(TensorList params, TensorList grads, TensorList exp_avgs,
                               TensorList exp_avg_sqs, TensorList max_exp_avg_sqs,
                               ArrayRef<int64_t> steps, const AdamStepArgs& args);
EMBER_API bool fused_rmsprop_step(TensorList params, TensorList grads, TensorList square_avgs,
                                  TensorList grad_avgs, TensorList momentum_buffers,
                                  const RmspropStepArgs& args);
EMBER_API bool fused_adagrad_step(TensorList params, TensorList grads, TensorList state_sums,
                                  ArrayRef<int64_t> steps, const AdagradStepArgs& args);
EMBER_API bool fused_adadelta_step(TensorList params, TensorList grads, TensorList square_avgs,
                                   TensorList acc_deltas, const AdadeltaStepArgs& args);

}  // namespace ember::optim::detail
