// Tensor's autograd methods: grad, grad_fn, is_leaf, retain_grad, detach, backward and hooks.
#include "ember/autograd/autograd_meta.h"
#include "ember/autograd/engine.h"
#include "ember/core/check.h"

namespace ember {

using autograd::meta_if_any;
using autograd::meta_of;

namespace {
const Tensor& undefined_tensor() {
  static const Tensor* t = new Tensor();
  return *t;
}
}  // namespace

Tensor& Tensor::requires_grad_(bool requires_grad) {
  EMBER_CHECK(defined(), Value, "requires_grad_: the tensor is undefined");
  EMBER_CHECK(!requires_grad || is_floating_point(), DType,
              "requires_grad_: only tensors of floating point dtype can require gradients, got {}",
              dtype_name(dtype()));
  autograd::AutogradMeta* meta = meta_if_any(*this);
  EMBER_CHECK(requires_grad || !meta || !meta->grad_fn_, Autograd,
              "requires_grad_: you can only change requires_grad of leaf tensors; use .detach() "
              "to get a tensor that does not require grad");
  if (!requires_grad && !meta) return *this;
  meta_of(*this).requires_grad_ = requires_grad;
  return *this;
}

const Tensor& Tensor::grad() const {
  const autograd::AutogradMeta* m = meta_if_any(*this);
  if (!m) return undefined_tensor();
  if (m->retained_grad_) return *m->retained_grad_;
  return m->grad_;
}

Tensor& Tensor::mutable_grad() {
  return meta_of(*this).grad_;
}

std::shared_ptr<autograd::Node> Tensor::grad_fn() const {
  const autograd::AutogradMeta* m = meta_if_any(*this);
  return m ? m->grad_fn_ : nullptr;
}

bool Tensor::is_leaf() const {
  return grad_fn() == nullptr;
}

uint32_t Tensor::output_nr() const {
  const autograd::AutogradMeta* m = meta_if_any(*this);
  return m ? m->output_nr_ : 0;
}

void Tensor::retain_grad() const {
  EMBER_CHECK(requires_grad(), Autograd,
              "retain_grad: can't retain_grad on a tensor that has requires_grad=false");
  if (is_leaf()) return;  // leaves keep their gradient anyway
  autograd::AutogradMeta& m = meta_of(*this);
  if (m.retains_grad_) return;
  m.retains_grad_ = true;
  m.retained_grad_ = std::make_shared<Tensor>();
  // A pre-hook on the producer stores the incoming gradient of this output in the shared cell.
  const uint32_t nr = m.output_nr_;
  m.grad_fn_->add_pre_hook([cell = m.retained_grad_, nr](autograd::variable_list grads) {
    const Tensor& g = grads.at(nr);
    if (g.defined()) *cell = cell->defined() ? *cell + g : g.clone();
    return grads;
  });
}

bool Tensor::retains_grad() const {
  const autograd::AutogradMeta* m = meta_if_any(*this);
  return m && m->retains_grad_;
}

Tensor Tensor::detach() const {
  return Tensor(
      make_intrusive<TensorImpl>(storage(), dtype(), sizes(), strides(), storage_offset()));
}

Tensor& Tensor::detach_() {
  if (autograd::AutogradMeta* m = meta_if_any(*this)) {
    m->grad_fn_.reset();
    m->requires_grad_ = false;
    m->output_nr_ = 0;
  }
  return *this;
}

void Tensor::backward(const Tensor& gradient, std::optional<bool> retain_graph, bool create_graph,
                      const std::vector<Tensor>& inputs) const {
  autograd::backward({*this},
                     gradient.defined() ? std::vector<Tensor>{gradient} : std::vector<Tensor>{},
                     retain_graph, create_graph, inputs);
}

void Tensor::register_hook(std::function<Tensor(const Tensor&)> hook) const {
  EMBER_CHECK(requires_grad(), Autograd,
              "register_hook: cannot register a hook on a tensor that doesn't require gradient");
  autograd::AutogradMeta& m = meta_of(*this);
  if (!m.grad_fn_) {
    m.leaf_hooks_.push_back(std::move(hook));
    return;
  }
  const uint32_t nr = m.output_nr_;
  m.grad_fn_->add_pre_hook([nr, hook = std::move(hook)](autograd::variable_list grads) {
    if (grads.at(nr).defined()) {
      Tensor replaced = hook(grads[nr]);
      if (replaced.defined()) grads[nr] = std::move(replaced);
    }
    return grads;
  });
}

void Tensor::register_post_accumulate_grad_hook(std::function<void(const Tensor&)> hook) const {
  EMBER_CHECK(is_leaf() && requires_grad(), Autograd,
              "register_post_accumulate_grad_hook: only leaf tensors that require grad can have "
              "post-accumulate-grad hooks");
  meta_of(*this).post_accumulate_hooks_.push_back(std::move(hook));
}

}  // namespace ember
