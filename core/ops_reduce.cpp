// The public reductions with PyTorch's semantics: dims (an empty list reduces every dim, negative
// dims count from the end, duplicates are refused), keepdim, result dtypes (integer and bool sums
// and products give int64), empty inputs (sum 0, prod 1, mean NaN; max/min have no identity and
// refuse them). sum, prod, amax, amin, max, min, argmax, argmin, all and any run their kernel
// rows; mean, var, std, norm and logsumexp are composed from those rows and point-wise ops, so
// they run on every device that has the rows.
#include <cmath>
#include <limits>

#include "ember/core/autograd_slots.h"
#include "ember/core/check.h"
#include "ember/core/dispatch.h"
#include "ember/core/elementwise.h"
#include "ember/core/factories.h"
#include "ember/core/ops.h"
#include "ember/core/reduce.h"
#include "ember/core/shape_utils.h"

namespace ember {

using detail::dims_mask;
using detail::reduced_numel;
using detail::reduced_shape;

namespace {

Tensor to_dtype(const Tensor& t, DType dtype) {
  return t.dtype() == dtype ? t : t.to(dtype);
}

void check_defined(const Tensor& self, std::string_view op) {
  EMBER_CHECK(self.defined(), Value, "{}: the input tensor is undefined", op);
}

uint64_t single_dim_mask(const Tensor& self, int64_t dim, std::string_view op) {
  const int64_t d = detail::wrap_dim(dim, self.dim(), op);
  return self.dim() == 0 ? 0 : uint64_t{1} << d;
}

// Runs the kernel row `op` over self into out and/or index_out (already of the result shape).
void launch(OpId op, std::string_view name, const Tensor& self, uint64_t mask, bool keepdim,
            const Tensor& out, const Tensor& index_out) {
  const ReduceIter it = detail::make_reduce_iter(self, mask, keepdim, out, index_out, name);
  if (it.out_numel > 0) lookup_kernel<ReduceKernel>(op, self.device())(it);
}

// A fresh result of `dtype` holding the reduction of self over mask.
Tensor reduce_to_new(OpId op, std::string_view name, const Tensor& self, uint64_t mask,
                     bool keepdim, DType dtype) {
  Tensor out =
      detail::empty_tensor(reduced_shape(self.sizes(), mask, keepdim), dtype, self.device());
  launch(op, name, self, mask, keepdim, out, Tensor());
  return out;
}

// The dtype sum and prod give without a dtype argument: int64 for integers and bool.
DType accumulate_dtype(DType in) {
  return is_integral(in, /*include_bool=*/true) ? kInt64 : in;
}

// How sum and prod compute a result of dtype `result` from an input of dtype `in`: the dtype the
// input is converted to first (PyTorch's meaning of the dtype argument) and the dtype the kernel
// writes, which the result is converted to afterwards when they differ. Kernels only write
// int64 (from any integer or bool), float32 (from float32, float16, bfloat16) and float64 (from
// float32 or float64): a narrower integer result is the int64 one wrapped, which is what
// accumulating in the narrow type gives; a float16 result is the float32 one rounded once.
struct FoldPlan {
  DType input;
  DType kernel_out;
};
FoldPlan plan_fold(DType in, DType result, bool float32_to_float64) {
  if (result == kBool) return {kBool, kInt64};  // a bool sum is "any": count, then test
  if (is_integral(result)) return {is_integral(in, true) ? in : result, kInt64};
  if (result == kFloat64) {
    return {float32_to_float64 && in == kFloat32 ? kFloat32 : kFloat64, kFloat64};
  }
  if (is_reduced_float(result)) return {result, kFloat32};
  return {is_reduced_float(in) ? in : kFloat32, kFloat32};  // result float32
}

// Runs sum or prod of self (converted per the plan) into a fresh tensor of dtype `result`.
Tensor fold_to_new(OpId op, std::string_view name, const Tensor& self, uint64_t mask, bool keepdim,
                   DType result) {
  const FoldPlan plan = plan_fold(self.dtype(), result, /*float32_to_float64=*/op == OpId::sum);
  Tensor folded =
      reduce_to_new(op, name, to_dtype(self, plan.input), mask, keepdim, plan.kernel_out);
  return to_dtype(folded, result);
}

// max/min/amax/amin/argmax/argmin have no identity: refuse to reduce an empty range.
void check_reducible(const Tensor& self, uint64_t mask, bool every_dim, std::string_view op) {
  if (every_dim) {
    EMBER_CHECK(self.numel() != 0, Index,
                "{}: the input is empty (shape {}) and {} of no elements is undefined; pass a "
                "dim to reduce over a non-empty dim instead",
                op, self.shape_str(), op);
    return;
  }
  for (int64_t d = 0; d < self.dim(); ++d) {
    EMBER_CHECK(!(mask >> d & 1u) || self.size(d) != 0, Index,
                "{}: cannot reduce over dim {} of size 0 (input shape {}): {} of no elements is "
                "undefined",
                op, d, self.shape_str(), op);
  }
}

void check_floating(const Tensor& self, std::string_view op) {
  EMBER_CHECK(self.is_floating_point(), DType,
              "{}: expected a floating-point input, got {}; convert it first, e.g. "
              "x.to(kFloat32)",
              op, dtype_name(self.dtype()));
}

// Half and bfloat16 composed ops compute in float32 (Note [Accumulate in float]).
Tensor compute_input(const Tensor& self) {
  return is_reduced_float(self.dtype()) ? self.to(kFloat32) : self;
}

Tensor sum_impl(const Tensor& self, IntArrayRef dims, bool keepdim, std::optional<DType> dtype,
                std::string_view name) {
  check_defined(self, name);
  const uint64_t mask = dims_mask(dims, self.dim(), name);
  const DType result = dtype ? *dtype : accumulate_dtype(self.dtype());
  return fold_to_new(OpId::sum, name, self, mask, keepdim, result);
}

Tensor prod_impl(const Tensor& self, uint64_t mask, bool keepdim, std::optional<DType> dtype) {
  const DType result = dtype ? *dtype : accumulate_dtype(self.dtype());
  return fold_to_new(OpId::prod, "prod", self, mask, keepdim, result);
}

Tensor mean_impl(const Tensor& self, IntArrayRef dims, bool keepdim, std::optional<DType> dtype) {
  check_defined(self, "mean");
  const DType result = dtype.value_or(self.dtype());
  EMBER_CHECK(is_floating_point(result), DType,
              "mean: could not infer the output dtype: the input is {}{}; mean needs a "
              "floating-point input or a floating dtype argument, e.g. mean(x, kFloat32)",
              dtype_name(self.dtype()),
              dtype ? fmt::format(" and the dtype argument is {}", dtype_name(*dtype)) : "");
  const uint64_t mask = dims_mask(dims, self.dim(), "mean");
  const Tensor in = to_dtype(self, result);
  // Half and bfloat16 sum into float32, so that neither the sum nor the quotient rounds early.
  const DType sum_dtype = is_reduced_float(result) ? kFloat32 : result;
  Tensor total = sum_impl(in, dims, keepdim, sum_dtype, "mean");
  total.div_(static_cast<double>(reduced_numel(self.sizes(), mask)));
  return to_dtype(total, result);
}

// Two passes: the mean, then the sum of squared deviations from it (accurate where the
// one-pass formula E[x^2] - E[x]^2 cancels).
Tensor var_impl(const Tensor& self, IntArrayRef dims, int64_t correction, bool keepdim,
                std::string_view name) {
  check_defined(self, name);
  check_floating(self, name);
  const uint64_t mask = dims_mask(dims, self.dim(), name);
  const Tensor x = compute_input(self);
  const Tensor centered = x - mean_impl(x, dims, /*keepdim=*/true, std::nullopt);
  Tensor result = sum_impl(centered.square(), dims, keepdim, std::nullopt, name);
  const int64_t n = reduced_numel(self.sizes(), mask);
  result.div_(static_cast<double>(std::max<int64_t>(0, n - correction)));
  return result;
}

Tensor max_min_all(const Tensor& self, OpId op, std::string_view name) {
  check_defined(self, name);
  const uint64_t mask = dims_mask({}, self.dim(), name);
  check_reducible(self, mask, /*every_dim=*/true, name);
  return reduce_to_new(op, name, self, mask, /*keepdim=*/false, self.dtype());
}

Tensor amax_amin(const Tensor& self, IntArrayRef dims, bool keepdim, OpId op,
                 std::string_view name) {
  check_defined(self, name);
  const uint64_t mask = dims_mask(dims, self.dim(), name);
  check_reducible(self, mask, dims.empty(), name);
  return reduce_to_new(op, name, self, mask, keepdim, self.dtype());
}

std::tuple<Tensor, Tensor> max_min_dim(const Tensor& self, int64_t dim, bool keepdim, OpId op,
                                       std::string_view name) {
  check_defined(self, name);
  const uint64_t mask = single_dim_mask(self, dim, name);
  check_reducible(self, mask, /*every_dim=*/false, name);
  const DimVector shape = reduced_shape(self.sizes(), mask, keepdim);
  Tensor values = detail::empty_tensor(shape, self.dtype(), self.device());
  Tensor indices = detail::empty_tensor(shape, kInt64, self.device());
  launch(op, name, self, mask, keepdim, values, indices);
  return {values, indices};
}

Tensor arg_max_min(const Tensor& self, std::optional<int64_t> dim, bool keepdim, OpId op,
                   std::string_view name) {
  check_defined(self, name);
  if (dim) {
    const uint64_t mask = single_dim_mask(self, *dim, name);
    check_reducible(self, mask, /*every_dim=*/false, name);
    Tensor indices =
        detail::empty_tensor(reduced_shape(self.sizes(), mask, keepdim), kInt64, self.device());
    launch(op, name, self, mask, keepdim, Tensor(), indices);
    return indices;
  }
  // No dim: the index into the flattened tensor (a copy when self's layout cannot be viewed flat).
  check_reducible(self, 0, /*every_dim=*/true, name);
  const Tensor flat = self.reshape({-1});
  Tensor index = detail::empty_tensor({}, kInt64, self.device());
  launch(op, name, flat, /*mask=*/1, /*keepdim=*/false, Tensor(), index);
  if (keepdim) return index.reshape(DimVector(static_cast<size_t>(self.dim()), 1));
  return index;
}

Tensor all_any(const Tensor& self, uint64_t mask, bool keepdim, OpId op) {
  return reduce_to_new(op, op == OpId::all ? "all" : "any", self, mask, keepdim, kBool);
}

}  // namespace

// ---- sum, mean, prod ----
Tensor sum(const Tensor& self, std::optional<DType> dtype) {
  EMBER_AUTOGRAD(sum, self, IntArrayRef(), false, dtype);
  return sum_impl(self, {}, /*keepdim=*/false, dtype, "sum");
}
Tensor sum(const Tensor& self, IntArrayRef dims, bool keepdim, std::optional<DType> dtype) {
  EMBER_AUTOGRAD(sum, self, dims, keepdim, dtype);
  return sum_impl(self, dims, keepdim, dtype, "sum");
}

Tensor& sum_out(Tensor& out, const Tensor& self, IntArrayRef dims, bool keepdim) {
  check_defined(self, "sum_out");
  EMBER_CHECK(out.defined(), Value, "sum_out: out is an undefined tensor");
  EMBER_CHECK(out.device() == self.device(), Device,
              "sum_out: out is on {} but the input is on {}; allocate out on the input's device",
              out.device().str(), self.device().str());
  const uint64_t mask = dims_mask(dims, self.dim(), "sum_out");
  const DimVector shape = reduced_shape(self.sizes(), mask, keepdim);
  if (out.sizes() != IntArrayRef(shape)) {
    EMBER_CHECK(out.numel() == 0, Shape,
                "sum_out: out has shape {} but summing shape {} over dims {} (keepdim={}) gives "
                "shape {}",
                out.shape_str(), self.shape_str(), dims.vec(), keepdim,
                detail::shape_string(shape));
    detail::resize_output(out, shape);
  }
  // The result takes out's dtype, like sum(self, dims, keepdim, out.dtype()).
  const FoldPlan plan = plan_fold(self.dtype(), out.dtype(), /*float32_to_float64=*/true);
  const Tensor in = to_dtype(self, plan.input);
  if (plan.kernel_out == out.dtype()) {
    out.impl()->bump_version();
    launch(OpId::sum, "sum_out", in, mask, keepdim, out, Tensor());
  } else {
    out.copy_(reduce_to_new(OpId::sum, "sum_out", in, mask, keepdim, plan.kernel_out));
  }
  return out;
}

Tensor mean(const Tensor& self, std::optional<DType> dtype) {
  EMBER_AUTOGRAD(mean, self, IntArrayRef(), false, dtype);
  return mean_impl(self, {}, /*keepdim=*/false, dtype);
}
Tensor mean(const Tensor& self, IntArrayRef dims, bool keepdim, std::optional<DType> dtype) {
  EMBER_AUTOGRAD(mean, self, dims, keepdim, dtype);
  return mean_impl(self, dims, keepdim, dtype);
}

Tensor prod(const Tensor& self, std::optional<DType> dtype) {
  EMBER_AUTOGRAD(prod, self, std::optional<int64_t>(), false, dtype);
  check_defined(self, "prod");
  return prod_impl(self, dims_mask({}, self.dim(), "prod"), /*keepdim=*/false, dtype);
}
Tensor prod(const Tensor& self, int64_t dim, bool keepdim, std::optional<DType> dtype) {
  EMBER_AUTOGRAD(prod, self, std::optional<int64_t>(dim), keepdim, dtype);
  check_defined(self, "prod");
  return prod_impl(self, single_dim_mask(self, dim, "prod"), keepdim, dtype);
}

// ---- max, min and their indices ----
Tensor max(const Tensor& self) {
  EMBER_AUTOGRAD(amax, self, IntArrayRef(), false);
  return max_min_all(self, OpId::amax, "max");
}
Tensor min(const Tensor& self) {
  EMBER_AUTOGRAD(amin, self, IntArrayRef(), false);
  return max_min_all(self, OpId::amin, "min");
}
std::tuple<Tensor, Tensor> max(const Tensor& self, int64_t dim, bool keepdim) {
  EMBER_AUTOGRAD(max_dim, self, dim, keepdim);
  return max_min_dim(self, dim, keepdim, OpId::max, "max");
}
std::tuple<Tensor, Tensor> min(const Tensor& self, int64_t dim, bool keepdim) {
  EMBER_AUTOGRAD(min_dim, self, dim, keepdim);
  return max_min_dim(self, dim, keepdim, OpId::min, "min");
}
Tensor amax(const Tensor& self, IntArrayRef dims, bool keepdim) {
  EMBER_AUTOGRAD(amax, self, dims, keepdim);
  return amax_amin(self, dims, keepdim, OpId::amax, "amax");
}
Tensor amin(const Tensor& self, IntArrayRef dims, bool keepdim) {
  EMBER_AUTOGRAD(amin, self, dims, keepdim);
  return amax_amin(self, dims, keepdim, OpId::amin, "amin");
}
Tensor argmax(const Tensor& self, std::optional<int64_t> dim, bool keepdim) {
  return arg_max_min(self, dim, keepdim, OpId::argmax, "argmax");
}
Tensor argmin(const Tensor& self, std::optional<int64_t> dim, bool keepdim) {
  return arg_max_min(self, dim, keepdim, OpId::argmin, "argmin");
}

// ---- statistics ----
Tensor var(const Tensor& self, IntArrayRef dims, int64_t correction, bool keepdim) {
  EMBER_AUTOGRAD(var, self, dims, correction, keepdim);
  const Tensor v = var_impl(self, dims, correction, keepdim, "var");
  return to_dtype(v, self.dtype());
}
Tensor std(const Tensor& self, IntArrayRef dims, int64_t correction, bool keepdim) {
  EMBER_AUTOGRAD(std, self, dims, correction, keepdim);
  Tensor v = var_impl(self, dims, correction, keepdim, "std");
  v.sqrt_();
  return to_dtype(v, self.dtype());
}

Tensor norm(const Tensor& self, const Scalar& p, IntArrayRef dims, bool keepdim) {
  EMBER_AUTOGRAD(norm, self, p, dims, keepdim);
  check_defined(self, "norm");
  check_floating(self, "norm");
  const double order = p.to_double();
  EMBER_CHECK(!std::isnan(order), Value, "norm: the order p is NaN; pass a number or +-inf");
  const uint64_t mask = dims_mask(dims, self.dim(), "norm");
  const Tensor x = compute_input(self);
  Tensor result;
  if (std::isinf(order)) {
    // Like torch.norm, the inf norms of an empty range are 0.
    if (reduced_numel(self.sizes(), mask) == 0) {
      result = zeros(reduced_shape(self.sizes(), mask, keepdim), x.options());
    } else {
      result = reduce_to_new(order > 0 ? OpId::amax : OpId::amin, "norm", x.abs(), mask, keepdim,
                             x.dtype());
    }
  } else if (order == 0) {
    result = sum_impl(x.ne(0), dims, keepdim, x.dtype(), "norm");
  } else if (order == 1) {
    result = sum_impl(x.abs(), dims, keepdim, std::nullopt, "norm");
  } else if (order == 2) {
    result = sum_impl(x.square(), dims, keepdim, std::nullopt, "norm");
    result.sqrt_();
  } else {
    result = sum_impl(x.abs().pow(order), dims, keepdim, std::nullopt, "norm");
    result.pow_(1.0 / order);
  }
  return to_dtype(result, self.dtype());
}

// log(sum(exp(x - m))) + m with m the max over the reduced dims (0 where it is infinite, so rows
// of -inf give -inf and rows holding +inf give +inf rather than NaN).
Tensor logsumexp(const Tensor& self, IntArrayRef dims, bool keepdim) {
  EMBER_AUTOGRAD(logsumexp, self, dims, keepdim);
  check_defined(self, "logsumexp");
  // Integers and bool compute in the default float dtype, like PyTorch.
  const DType result_dtype = self.is_floating_point() ? self.dtype() : default_float_dtype();
  const Tensor x = compute_input(to_dtype(self, result_dtype));
  const uint64_t mask = dims_mask(dims, self.dim(), "logsumexp");
  const DimVector shape = reduced_shape(self.sizes(), mask, keepdim);
  if (reduced_numel(self.sizes(), mask) == 0) {
    return full(shape, -std::numeric_limits<double>::infinity(),
                TensorOptions().dtype(result_dtype).device(self.device()));
  }
  Tensor m = reduce_to_new(OpId::amax, "logsumexp", x, mask, /*keepdim=*/true, x.dtype());
  m.masked_fill_(m.abs().eq(std::numeric_limits<double>::infinity()), 0);
  Tensor result = sum_impl((x - m).exp(), dims, keepdim, std::nullopt, "logsumexp");
  result.log_();
  result.add_(keepdim ? m : m.view(shape));
  return to_dtype(result, result_dtype);
}

// ---- all, any ----
Tensor all(const Tensor& self) {
  check_defined(self, "all");
  return all_any(self, dims_mask({}, self.dim(), "all"), /*keepdim=*/false, OpId::all);
}
Tensor all(const Tensor& self, int64_t dim, bool keepdim) {
  check_defined(self, "all");
  return all_any(self, single_dim_mask(self, dim, "all"), keepdim, OpId::all);
}
Tensor any(const Tensor& self) {
  check_defined(self, "any");
  return all_any(self, dims_mask({}, self.dim(), "any"), /*keepdim=*/false, OpId::any);
}
Tensor any(const Tensor& self, int64_t dim, bool keepdim) {
  check_defined(self, "any");
  return all_any(self, single_dim_mask(self, dim, "any"), keepdim, OpId::any);
}

}  // namespace ember
