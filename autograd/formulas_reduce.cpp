// Derivative formulas of the reductions and scans. A reduced gradient is first given back the
// reduced dims (as size-1 dims when keepdim was false) and then broadcast over them.
#include <algorithm>
#include <cmath>

#include "ember/autograd/formula_node.h"
#include "ember/autograd/register_formula.h"
#include "ember/core/factories.h"
#include "ember/core/ops.h"
#include "ember/core/shape_utils.h"

namespace ember::autograd {
namespace {

// The reduced dims of a tensor of `ndim` dims, ascending (every dim when dims is empty).
std::vector<int64_t> reduced_dims(IntArrayRef dims, int64_t ndim, std::string_view op) {
  const uint64_t mask = detail::dims_mask(dims, ndim, op);
  std::vector<int64_t> out;
  for (int64_t d = 0; d < ndim; ++d)
    if (mask >> d & 1u) out.push_back(d);
  return out;
}

// g (the gradient of a reduction over `dims`) with those dims restored as size 1.
Tensor restore_dims(const Tensor& g, const std::vector<int64_t>& dims, bool keepdim) {
  if (keepdim) return g;
  Tensor r = g;
  for (int64_t d : dims) r = r.unsqueeze(d);
  return r;
}

int64_t count_of(IntArrayRef sizes, const std::vector<int64_t>& dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= sizes[static_cast<size_t>(d)];
  return n;
}

Tensor sum_fn(const Tensor& self, IntArrayRef dims_in, bool keepdim, std::optional<DType> dtype) {
  const auto dims = reduced_dims(dims_in, self.dim(), "sum");
  const std::vector<int64_t> d(dims_in.begin(), dims_in.end());
  const DimVector sizes(self.sizes());
  return record1(
      "SumBackward", {self}, {}, false, [&] { return sum(self, d, keepdim, dtype); },
      [dims, keepdim, sizes](const variable_list& g, const FormulaNode&) -> variable_list {
        return {restore_dims(g[0], dims, keepdim).expand(sizes)};
      });
}

Tensor mean_fn(const Tensor& self, IntArrayRef dims_in, bool keepdim, std::optional<DType> dtype) {
  const auto dims = reduced_dims(dims_in, self.dim(), "mean");
  const std::vector<int64_t> d(dims_in.begin(), dims_in.end());
  const DimVector sizes(self.sizes());
  const double n = static_cast<double>(count_of(self.sizes(), dims));
  return record1(
      "MeanBackward", {self}, {}, false, [&] { return mean(self, d, keepdim, dtype); },
      [dims, keepdim, sizes, n](const variable_list& g, const FormulaNode&) -> variable_list {
        return {restore_dims(g[0], dims, keepdim).expand(sizes) / n};
      });
}

// d prod / d x_i = product of the others: out / x_i without zeros; with one zero in a slice only
// that element gets the product of the rest; with two or more, every gradient is 0.
Tensor prod_fn(const Tensor& self, std::optional<int64_t> dim, bool keepdim,
               std::optional<DType> dtype) {
  const std::vector<int64_t> dims =
      dim ? std::vector<int64_t>{detail::wrap_dim(*dim, self.dim(), "prod")}
          : reduced_dims({}, self.dim(), "prod");
  return record1(
      "ProdBackward", {self}, {self}, true,
      [&] { return dim ? prod(self, *dim, keepdim, dtype) : prod(self, dtype); },
      [dims, keepdim](const variable_list& g, const FormulaNode& n) -> variable_list {
        const Tensor x = n.saved(0);
        const Tensor out = restore_dims(n.saved(1), dims, keepdim);
        const Tensor grad = restore_dims(g[0], dims, keepdim);
        const Tensor is_zero = x == 0;
        const Tensor zeros_in_slice = sum(is_zero, dims, /*keepdim=*/true);
        // Product of the non-zero elements of each slice.
        Tensor nonzero_product = where(is_zero, 1.0, x);
        for (int64_t d : dims) nonzero_product = prod(nonzero_product, d, /*keepdim=*/true);
        const Tensor no_zero = grad * out / where(is_zero, 1.0, x);
        const Tensor one_zero = where(is_zero, grad * nonzero_product, 0.0);
        return {where(zeros_in_slice == 0, no_zero, where(zeros_in_slice == 1, one_zero, 0.0))};
      });
}

// max()/min() over all dims and amax/amin: the gradient is shared evenly between ties.
Tensor extreme_fn(const char* name, bool is_max, const Tensor& self, IntArrayRef dims_in,
                  bool keepdim) {
  const auto dims = reduced_dims(dims_in, self.dim(), name);
  const std::vector<int64_t> d(dims_in.begin(), dims_in.end());
  const bool all_dims = dims_in.empty();
  return record1(
      name, {self}, {self}, true,
      [&] {
        if (all_dims && !keepdim) return is_max ? max(self) : min(self);
        return is_max ? amax(self, d, keepdim) : amin(self, d, keepdim);
      },
      [dims, keepdim](const variable_list& g, const FormulaNode& n) -> variable_list {
        const Tensor x = n.saved(0);
        const Tensor hit = (x == restore_dims(n.saved(1), dims, keepdim)).to(x.dtype());
        const Tensor count = sum(hit, dims, /*keepdim=*/true);
        return {restore_dims(g[0], dims, keepdim) * hit / count};
      });
}
Tensor amax_fn(const Tensor& self, IntArrayRef dims, bool keepdim) {
  return extreme_fn("AmaxBackward", true, self, dims, keepdim);
}
Tensor amin_fn(const Tensor& self, IntArrayRef dims, bool keepdim) {
  return extreme_fn("AminBackward", false, self, dims, keepdim);
}

// max(dim)/min(dim): the gradient goes to the selected index.
std::tuple<Tensor, Tensor> extreme_dim_fn(const char* name, bool is_max, const Tensor& self,
                                          int64_t dim, bool keepdim) {
  const int64_t d = detail::wrap_dim(dim, self.dim(), name);
  variable_list out = record(
      name, {self}, {}, true,
      [&] {
        auto [v, i] = is_max ? max(self, d, keepdim) : min(self, d, keepdim);
        return variable_list{v, i};
      },
      [d, keepdim, sizes = DimVector(self.sizes())](const variable_list& g,
                                                    const FormulaNode& n) -> variable_list {
        const Tensor idx = restore_dims(n.saved(1), {d}, keepdim);
        const Tensor grad = restore_dims(g[0], {d}, keepdim);
        if (sizes.size() == 0) return {grad.reshape({})};
        return {scatter_add(zeros(sizes, grad.options()), d, idx, grad)};
      });
  return {out[0], out[1]};
}
std::tuple<Tensor, Tensor> max_dim_fn(const Tensor& self, int64_t dim, bool keepdim) {
  return extreme_dim_fn("MaxBackward", true, self, dim, keepdim);
}
std::tuple<Tensor, Tensor> min_dim_fn(const Tensor& self, int64_t dim, bool keepdim) {
  return extreme_dim_fn("MinBackward", false, self, dim, keepdim);
}

Tensor var_fn(const Tensor& self, IntArrayRef dims_in, int64_t correction, bool keepdim) {
  const auto dims = reduced_dims(dims_in, self.dim(), "var");
  const std::vector<int64_t> d(dims_in.begin(), dims_in.end());
  const double denom =
      static_cast<double>(std::max<int64_t>(0, count_of(self.sizes(), dims) - correction));
  return record1(
      "VarBackward", {self}, {self}, false, [&] { return var(self, d, correction, keepdim); },
      [dims, keepdim, denom](const variable_list& g, const FormulaNode& n) -> variable_list {
        const Tensor x = n.saved(0);
        const Tensor centered = x - mean(x, dims, /*keepdim=*/true);
        return {restore_dims(g[0], dims, keepdim) * centered * (2.0 / denom)};
      });
}

Tensor std_fn(const Tensor& self, IntArrayRef dims_in, int64_t correction, bool keepdim) {
  const auto dims = reduced_dims(dims_in, self.dim(), "std");
  const std::vector<int64_t> d(dims_in.begin(), dims_in.end());
  const double denom =
      static_cast<double>(std::max<int64_t>(0, count_of(self.sizes(), dims) - correction));
  return record1(
      "StdBackward", {self}, {self}, true, [&] { return ember::std(self, d, correction, keepdim); },
      [dims, keepdim, denom](const variable_list& g, const FormulaNode& n) -> variable_list {
        const Tensor x = n.saved(0);
        const Tensor centered = x - mean(x, dims, /*keepdim=*/true);
        const Tensor s = restore_dims(n.saved(1), dims, keepdim);
        return {restore_dims(g[0], dims, keepdim) * centered / (s * denom)};
      });
}

// p-norms; where the norm is 0 the gradient is 0 (the subgradient PyTorch picks).
Tensor norm_fn(const Tensor& self, const Scalar& p, IntArrayRef dims_in, bool keepdim) {
  const auto dims = reduced_dims(dims_in, self.dim(), "norm");
  const std::vector<int64_t> d(dims_in.begin(), dims_in.end());
  const double order = p.to_double();
  return record1(
      "NormBackward", {self}, {self}, true, [&] { return norm(self, p, d, keepdim); },
      [dims, keepdim, order](const variable_list& g, const FormulaNode& n) -> variable_list {
        const Tensor x = n.saved(0);
        const Tensor out = restore_dims(n.saved(1), dims, keepdim);
        const Tensor grad = restore_dims(g[0], dims, keepdim);
        if (order == 0) return {zeros_like(x)};
        if (order == 1) return {grad * sign(x)};
        if (std::isinf(order)) {
          const Tensor hit = (x.abs() == out).to(x.dtype());
          return {grad * sign(x) * hit / sum(hit, dims, true)};
        }
        const Tensor safe_out = where(out == 0, 1.0, out);
        if (order == 2) return {where(out == 0, 0.0, grad * x / safe_out)};
        const Tensor scale = x * pow(x.abs(), order - 2) / pow(safe_out, order - 1);
        return {where(out == 0, 0.0, grad * scale)};
      });
}

Tensor logsumexp_fn(const Tensor& self, IntArrayRef dims_in, bool keepdim) {
  const auto dims = reduced_dims(dims_in, self.dim(), "logsumexp");
  const std::vector<int64_t> d(dims_in.begin(), dims_in.end());
  return record1(
      "LogsumexpBackward", {self}, {self}, true, [&] { return logsumexp(self, d, keepdim); },
      [dims, keepdim](const variable_list& g, const FormulaNode& n) -> variable_list {
        const Tensor out = restore_dims(n.saved(1), dims, keepdim);
        return {restore_dims(g[0], dims, keepdim) * exp(n.saved(0) - out)};
      });
}

// The gradient of an inclusive scan is the reverse scan of the gradient:
// sum over j >= i of g_j = total - cumsum(g) + g.
Tensor cumsum_fn(const Tensor& self, int64_t dim, std::optional<DType> dtype) {
  const int64_t d = detail::wrap_dim(dim, self.dim(), "cumsum");
  return record1(
      "CumsumBackward", {self}, {}, false, [&] { return cumsum(self, d, dtype); },
      [d](const variable_list& g, const FormulaNode&) -> variable_list {
        if (g[0].dim() == 0) return {g[0]};
        return {sum(g[0], {d}, /*keepdim=*/true) - cumsum(g[0], d) + g[0]};
      });
}

}  // namespace

EMBER_REGISTER_FORMULA(sum, sum_fn);
EMBER_REGISTER_FORMULA(mean, mean_fn);
EMBER_REGISTER_FORMULA(prod, prod_fn);
EMBER_REGISTER_FORMULA(amax, amax_fn);
EMBER_REGISTER_FORMULA(amin, amin_fn);
EMBER_REGISTER_FORMULA(max_dim, max_dim_fn);
EMBER_REGISTER_FORMULA(min_dim, min_dim_fn);
EMBER_REGISTER_FORMULA(var, var_fn);
EMBER_REGISTER_FORMULA(std, std_fn);
EMBER_REGISTER_FORMULA(norm, norm_fn);
EMBER_REGISTER_FORMULA(logsumexp, logsumexp_fn);
EMBER_REGISTER_FORMULA(cumsum, cumsum_fn);

}  // namespace ember::autograd
