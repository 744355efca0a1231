// Front half of the fused optimizer rows: checks that one call can take the tensors, looks up
// the row of their device, runs it and bumps the version counters of what it wrote.
//
// Note [Fused optimizer steps]
// An op-by-op Adam step reads and writes each parameter-sized tensor five or six times and, on a
// GPU, launches a dozen kernels per parameter. A fused row updates a whole list of parameters in
// one call: each element's update (kernels/optimizer_math.h) reads the parameter, its gradient
// and its state once and writes them once. A CUDA row launches one kernel over the list (chunks
// of every tensor described in the launch arguments), with no host synchronisation: the only
// per-parameter scalars are derived from step counts that live on the host. The optimizers call
// these front halves when their group's `fused` option is on and every tensor of the step is on
// one device that has the row, contiguous and of one float32/float64 dtype; otherwise they run
// PyTorch's op-by-op rule, which the fused math matches within float rounding.
#include "ember/optim/fused_step.h"

#include "ember/core/dispatch.h"

namespace ember::optim::detail {
namespace {

void bump_versions(std::initializer_list<TensorList> lists) {
  for (TensorList list : lists) {
    for (const Tensor& t : list) t.impl()->bump_version();
  }
}

// lists: params, grads, then state lists (which may be empty when unused).
bool fusable(OpId op, std::initializer_list<TensorList> lists) {
  if (lists.size() < 2 || lists.begin()[1].size() != lists.begin()[0].size()) return false;
  if (!can_fuse(lists)) return false;
  return has_kernel(op, lists.begin()->front().device().type());
}

}  // namespace

bool can_fuse(std::initializer_list<TensorList> lists) {
  if (lists.size() == 0) return false;
  const TensorList params = *lists.begin();
  if (params.empty()) return false;
  const Tensor& first = params[0];
  if (!first.defined()) return false;
  const DType dtype = first.dtype();
  const Device device = first.device();
  if (dtype != kFloat32 && dtype != kFloat64) return false;
  for (TensorList list : lists) {
    if (list.empty()) continue;
    if (list.size() != params.size()) return false;
    for (size_t i = 0; i < list.size(); ++i) {
      const Tensor& t = list[i];
      if (!t.defined() || !params[i].defined()) return false;
      if (t.dtype() != dtype || t.device() != device || !t.is_contiguous()) return false;
      if (t.sizes() != params[i].sizes()) return false;
    }
  }
  return true;
}

bool fused_sgd_step(TensorList params, TensorList grads, TensorList momentum_buffers,
                    ArrayRef<int64_t> steps, const SgdStepArgs& args) {
  if (!fusable(OpId::sgd_step, {params, grads, momentum_buffers})) return false;
  if (args.momentum != 0 && momentum_buffers.size() != params.size()) return false;
  if (!steps.empty() && steps.size() != params.size()) return false;
  kernel_for<OpId::sgd_step>(params[0].device())(params, grads, momentum_buffers, steps, args);
  bump_versions({params, momentum_buffers});
  return true;
}

bool fused_adam_step(TensorList params, TensorList grads, TensorList exp_avgs,
                     TensorList exp_avg_sqs, TensorList max_exp_avg_sqs, ArrayRef<int64_t> steps,
                     const AdamStepArgs& args) {
  if (!fusable(OpId::adam_step, {params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs})) {
    return false;
  }
  if (exp_avgs.size() != params.size() || exp_avg_sqs.size() != params.size() ||
      steps.size() != params.size() || (args.amsgrad && max_exp_avg_sqs.size() != params.size())) {
    return false;
  }
  kernel_for<OpId::adam_step>(params[0].device())(params, grads, exp_avgs, exp_avg_sqs,
                                                  max_exp_avg_sqs, steps, args);
  bump_versions({params, exp_avgs, exp_avg_sqs, max_exp_avg_sqs});
  return true;
}

bool fused_rmsprop_step(TensorList params, TensorList grads, TensorList square_avgs,
                        TensorList grad_avgs, TensorList momentum_buffers,
                        const RmspropStepArgs& args) {
  if (!fusable(OpId::rmsprop_step, {params, grads, square_avgs, grad_avgs, momentum_buffers})) {
    return false;
  }
  if (square_avgs.size() != params.size() || (args.centered && grad_avgs.size() != params.size()) ||
      (args.momentum > 0 && momentum_buffers.size() != params.size())) {
    return false;
  }
  kernel_for<OpId::rmsprop_step>(params[0].device())(params, grads, square_avgs, grad_avgs,
                                                     momentum_buffers, args);
  bump_versions({params, square_avgs, grad_avgs, momentum_buffers});
  return true;
}

bool fused_adagrad_step(TensorList params, TensorList grads, TensorList state_sums,
                        ArrayRef<int64_t> steps, const AdagradStepArgs& args) {
  if (!fusable(OpId::adagrad_step, {params, grads, state_sums})) return false;
  if (state_sums.size() != params.size() || steps.size() != params.size()) return false;
  kernel_for<OpId::adagrad_step>(params[0].device())(params, grads, state_sums, steps, args);
  bump_versions({params, state_sums});
  return true;
}

bool fused_adadelta_step(TensorList params, TensorList grads, TensorList square_avgs,
                         TensorList acc_deltas, const AdadeltaStepArgs& args) {
  if (!fusable(OpId::adadelta_step, {params, grads, square_avgs, acc_deltas})) return false;
  if (square_avgs.size() != params.size() || acc_deltas.size() != params.size()) return false;
  kernel_for<OpId::adadelta_step>(params[0].device())(params, grads, square_avgs, acc_deltas, args);
  bump_versions({params, square_avgs, acc_deltas});
  return true;
}

}  // namespace ember::optim::detail
