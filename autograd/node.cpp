// Node bookkeeping and gradient accumulation at leaves.
#include "ember/autograd/node.h"

#include <atomic>

#include "ember/autograd/autograd_meta.h"
#include "ember/core/check.h"
#include "ember/core/grad_mode.h"
#include "ember/core/ops.h"

namespace ember::autograd {

namespace {
std::atomic<uint64_t> g_next_sequence_nr{0};
}

Node::Node() : sequence_nr_(g_next_sequence_nr.fetch_add(1, std::memory_order_relaxed)) {}

uint32_t Node::add_output(const Tensor& output) {
  output_metadata_.push_back(
      OutputMetadata{DimVector(output.sizes()), output.dtype(), output.device()});
  return static_cast<uint32_t>(output_metadata_.size() - 1);
}

AccumulateGrad::AccumulateGrad(const Tensor& leaf) : leaf_(leaf) {
  add_output(leaf);
}

variable_list AccumulateGrad::apply(variable_list&& grad_outputs) {
  Tensor grad = std::move(grad_outputs.at(0));
  AutogradMeta& meta = meta_of(leaf_);
  for (const TensorHook& hook : meta.leaf_hooks_) {
    Tensor replaced = hook(grad);
    if (replaced.defined()) grad = replaced;
  }
  if (!grad.defined()) return {};
  if (!meta.grad_.defined()) {
    // Keep the incoming gradient itself when nothing else can see or alias its memory (later
    // accumulations write into .grad in place); otherwise keep a private contiguous copy. Under
    // create_graph the gradient is part of a graph and is kept as it is.
    const bool exclusive = grad.use_count() == 1 && grad.storage().use_count() == 1 &&
                           grad.is_contiguous() && grad.storage_offset() == 0;
    meta.grad_ = GradMode::is_enabled() || exclusive ? grad : grad.clone();
  } else if (GradMode::is_enabled()) {
    meta.grad_ = meta.grad_ + grad;  // create_graph: keep the accumulation differentiable
  } else {
    meta.grad_.add_(grad);
  }
  for (const PostAccumulateHook& hook : meta.post_accumulate_hooks_) hook(leaf_);
  return {};
}

}  // namespace ember::autograd
