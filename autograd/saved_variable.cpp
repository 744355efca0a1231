// Saving and unpacking tensors for backward, with the version-counter check.
#include "ember/autograd/saved_variable.h"

#include "ember/autograd/autograd_meta.h"
#include "ember/core/check.h"

namespace ember::autograd {

namespace {
// A new tensor over the same storage and geometry, with no autograd state.
Tensor alias_without_meta(const Tensor& t) {
  return Tensor(make_intrusive<TensorImpl>(t.storage(), t.dtype(), t.sizes(), t.strides(),
                                           t.storage_offset()));
}
}  // namespace

SavedVariable::SavedVariable(const Tensor& t, bool is_output)
    : was_defined_(t.defined()), is_output_(is_output) {
  if (!t.defined()) return;
  saved_version_ = t.version();
  if (is_output) {
    data_ = alias_without_meta(t);
    if (AutogradMeta* m = meta_if_any(t)) {
      grad_fn_ = m->grad_fn_;
      output_nr_ = m->output_nr_;
    }
  } else {
    data_ = t;
  }
}

Tensor SavedVariable::unpack(const Node& node) const {
  if (!was_defined_) return Tensor();
  EMBER_CHECK(!released_, Autograd,
              "{}: trying to backward through the graph a second time (or to read saved tensors "
              "after they were freed). Pass retain_graph=true to the first backward() or "
              "autograd::grad() call if you need to backward twice",
              node.name());
  EMBER_CHECK(data_.version() == saved_version_, Autograd,
              "{}: one of the tensors needed for gradient computation has been modified by an "
              "in-place operation: {} {} is at version {}; expected version {} instead. Use an "
              "out-of-place op (or .clone()) before modifying it",
              node.name(), dtype_name(data_.dtype()), data_.shape_str(), data_.version(),
              saved_version_);
  if (!is_output_) return data_;
  std::shared_ptr<Node> fn = grad_fn_.lock();
  if (!fn) return data_;
  // Re-attach the output to its node so that double backward flows through it.
  Tensor t = alias_without_meta(data_);
  AutogradMeta& m = meta_of(t);
  m.grad_fn_ = std::move(fn);
  m.output_nr_ = output_nr_;
  return t;
}

void SavedVariable::release() {
  data_ = Tensor();
  released_ = true;
}

}  // namespace ember::autograd
