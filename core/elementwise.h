// Device-neutral front half of every point-wise op (Note [Meta, then impl]): PyTorch's type
// promotion, broadcasting, checks of devices and of `out`, casting of inputs, and the building of
// the ElementwiseIter that the CPU or CUDA kernel runs. Internal to Ember.
#pragma once

#include <initializer_list>
#include <string_view>

#include "ember/core/dispatch.h"
#include "ember/core/tensor.h"
#include "ember/core/tensor_iterator.h"

namespace ember::detail {

// A tensor or a plain number, as an op input.
struct Operand {
  Operand(const Tensor& t) : tensor(&t) {}                  // NOLINT: implicit
  Operand(const Scalar& s) : scalar(s), is_scalar(true) {}  // NOLINT: implicit
  const Tensor* tensor = nullptr;
  Scalar scalar;
  bool is_scalar = false;
};

// How an op types its inputs and result.
struct ElementwiseSpec {
  std::string_view name;
  // Integer and bool inputs are computed in the default float dtype (div, exp, sqrt, ...).
  bool int_to_float = false;
  // The result is bool (comparisons, logical ops).
  bool bool_result = false;
  // Refuse bool inputs (neg, sub), and refuse non-floating inputs (gelu, leaky_relu on ints).
  bool allow_bool = true;
  bool floating_only = false;
  // Inputs before this index keep their own dtype and must be bool (where's condition).
  int first_promoted = 0;
  // Compute in out's dtype whatever the inputs (fill_).
  bool compute_in_out_dtype = false;
};

// PyTorch's result type of a list of operands: dimensioned tensors outrank zero-dim tensors,
// which outrank numbers, unless a lower-ranked operand is of a higher category (bool < integer
// < floating), as in torch.result_type.
EMBER_API DType result_type(ArrayRef<Operand> operands);
// Whether a value of type `from` may be written into a tensor of type `to` by an op (no
// floating -> integer, no non-bool -> bool), as in torch.can_cast.
EMBER_API bool can_cast(DType from, DType to);

// Runs a point-wise op. `out` undefined: allocates the result. `out` defined (an `_out` form or
// an in-place op): checks its shape and dtype, writes into it and returns it.
EMBER_API Tensor run_elementwise(OpId op, const ElementwiseSpec& spec, const Tensor& out,
                                 std::initializer_list<Operand> inputs,
                                 const ElementwiseArgs& args = {});

// The iterator over tensors that already share one broadcast shape and device: operand 0 is the
// output. Used by copy kernels and by ops that build their own layouts.
EMBER_API ElementwiseIter make_elementwise_iter(std::initializer_list<const Tensor*> operands,
                                                std::string_view op_name);

// Allocates a tensor with the given geometry (contiguous) on the device.
EMBER_API Tensor empty_tensor(IntArrayRef sizes, DType dtype, Device device);

}  // namespace ember::detail
