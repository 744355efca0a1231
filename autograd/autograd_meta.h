// AutogradMeta: the autograd state of one tensor (whether it requires grad, its accumulated
// gradient). Only tensors that autograd tracks carry one.
#pragma once

#include "ember/core/tensor.h"

namespace ember::autograd {

class EMBER_API AutogradMeta final : public AutogradMetaInterface {
 public:
  bool requires_grad() const override { return requires_grad_; }

  bool requires_grad_ = false;
  Tensor grad_;
};

// The meta of a tensor, created on first use.
EMBER_API AutogradMeta& meta_of(const Tensor& t);
// The meta of a tensor, or null when it has none.
EMBER_API AutogradMeta* meta_if_any(const Tensor& t);

}  // namespace ember::autograd
