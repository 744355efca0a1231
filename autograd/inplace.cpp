// The autograd wrapper shared by every in-place op (Note [In-place ops and autograd] in
// core/autograd_slots.h): refuse leaves and views, replay the op out of place on a copy of
// self's old value, write the result into self and rebase self's history onto it.
#include "ember/autograd/autograd_meta.h"
#include "ember/autograd/register_formula.h"
#include "ember/core/check.h"
#include "ember/core/ops.h"

namespace ember::autograd {
namespace {

Tensor& inplace_fn(Tensor& self, const std::function<Tensor(const Tensor&)>& out_of_place,
                   std::string_view op) {
  EMBER_CHECK(!(self.is_leaf() && self.requires_grad()), Autograd,
              "{}: a leaf tensor that requires grad is being used in an in-place operation. "
              "Modify it under NoGradGuard (as optimizers do) or use the out-of-place op",
              op);
  EMBER_CHECK(!self.impl()->is_view(), Autograd,
              "{}: in-place modification of a view while autograd records is not supported "
              "(its base would not see the new history); clone() the view or use an "
              "out-of-place op",
              op);
  // The formula may save self's old value: give it a copy that the write below cannot change.
  Tensor old_self = self.clone();
  Tensor result = out_of_place(old_self);
  if (result.dtype() != self.dtype()) result = result.to(self.dtype());
  {
    NoGradGuard no_grad;
    self.copy_(result);
  }
  AutogradMeta& meta = meta_of(self);
  if (AutogradMeta* rm = meta_if_any(result); rm && rm->grad_fn_) {
    meta.grad_fn_ = rm->grad_fn_;
    meta.output_nr_ = rm->output_nr_;
  } else {
    meta.grad_fn_.reset();
  }
  return self;
}

}  // namespace

EMBER_REGISTER_FORMULA(inplace, inplace_fn);

}  // namespace ember::autograd
