// Creation of a tensor's autograd metadata, and requires_grad_.
#include "ember/autograd/autograd_meta.h"

#include "ember/core/check.h"

namespace ember {
namespace autograd {

AutogradMeta& meta_of(const Tensor& t) {
  TensorImpl* impl = t.impl();
  if (!impl->autograd_meta()) impl->set_autograd_meta(std::make_unique<AutogradMeta>());
  return *static_cast<AutogradMeta*>(impl->autograd_meta());
}

AutogradMeta* meta_if_any(const Tensor& t) {
  return static_cast<AutogradMeta*>(t.impl()->autograd_meta());
}

}  // namespace autograd

Tensor& Tensor::requires_grad_(bool requires_grad) {
  EMBER_CHECK(defined(), Value, "requires_grad_: the tensor is undefined");
  EMBER_CHECK(!requires_grad || is_floating_point(), DType,
              "requires_grad_: only tensors of floating point dtype can require gradients, got {}",
              dtype_name(dtype()));
  autograd::meta_of(*this).requires_grad_ = requires_grad;
  return *this;
}

}  // namespace ember
