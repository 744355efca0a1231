// Derivative formulas of joining, indexing and sorting: gradients are split back along the cat
// dim, or scattered (summed) back to the positions that were read.
#include "ember/autograd/formula_node.h"
#include "ember/autograd/register_formula.h"
#include "ember/core/factories.h"
#include "ember/core/ops.h"
#include "ember/core/shape_utils.h"

namespace ember::autograd {
namespace {

Tensor cat_fn(TensorList tensors, int64_t dim) {
  std::vector<Tensor> inputs(tensors.begin(), tensors.end());
  // Each input's extent along the cat dim (legacy empty 1-D inputs take no part).
  std::vector<int64_t> extents;
  int64_t d = dim;
  for (const Tensor& t : inputs) {
    if (t.dim() == 1 && t.numel() == 0) {
      extents.push_back(-1);
      continue;
    }
    d = detail::wrap_dim(dim, t.dim(), "cat");
    extents.push_back(t.size(d));
  }
  return record1(
      "CatBackward", inputs, {}, false, [&] { return cat(inputs, dim); },
      [extents, d](const variable_list& g, const FormulaNode&) -> variable_list {
        variable_list out;
        int64_t start = 0;
        for (int64_t e : extents) {
          if (e < 0) {
            out.emplace_back();
            continue;
          }
          out.push_back(g[0].narrow(d, start, e));
          start += e;
        }
        return out;
      });
}

// index shaped to broadcast along `dim` of a tensor of `ndim` dims, expanded to `sizes`.
Tensor index_along(const Tensor& index, int64_t dim, IntArrayRef sizes) {
  DimVector shape(sizes.size(), 1);
  shape[static_cast<size_t>(dim)] = index.numel();
  return index.reshape(shape).expand(sizes);
}

Tensor index_select_fn(const Tensor& self, int64_t dim, const Tensor& index) {
  const int64_t d = detail::wrap_dim(dim, self.dim(), "index_select");
  const DimVector sizes(self.sizes());
  return record1(
      "IndexSelectBackward", {self, index}, {index}, false,
      [&] { return index_select(self, d, index); },
      [d, sizes](const variable_list& g, const FormulaNode& n) -> variable_list {
        if (sizes.size() == 0) return {g[0].reshape({}), Tensor()};
        const Tensor idx = index_along(n.saved(0).to(kInt64), d, g[0].sizes());
        return {scatter_add(zeros(sizes, g[0].options()), d, idx, g[0]), Tensor()};
      });
}

Tensor gather_fn(const Tensor& self, int64_t dim, const Tensor& index) {
  const int64_t d = detail::wrap_dim(dim, self.dim(), "gather");
  const DimVector sizes(self.sizes());
  return record1(
      "GatherBackward", {self, index}, {index}, false, [&] { return gather(self, d, index); },
      [d, sizes](const variable_list& g, const FormulaNode& n) -> variable_list {
        return {scatter_add(zeros(sizes, g[0].options()), d, n.saved(0).to(kInt64), g[0]),
                Tensor()};
      });
}

Tensor scatter_add_fn(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src) {
  const int64_t d = detail::wrap_dim(dim, self.dim(), "scatter_add");
  return record1(
      "ScatterAddBackward", {self, index, src}, {index}, false,
      [&] { return scatter_add(self, d, index, src); },
      [d](const variable_list& g, const FormulaNode& n) -> variable_list {
        return {g[0], Tensor(),
                n.needs_grad(2) ? gather(g[0], d, n.saved(0).to(kInt64)) : Tensor()};
      });
}

// sort and topk: the gradient of each value goes back to where it came from.
std::tuple<Tensor, Tensor> selecting_fn(const char* name, const Tensor& self, int64_t dim,
                                        const std::function<std::tuple<Tensor, Tensor>()>& fwd) {
  const int64_t d = detail::wrap_dim(dim, self.dim(), name);
  const DimVector sizes(self.sizes());
  variable_list out = record(
      name, {self}, {}, true,
      [&] {
        auto [v, i] = fwd();
        return variable_list{v, i};
      },
      [d, sizes](const variable_list& g, const FormulaNode& n) -> variable_list {
        if (sizes.size() == 0) return {g[0].reshape({})};
        return {scatter_add(zeros(sizes, g[0].options()), d, n.saved(1), g[0])};
      });
  return {out[0], out[1]};
}

std::tuple<Tensor, Tensor> sort_fn(const Tensor& self, int64_t dim, bool descending) {
  return selecting_fn("SortBackward", self, dim, [&] { return sort(self, dim, descending); });
}

std::tuple<Tensor, Tensor> topk_fn(const Tensor& self, int64_t k, int64_t dim, bool largest,
                                   bool sorted) {
  return selecting_fn("TopkBackward", self, dim,
                      [&] { return topk(self, k, dim, largest, sorted); });
}

}  // namespace

EMBER_REGISTER_FORMULA(cat, cat_fn);
EMBER_REGISTER_FORMULA(index_select, index_select_fn);
EMBER_REGISTER_FORMULA(gather, gather_fn);
EMBER_REGISTER_FORMULA(scatter_add, scatter_add_fn);
EMBER_REGISTER_FORMULA(sort, sort_fn);
EMBER_REGISTER_FORMULA(topk, topk_fn);

}  // namespace ember::autograd
