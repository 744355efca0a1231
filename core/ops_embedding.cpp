// embedding and its backward: checks of the weight table and the integer indices, the output's
// allocation, and the kernels' call on a flat list of int64 indices (the kernels check each
// index against the table's size).
#include "ember/core/autograd_slots.h"
#include "ember/core/check.h"
#include "ember/core/dispatch.h"
#include "ember/core/elementwise.h"
#include "ember/core/nn_checks.h"
#include "ember/core/nn_ops.h"
#include "ember/core/shape_utils.h"

namespace ember {

namespace {

using detail::shape_string;

// Indices as a contiguous 1-D int64 tensor.
Tensor flat_indices(std::string_view op, const Tensor& indices) {
  detail::nn_check_defined(op, "indices", indices);
  EMBER_CHECK(indices.dtype() == kInt64 || indices.dtype() == kInt32, DType,
              "{}: indices must be int64 or int32, got {}", op, dtype_name(indices.dtype()));
  return indices.to(kInt64).contiguous().view({indices.numel()});
}

// padding_idx in [-num, num) as a row in [0, num), or -1 for none.
int64_t padding_row(std::string_view op, std::optional<int64_t> padding_idx, int64_t num) {
  if (!padding_idx) return -1;
  const int64_t p = *padding_idx;
  EMBER_CHECK(p >= -num && p < num, Index,
              "{}: padding_idx {} is out of range for {} embeddings (expected in [{}, {}])", op, p,
              num, -num, num - 1);
  return p < 0 ? p + num : p;
}

}  // namespace

Tensor embedding(const Tensor& weight, const Tensor& indices, std::optional<int64_t> padding_idx) {
  EMBER_AUTOGRAD(embedding, weight, indices, padding_idx);
  detail::nn_check_defined("embedding", "weight", weight);
  EMBER_CHECK(weight.dim() == 2, Shape, "embedding: expected a 2-D weight [num, dim], got {}",
              shape_string(weight.sizes()));
  EMBER_CHECK(is_floating_point(weight.dtype()), DType,
              "embedding: expected a floating weight, got {}", dtype_name(weight.dtype()));
  EMBER_CHECK(indices.defined() && indices.device() == weight.device(), Device,
              "embedding: indices must be on the weight's device {}", weight.device().str());
  padding_row("embedding", padding_idx, weight.size(0));
  const Tensor flat = flat_indices("embedding", indices);
  Tensor out =
      detail::empty_tensor({flat.numel(), weight.size(1)}, weight.dtype(), weight.device());
  if (out.numel() > 0) kernel_for<OpId::embedding>(weight.device())(out, weight.contiguous(), flat);
  DimVector shape(indices.sizes().begin(), indices.sizes().end());
  shape.push_back(weight.size(1));
  return out.view(shape);
}

Tensor embedding_backward(const Tensor& grad_output, const Tensor& indices, int64_t num_weights,
                          std::optional<int64_t> padding_idx) {
  constexpr std::string_view op = "embedding_backward";
  detail::nn_check_float(op, "grad_output", grad_output);
  EMBER_CHECK(num_weights >= 0, Value, "{}: num_weights must be non-negative, got {}", op,
              num_weights);
  const Tensor flat = flat_indices(op, indices);
  EMBER_CHECK(indices.device() == grad_output.device(), Device,
              "{}: indices are on {} but grad_output is on {}", op, indices.device().str(),
              grad_output.device().str());
  EMBER_CHECK(grad_output.dim() == indices.dim() + 1 &&
                  grad_output.sizes().slice(0, indices.dim()) == indices.sizes(),
              Shape, "{}: grad_output {} does not match indices {} (expected [*indices, dim])", op,
              shape_string(grad_output.sizes()), shape_string(indices.sizes()));
  const int64_t pad = padding_row(op, padding_idx, num_weights);
  const int64_t dim = grad_output.size(-1);
  Tensor grad_weight =
      detail::empty_tensor({num_weights, dim}, grad_output.dtype(), grad_output.device());
  kernel_for<OpId::embedding_backward>(grad_output.device())(
      grad_weight, grad_output.contiguous().view({flat.numel(), dim}), flat, pad);
  return grad_weight;
}

}  // namespace ember
