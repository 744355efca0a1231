// The sorting ops and scans (sort, argsort, topk, cumsum): their device-neutral front halves
// (Note [Meta, then impl]). Each checks its dim and arguments with PyTorch's rules, decides the
// result dtypes, allocates the outputs and runs the kernel registered for the device.
#include "ember/core/autograd_slots.h"
#include "ember/core/check.h"
#include "ember/core/dispatch.h"
#include "ember/core/elementwise.h"
#include "ember/core/ops.h"
#include "ember/core/shape_utils.h"

namespace ember {

using detail::empty_tensor;
using detail::wrap_dim;

namespace {

void check_defined(const Tensor& t, std::string_view op) {
  EMBER_CHECK(t.defined(), Value, "{}: self is an undefined tensor", op);
}

// A zero-dim tensor as a one-element 1-D view, so kernels always see at least one dim.
Tensor at_least_1d(const Tensor& t) {
  return t.dim() == 0 ? t.view({1}) : t;
}

}  // namespace

std::tuple<Tensor, Tensor> sort(const Tensor& self, int64_t dim, bool descending) {
  EMBER_AUTOGRAD(sort, self, dim, descending);
  check_defined(self, "sort");
  const int64_t d = wrap_dim(dim, self.dim(), "sort");
  Tensor values = empty_tensor(self.sizes(), self.dtype(), self.device());
  Tensor indices = empty_tensor(self.sizes(), kInt64, self.device());
  if (self.numel() > 0) {
    kernel_for<OpId::sort>(self.device())(at_least_1d(values), at_least_1d(indices),
                                          at_least_1d(self), d, descending);
  }
  return {values, indices};
}

Tensor argsort(const Tensor& self, int64_t dim, bool descending) {
  return std::get<1>(sort(self, dim, descending));
}

std::tuple<Tensor, Tensor> topk(const Tensor& self, int64_t k, int64_t dim, bool largest,
                                bool sorted) {
  EMBER_AUTOGRAD(topk, self, k, dim, largest, sorted);
  check_defined(self, "topk");
  const int64_t d = wrap_dim(dim, self.dim(), "topk");
  const int64_t size = self.dim() > 0 ? self.size(d) : 1;
  EMBER_CHECK(k >= 0 && k <= size, Index,
              "topk: k ({}) is out of range for dimension {} of size {} (expected 0 <= k <= {})", k,
              d, size, size);
  DimVector out_sizes(self.sizes());
  if (self.dim() > 0) out_sizes[d] = k;
  Tensor values = empty_tensor(out_sizes, self.dtype(), self.device());
  Tensor indices = empty_tensor(out_sizes, kInt64, self.device());
  if (values.numel() > 0) {
    // A zero-dim self keeps its one element (k is 0 or 1 and the result has no dim to shrink).
    kernel_for<OpId::topk>(self.device())(at_least_1d(values), at_least_1d(indices),
                                          at_least_1d(self), self.dim() > 0 ? k : 1, d, largest,
                                          sorted);
  }
  return {values, indices};
}

Tensor cumsum(const Tensor& self, int64_t dim, std::optional<DType> dtype) {
  EMBER_AUTOGRAD(cumsum, self, dim, dtype);
  check_defined(self, "cumsum");
  const int64_t d = wrap_dim(dim, self.dim(), "cumsum");
  // Integer and bool inputs accumulate to int64 unless a dtype is given (like PyTorch).
  const DType out_dtype =
      dtype ? *dtype : (is_integral(self.dtype(), /*include_bool=*/true) ? kInt64 : self.dtype());
  EMBER_CHECK(out_dtype != kBool, DType,
              "cumsum: cannot accumulate in bool; pass dtype int64 (the default for bool input)");
  const Tensor src = self.dtype() == out_dtype ? self : self.to(out_dtype);
  Tensor out = empty_tensor(self.sizes(), out_dtype, self.device());
  if (out.numel() > 0) {
    kernel_for<OpId::cumsum>(self.device())(at_least_1d(out), at_least_1d(src), d);
  }
  return out;
}

}  // namespace ember
