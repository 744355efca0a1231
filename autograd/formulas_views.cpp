// Derivative formulas of views and copies. The gradient of a view is the incoming gradient put
// back into the input's shape: reshaped, transposed back, or embedded into zeros at the viewed
// positions (an "embedding" that is itself recorded, so double backward flows through it).
#include <numeric>

#include "ember/autograd/formula_node.h"
#include "ember/autograd/register_formula.h"
#include "ember/core/check.h"
#include "ember/core/factories.h"
#include "ember/core/ops.h"
#include "ember/core/shape_utils.h"

namespace ember::autograd {
namespace {

using ViewFn = std::function<Tensor(const Tensor&)>;

// A zero tensor of `sizes` whose view `view_fn` holds g. Its own backward is view_fn.
Tensor embed_in_zeros(const Tensor& g, const DimVector& sizes, const ViewFn& view_fn) {
  return record1(
      "EmbedViewBackward", {g}, {}, false,
      [&] {
        Tensor r = zeros(sizes, g.options());
        view_fn(r).copy_(g);
        return r;
      },
      [view_fn](const variable_list& gg, const FormulaNode&) -> variable_list {
        return {view_fn(gg[0])};
      });
}

// A view whose gradient is the incoming gradient embedded into zeros of the input's shape.
Tensor record_embedding_view(const char* name, const Tensor& self, const ViewFn& view_fn) {
  DimVector sizes(self.sizes());
  return record1(
      name, {self}, {}, false, [&] { return view_fn(self); },
      [sizes, view_fn](const variable_list& g, const FormulaNode&) -> variable_list {
        return {embed_in_zeros(g[0], sizes, view_fn)};
      });
}

// A view whose gradient is the incoming gradient reshaped to the input's shape.
Tensor record_reshaping_view(const char* name, const Tensor& self, const ViewFn& view_fn) {
  DimVector sizes(self.sizes());
  return record1(
      name, {self}, {}, false, [&] { return view_fn(self); },
      [sizes](const variable_list& g, const FormulaNode&) -> variable_list {
        return {g[0].reshape(sizes)};
      });
}

Tensor view_fn(const Tensor& self, IntArrayRef sizes) {
  DimVector s(sizes);
  return record_reshaping_view("ViewBackward", self, [s](const Tensor& t) { return t.view(s); });
}
Tensor reshape_fn(const Tensor& self, IntArrayRef sizes) {
  DimVector s(sizes);
  return record_reshaping_view("ReshapeBackward", self,
                               [s](const Tensor& t) { return t.reshape(s); });
}
Tensor squeeze_fn(const Tensor& self) {
  return record_reshaping_view("SqueezeBackward", self,
                               [](const Tensor& t) { return t.squeeze(); });
}
Tensor squeeze_dim_fn(const Tensor& self, int64_t dim) {
  return record_reshaping_view("SqueezeBackward", self,
                               [dim](const Tensor& t) { return t.squeeze(dim); });
}
Tensor unsqueeze_fn(const Tensor& self, int64_t dim) {
  return record_reshaping_view("UnsqueezeBackward", self,
                               [dim](const Tensor& t) { return t.unsqueeze(dim); });
}
Tensor transpose_fn(const Tensor& self, int64_t d0, int64_t d1) {
  return record1(
      "TransposeBackward", {self}, {}, false, [&] { return self.transpose(d0, d1); },
      [d0, d1](const variable_list& g, const FormulaNode&) -> variable_list {
        return {g[0].transpose(d0, d1)};
      });
}
Tensor permute_fn(const Tensor& self, IntArrayRef dims) {
  const int64_t n = self.dim();
  std::vector<int64_t> forward(dims.begin(), dims.end()), inverse(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const int64_t d = forward[static_cast<size_t>(i)] < 0 ? forward[static_cast<size_t>(i)] + n
                                                          : forward[static_cast<size_t>(i)];
    inverse[static_cast<size_t>(d)] = i;
  }
  return record1(
      "PermuteBackward", {self}, {}, false, [&] { return self.permute(forward); },
      [inverse](const variable_list& g, const FormulaNode&) -> variable_list {
        return {g[0].permute(inverse)};
      });
}
Tensor expand_fn(const Tensor& self, IntArrayRef sizes) {
  // The node sums the gradient back down to self's shape (see FormulaNode::apply).
  return record1(
      "ExpandBackward", {self}, {}, false, [&] { return self.expand(sizes); },
      [](const variable_list& g, const FormulaNode&) -> variable_list { return {g[0]}; });
}
Tensor slice_fn(const Tensor& self, int64_t dim, std::optional<int64_t> start,
                std::optional<int64_t> end, int64_t step) {
  return record_embedding_view("SliceBackward", self,
                               [=](const Tensor& t) { return t.slice(dim, start, end, step); });
}
Tensor select_fn(const Tensor& self, int64_t dim, int64_t index) {
  return record_embedding_view("SelectBackward", self,
                               [=](const Tensor& t) { return t.select(dim, index); });
}
// The gradient of each input element is the sum over the view positions that read it (views may
// overlap): scatter_add the gradient at the positions' linear indices.
Tensor as_strided_fn(const Tensor& self, IntArrayRef sizes, IntArrayRef strides,
                     std::optional<int64_t> offset) {
  DimVector sz(sizes), st(strides);
  const int64_t rel = offset.value_or(self.storage_offset()) - self.storage_offset();
  DimVector self_sizes(self.sizes());
  EMBER_CHECK(self.is_contiguous(), Autograd,
              "as_strided: its gradient is computed for contiguous inputs only, but the input "
              "has strides {}; call .contiguous() first",
              detail::shape_string(self.strides()));
  return record1(
      "AsStridedBackward", {self}, {}, false,
      [&] { return self.as_strided(sizes, strides, offset); },
      [=](const variable_list& g, const FormulaNode&) -> variable_list {
        int64_t numel = 1;
        for (int64_t s : self_sizes) numel *= s;
        Tensor positions = arange(numel, TensorOptions().dtype(kInt64).device(g[0].device()))
                               .as_strided(sz, st, rel);
        Tensor flat = zeros({numel}, g[0].options());
        return {scatter_add(flat, 0, positions.reshape({-1}), g[0].reshape({-1})).view(self_sizes)};
      });
}
Tensor clone_fn(const Tensor& self) {
  return record1(
      "CloneBackward", {self}, {}, false, [&] { return self.clone(); },
      [](const variable_list& g, const FormulaNode&) -> variable_list { return {g[0]}; });
}
// The node casts the gradient back to the input's dtype and device.
Tensor to_fn(const Tensor& self, Device device, DType dtype, bool non_blocking, bool copy) {
  return record1(
      "ToCopyBackward", {self}, {}, false,
      [&] { return self.to(device, dtype, non_blocking, copy); },
      [](const variable_list& g, const FormulaNode&) -> variable_list { return {g[0]}; });
}

}  // namespace

EMBER_REGISTER_FORMULA(view, view_fn);
EMBER_REGISTER_FORMULA(reshape, reshape_fn);
EMBER_REGISTER_FORMULA(squeeze, squeeze_fn);
EMBER_REGISTER_FORMULA(squeeze_dim, squeeze_dim_fn);
EMBER_REGISTER_FORMULA(unsqueeze, unsqueeze_fn);
EMBER_REGISTER_FORMULA(transpose, transpose_fn);
EMBER_REGISTER_FORMULA(permute, permute_fn);
EMBER_REGISTER_FORMULA(expand, expand_fn);
EMBER_REGISTER_FORMULA(slice, slice_fn);
EMBER_REGISTER_FORMULA(select, select_fn);
EMBER_REGISTER_FORMULA(as_strided, as_strided_fn);
EMBER_REGISTER_FORMULA(clone, clone_fn);
EMBER_REGISTER_FORMULA(to, to_fn);

}  // namespace ember::autograd
