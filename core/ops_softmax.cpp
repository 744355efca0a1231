// softmax and log_softmax along any dim, and their backward: dtype handling (an optional dtype
// to compute in, floating inputs only), dim wrapping, output allocation, and the kernels' call
// on contiguous tensors (a zero-dim input is treated as one element along dim 0).
#include "ember/core/autograd_slots.h"
#include "ember/core/check.h"
#include "ember/core/dispatch.h"
#include "ember/core/elementwise.h"
#include "ember/core/nn_checks.h"
#include "ember/core/nn_ops.h"
#include "ember/core/shape_utils.h"

namespace ember {

namespace {

// A zero-dim tensor as [1]; others unchanged.
Tensor at_least_1d(const Tensor& t) {
  return t.dim() == 0 ? t.view({1}) : t;
}

Tensor run_softmax(OpId op, std::string_view name, const Tensor& input, int64_t dim,
                   std::optional<DType> dtype) {
  detail::nn_check_defined(name, "input", input);
  const Tensor x = dtype ? input.to(*dtype) : input;
  detail::nn_check_float(name, "input", x);
  const int64_t d = detail::wrap_dim(dim, x.dim(), name);
  Tensor out = detail::empty_tensor(x.sizes(), x.dtype(), x.device());
  if (out.numel() > 0) {
    lookup_kernel<SoftmaxKernel>(op, x.device())(at_least_1d(out), at_least_1d(x.contiguous()), d);
  }
  return out;
}

Tensor run_softmax_backward(OpId op, std::string_view name, const Tensor& grad_output,
                            const Tensor& output, int64_t dim) {
  detail::nn_check_float(name, "output", output);
  detail::nn_check_defined(name, "grad_output", grad_output);
  detail::nn_check_like(name, "output", output, "grad_output", grad_output);
  EMBER_CHECK(grad_output.sizes() == output.sizes(), Shape,
              "{}: grad_output {} and output {} have different shapes", name,
              detail::shape_string(grad_output.sizes()), detail::shape_string(output.sizes()));
  const int64_t d = detail::wrap_dim(dim, output.dim(), name);
  Tensor grad_input = detail::empty_tensor(output.sizes(), output.dtype(), output.device());
  if (grad_input.numel() > 0) {
    lookup_kernel<SoftmaxBackwardKernel>(op, output.device())(at_least_1d(grad_input),
                                                              at_least_1d(grad_output.contiguous()),
                                                              at_least_1d(output.contiguous()), d);
  }
  return grad_input;
}

}  // namespace

Tensor softmax(const Tensor& input, int64_t dim, std::optional<DType> dtype) {
  EMBER_AUTOGRAD(softmax, input, dim, dtype);
  return run_softmax(OpId::softmax, "softmax", input, dim, dtype);
}

Tensor log_softmax(const Tensor& input, int64_t dim, std::optional<DType> dtype) {
  EMBER_AUTOGRAD(log_softmax, input, dim, dtype);
  return run_softmax(OpId::log_softmax, "log_softmax", input, dim, dtype);
}

Tensor softmax_backward(const Tensor& grad_output, const Tensor& output, int64_t dim) {
  return run_softmax_backward(OpId::softmax_backward, "softmax_backward", grad_output, output, dim);
}

Tensor log_softmax_backward(const Tensor& grad_output, const Tensor& output, int64_t dim) {
  return run_softmax_backward(OpId::log_softmax_backward, "log_softmax_backward", grad_output,
                              output, dim);
}

}  // namespace ember
