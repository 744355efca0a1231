// A tensor's autograd metadata and its gradient edge.
#include "ember/autograd/autograd_meta.h"

#include "ember/core/check.h"

namespace ember::autograd {

AutogradMeta& meta_of(const Tensor& t) {
  TensorImpl* impl = t.impl();
  if (!impl->autograd_meta()) impl->set_autograd_meta(std::make_unique<AutogradMeta>());
  return *static_cast<AutogradMeta*>(impl->autograd_meta());
}

AutogradMeta* meta_if_any(const Tensor& t) {
  return t.defined() ? static_cast<AutogradMeta*>(t.impl()->autograd_meta()) : nullptr;
}

std::shared_ptr<Node> grad_accumulator(const Tensor& leaf) {
  AutogradMeta& meta = meta_of(leaf);
  if (auto existing = meta.grad_accumulator_.lock()) return existing;
  auto acc = std::make_shared<AccumulateGrad>(leaf);
  meta.grad_accumulator_ = acc;
  return acc;
}

Edge gradient_edge(const Tensor& t) {
  AutogradMeta* meta = meta_if_any(t);
  if (!meta) return {};
  if (meta->grad_fn_) return Edge{meta->grad_fn_, meta->output_nr_};
  if (meta->requires_grad_) return Edge{grad_accumulator(t), 0};
  return {};
}

void set_history(const Tensor& output, const std::shared_ptr<Node>& fn) {
  AutogradMeta& meta = meta_of(output);
  meta.grad_fn_ = fn;
  meta.output_nr_ = fn->add_output(output);
}

}  // namespace ember::autograd
