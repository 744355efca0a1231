// AutogradMeta: the autograd state of one tensor: whether it requires grad, its accumulated
// gradient (leaves), the Node that produced it (non-leaves), hooks. Plain tensors carry none.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "ember/autograd/node.h"
#include "ember/core/tensor.h"

namespace ember::autograd {

// A tensor hook: sees the gradient of the tensor and may return a replacement (or undefined to
// keep it).
using TensorHook = std::function<Tensor(const Tensor&)>;
// A leaf hook that runs after the gradient was accumulated into .grad.
using PostAccumulateHook = std::function<void(const Tensor&)>;

class EMBER_API AutogradMeta final : public AutogradMetaInterface {
 public:
  bool requires_grad() const override { return requires_grad_ || grad_fn_ != nullptr; }

  bool requires_grad_ = false;  // set by users on leaves
  Tensor grad_;
  std::shared_ptr<Node> grad_fn_;
  std::weak_ptr<Node> grad_accumulator_;
  uint32_t output_nr_ = 0;
  bool retains_grad_ = false;
  // Non-leaves that retain grad: the gradient, in a cell the producer's hook shares (the hook may
  // outlive this tensor).
  std::shared_ptr<Tensor> retained_grad_;
  bool is_view_ = false;
  std::vector<TensorHook> leaf_hooks_;
  std::vector<PostAccumulateHook> post_accumulate_hooks_;
};

// The meta of a tensor, created on first use.
EMBER_API AutogradMeta& meta_of(const Tensor& t);
// The meta of a tensor, or null when it has none.
EMBER_API AutogradMeta* meta_if_any(const Tensor& t);

// The edge a gradient of t flows into: its grad_fn (non-leaf), its grad accumulator (leaf that
// requires grad), or an invalid edge (t needs no gradient).
EMBER_API Edge gradient_edge(const Tensor& t);
// The accumulator node of a leaf that requires grad (created on first use, shared after).
EMBER_API std::shared_ptr<Node> grad_accumulator(const Tensor& leaf);
// Makes `fn` the producer of `output` (as fn's next output).
EMBER_API void set_history(const Tensor& output, const std::shared_ptr<Node>& fn);

}  // namespace ember::autograd
