// The joining and indexing ops (cat, stack, index_select, gather, scatter_add, one_hot, nonzero):
// their device-neutral front halves (Note [Meta, then impl]). Each checks dims, shapes, dtypes and
// devices with PyTorch's rules, decides the result dtype, allocates the output, and runs the
// kernel registered for the device. Index values are bounds-checked by the kernels, which see them.
#include <algorithm>
#include <limits>
#include <vector>

#include "ember/core/autograd_slots.h"
#include "ember/core/check.h"
#include "ember/core/dispatch.h"
#include "ember/core/elementwise.h"
#include "ember/core/factories.h"
#include "ember/core/ops.h"
#include "ember/core/shape_utils.h"

namespace ember {

using detail::empty_tensor;
using detail::shape_string;
using detail::wrap_dim;

namespace {

void check_defined(const Tensor& t, std::string_view op, std::string_view name) {
  EMBER_CHECK(t.defined(), Value, "{}: {} is an undefined tensor", op, name);
}

void check_same_device(const Tensor& a, std::string_view a_name, const Tensor& b,
                       std::string_view b_name, std::string_view op) {
  EMBER_CHECK(a.device() == b.device(), Device,
              "{}: expected {} and {} on one device, but {} is on {} and {} is on {}. Move them "
              "with .to(device) first",
              op, a_name, b_name, a_name, a.device().str(), b_name, b.device().str());
}

// Index tensors are int64; int32 is accepted and widened.
Tensor index_as_int64(const Tensor& index, std::string_view op) {
  EMBER_CHECK(index.dtype() == kInt64 || index.dtype() == kInt32, DType,
              "{}: index must be an int64 (or int32) tensor, but got {}", op,
              dtype_name(index.dtype()));
  return index.dtype() == kInt64 ? index : index.to(kInt64);
}

// A zero-dim tensor as a one-element 1-D view; other tensors unchanged. gather and scatter_add
// treat zero-dim tensors as having one dim of size 1, like PyTorch.
Tensor at_least_1d(const Tensor& t) {
  return t.dim() == 0 ? t.view({1}) : t;
}

// A legacy empty tensor (1-D of size 0), which cat skips whatever its rank.
bool is_legacy_empty(const Tensor& t) {
  return t.dim() == 1 && t.size(0) == 0;
}

}  // namespace

// ---- joining ----
Tensor cat(TensorList tensors, int64_t dim) {
  EMBER_AUTOGRAD(cat, tensors, dim);
  EMBER_CHECK(!tensors.empty(), Value, "cat: expected a non-empty list of tensors");
  check_defined(tensors[0], "cat", "tensor 0");
  const Device device = tensors[0].device();
  DType out_dtype = tensors[0].dtype();
  int64_t ref = -1;  // the first tensor that takes part (not a legacy empty one)
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    EMBER_CHECK(t.defined(), Value, "cat: tensor {} is an undefined tensor", i);
    EMBER_CHECK(t.dim() > 0, Shape,
                "cat: tensor {} is zero-dimensional and cannot be concatenated; unsqueeze it or "
                "use stack",
                i);
    EMBER_CHECK(t.device() == device, Device,
                "cat: expected all tensors on one device, but tensor {} is on {} and tensor 0 is "
                "on {}. Move them with .to(device) first",
                i, t.device().str(), device.str());
    out_dtype = promote_types(out_dtype, t.dtype());
    if (ref < 0 && !is_legacy_empty(t)) ref = static_cast<int64_t>(i);
  }
  if (ref < 0) {
    // Only legacy empty tensors: the result is one of them, in the promoted dtype.
    wrap_dim(dim, 1, "cat");
    return empty_tensor({0}, out_dtype, device);
  }
  const Tensor& first = tensors[ref];
  const int64_t d = wrap_dim(dim, first.dim(), "cat");
  DimVector out_sizes(first.sizes());
  out_sizes[d] = 0;
  std::vector<Tensor> inputs;
  inputs.reserve(tensors.size());
  for (size_t i = static_cast<size_t>(ref); i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    if (is_legacy_empty(t)) continue;
    EMBER_CHECK(t.dim() == first.dim(), Shape,
                "cat: expected all tensors to have {} dims like tensor {} {}, but tensor {} has "
                "{} dims {}",
                first.dim(), ref, first.shape_str(), i, t.dim(), t.shape_str());
    for (int64_t k = 0; k < t.dim(); ++k) {
      EMBER_CHECK(k == d || t.size(k) == first.size(k), Shape,
                  "cat: sizes of tensors must match except in dimension {}, but tensor {} {} has "
                  "size {} in dimension {} where tensor {} {} has size {}",
                  d, i, t.shape_str(), t.size(k), k, ref, first.shape_str(), first.size(k));
    }
    out_sizes[d] += t.size(d);
    if (t.numel() > 0) inputs.push_back(t.dtype() == out_dtype ? t : t.to(out_dtype));
  }
  Tensor out = empty_tensor(out_sizes, out_dtype, device);
  if (out.numel() > 0) kernel_for<OpId::cat>(device)(out, inputs, d);
  return out;
}

Tensor stack(TensorList tensors, int64_t dim) {
  EMBER_CHECK(!tensors.empty(), Value, "stack: expected a non-empty list of tensors");
  for (size_t i = 0; i < tensors.size(); ++i) {
    EMBER_CHECK(tensors[i].defined(), Value, "stack: tensor {} is an undefined tensor", i);
    EMBER_CHECK(tensors[i].sizes() == tensors[0].sizes(), Shape,
                "stack: expected all tensors to have the same size, but tensor 0 is {} and "
                "tensor {} is {}",
                tensors[0].shape_str(), i, tensors[i].shape_str());
    EMBER_CHECK(tensors[i].device() == tensors[0].device(), Device,
                "stack: expected all tensors on one device, but tensor {} is on {} and tensor 0 "
                "is on {}. Move them with .to(device) first",
                i, tensors[i].device().str(), tensors[0].device().str());
  }
  // The new dim may be one past the last: dim in [-(ndim + 1), ndim].
  const int64_t ndim = tensors[0].dim();
  EMBER_CHECK(dim >= -(ndim + 1) && dim <= ndim, Index,
              "stack: dimension {} is out of range for stacking tensors of {} dims (expected in "
              "[{}, {}])",
              dim, ndim, -(ndim + 1), ndim);
  const int64_t d = dim < 0 ? dim + ndim + 1 : dim;
  std::vector<Tensor> expanded;
  expanded.reserve(tensors.size());
  for (const Tensor& t : tensors) expanded.push_back(t.unsqueeze(d));
  return cat(expanded, d);
}

// ---- indexing ----
Tensor index_select(const Tensor& self, int64_t dim, const Tensor& index) {
  EMBER_AUTOGRAD(index_select, self, dim, index);
  check_defined(self, "index_select", "self");
  check_defined(index, "index_select", "index");
  check_same_device(self, "self", index, "index", "index_select");
  EMBER_CHECK(index.dim() <= 1, Shape,
              "index_select: index must be a 0-dim or 1-D tensor, but got sizes {}",
              index.shape_str());
  const Tensor idx = index_as_int64(index, "index_select");
  const int64_t d = wrap_dim(dim, self.dim(), "index_select");
  if (self.dim() == 0) {
    EMBER_CHECK(idx.numel() == 1, Shape,
                "index_select: indexing a 0-dim tensor takes exactly one index, but got {}",
                idx.numel());
    return index_select(self.view({1}), 0, idx.reshape({1})).view({});
  }
  DimVector out_sizes(self.sizes());
  out_sizes[d] = idx.numel();
  Tensor out = empty_tensor(out_sizes, self.dtype(), self.device());
  if (out.numel() > 0 || idx.numel() > 0) {
    // Indices are checked even when self is empty along another dim (out has no elements).
    kernel_for<OpId::index_select>(self.device())(out, self, d, idx.reshape({idx.numel()}));
  }
  return out;
}

namespace {

// The shape rules gather and scatter_add share: index has self's number of dims (zero-dim counting
// as one) and is no larger than self in every dim but `dim`.
void check_index_fits(const Tensor& self, const Tensor& index, int64_t dim, std::string_view op) {
  EMBER_CHECK(std::max<int64_t>(index.dim(), 1) == std::max<int64_t>(self.dim(), 1), Shape,
              "{}: index {} must have as many dims as self {}", op, index.shape_str(),
              self.shape_str());
  for (int64_t k = 0; k < index.dim(); ++k) {
    if (k == dim) continue;
    EMBER_CHECK(index.size(k) <= self.size(k), Shape,
                "{}: index {} must not be larger than self {} in dimension {} (only dimension {} "
                "may differ)",
                op, index.shape_str(), self.shape_str(), k, dim);
  }
}

}  // namespace

Tensor gather(const Tensor& self, int64_t dim, const Tensor& index) {
  EMBER_AUTOGRAD(gather, self, dim, index);
  check_defined(self, "gather", "self");
  check_defined(index, "gather", "index");
  check_same_device(self, "self", index, "index", "gather");
  const Tensor idx = index_as_int64(index, "gather");
  const int64_t d = wrap_dim(dim, self.dim(), "gather");
  check_index_fits(self, idx, d, "gather");
  Tensor out = empty_tensor(idx.sizes(), self.dtype(), self.device());
  if (out.numel() > 0) {
    kernel_for<OpId::gather>(self.device())(at_least_1d(out), at_least_1d(self), d,
                                            at_least_1d(idx));
  }
  return out;
}

namespace {

// Checks scatter_add's operands and returns the index as int64.
Tensor check_scatter_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src,
                         std::string_view op) {
  check_defined(self, op, "self");
  check_defined(index, op, "index");
  check_defined(src, op, "src");
  check_same_device(self, "self", index, "index", op);
  check_same_device(self, "self", src, "src", op);
  EMBER_CHECK(src.dtype() == self.dtype(), DType,
              "{}: src ({}) must have the dtype of self ({}); convert it with .to(dtype)", op,
              dtype_name(src.dtype()), dtype_name(self.dtype()));
  const Tensor idx = index_as_int64(index, op);
  check_index_fits(self, idx, dim, op);
  EMBER_CHECK(std::max<int64_t>(src.dim(), 1) == std::max<int64_t>(idx.dim(), 1), Shape,
              "{}: src {} must have as many dims as index {}", op, src.shape_str(),
              idx.shape_str());
  for (int64_t k = 0; k < idx.dim(); ++k) {
    EMBER_CHECK(idx.size(k) <= src.size(k), Shape,
                "{}: index {} must not be larger than src {} in dimension {}", op, idx.shape_str(),
                src.shape_str(), k);
  }
  return idx;
}

}  // namespace

Tensor scatter_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src) {
  EMBER_AUTOGRAD(scatter_add, self, dim, index, src);
  check_defined(self, "scatter_add", "self");
  const int64_t d = wrap_dim(dim, self.dim(), "scatter_add");
  const Tensor idx = check_scatter_add(self, d, index, src, "scatter_add");
  Tensor out = self.clone();
  if (idx.numel() > 0) {
    kernel_for<OpId::scatter_add>(self.device())(at_least_1d(out), d, at_least_1d(idx),
                                                 at_least_1d(src));
  }
  return out;
}

Tensor& Tensor::scatter_add_(int64_t dim, const Tensor& index, const Tensor& src) {
  EMBER_AUTOGRAD_INPLACE(
      *this, "scatter_add_",
      [&](const Tensor& s) { return ember::scatter_add(s, dim, index, src); }, src);
  check_defined(*this, "scatter_add_", "self");
  const int64_t d = wrap_dim(dim, this->dim(), "scatter_add_");
  const Tensor idx = check_scatter_add(*this, d, index, src, "scatter_add_");
  if (idx.numel() > 0) {
    kernel_for<OpId::scatter_add>(device())(at_least_1d(*this), d, at_least_1d(idx),
                                            at_least_1d(src));
  }
  impl()->bump_version();
  return *this;
}

Tensor one_hot(const Tensor& index, int64_t num_classes) {
  check_defined(index, "one_hot", "index");
  const Tensor idx = index_as_int64(index, "one_hot");
  EMBER_CHECK(num_classes >= -1, Value,
              "one_hot: num_classes must be -1 (inferred) or non-negative, but got {}",
              num_classes);
  // The range of the classes is read on the host (a synchronisation for device tensors, as in
  // PyTorch, which reads min and max with .item()).
  if (idx.numel() == 0) {
    EMBER_CHECK(num_classes != -1, Value,
                "one_hot: cannot infer the number of classes from an empty index {}; pass "
                "num_classes",
                idx.shape_str());
  } else {
    const Tensor host = idx.to(Device(kCPU)).contiguous();
    const int64_t* p = host.data_ptr<int64_t>();
    int64_t lo = std::numeric_limits<int64_t>::max(), hi = std::numeric_limits<int64_t>::min();
    for (int64_t i = 0; i < host.numel(); ++i) {
      lo = std::min(lo, p[i]);
      hi = std::max(hi, p[i]);
    }
    EMBER_CHECK(lo >= 0, Value, "one_hot: class values must be non-negative, but got {}", lo);
    if (num_classes == -1) num_classes = hi + 1;
    EMBER_CHECK(hi < num_classes, Value,
                "one_hot: class values must be smaller than num_classes {}, but got {}",
                num_classes, hi);
  }
  DimVector out_sizes(idx.sizes());
  out_sizes.push_back(num_classes);
  Tensor out = zeros(out_sizes, TensorOptions().dtype(kInt64).device(idx.device()));
  if (out.numel() > 0) {
    const Tensor column = idx.unsqueeze(-1);
    const Tensor one = ones({1}, TensorOptions().dtype(kInt64).device(idx.device()));
    out.scatter_add_(-1, column, one.expand(column.sizes()));
  }
  return out;
}

Tensor nonzero(const Tensor& self) {
  check_defined(self, "nonzero", "self");
  return kernel_for<OpId::nonzero>(self.device())(self);
}

}  // namespace ember
