// Result shapes and iterator building for reductions (see core/reduce.h).
#include "ember/core/reduce.h"

#include <algorithm>

#include "ember/core/check.h"
#include "ember/core/shape_utils.h"

namespace ember::detail {

namespace {

// One dim of a reduction's iteration: its size and strides in the input and the output.
struct IterDim {
  int64_t size;
  int64_t in_stride;
  int64_t out_stride;
};
using IterDims = SmallVector<IterDim, kMaxIterDims>;

// Innermost first by input stride; broadcast dims (stride 0) go outermost so that a contiguous
// dim stays innermost. Stable, so equal strides keep their order.
void order_by_input_stride(IterDims& dims) {
  auto key = [](const IterDim& d) {
    return d.in_stride == 0 ? INT64_MAX : (d.in_stride < 0 ? -d.in_stride : d.in_stride);
  };
  std::stable_sort(dims.begin(), dims.end(),
                   [&](const IterDim& a, const IterDim& b) { return key(a) < key(b); });
}

// Merges each dim into the one inside it when both operands step through them as one dim.
void coalesce(IterDims& dims) {
  if (dims.empty()) return;
  size_t n = 0;
  for (size_t i = 1; i < dims.size(); ++i) {
    IterDim& inner = dims[n];
    const IterDim& outer = dims[i];
    if (outer.in_stride == inner.in_stride * inner.size &&
        outer.out_stride == inner.out_stride * inner.size) {
      inner.size *= outer.size;
    } else {
      dims[++n] = outer;
    }
  }
  while (dims.size() > n + 1) dims.pop_back();
}

}  // namespace

DimVector reduced_shape(IntArrayRef sizes, uint64_t mask, bool keepdim) {
  DimVector shape;
  for (size_t d = 0; d < sizes.size(); ++d) {
    if (!(mask >> d & 1u)) {
      shape.push_back(sizes[d]);
    } else if (keepdim) {
      shape.push_back(1);
    }
  }
  return shape;
}

int64_t reduced_numel(IntArrayRef sizes, uint64_t mask) {
  int64_t n = 1;
  for (size_t d = 0; d < sizes.size(); ++d)
    if (mask >> d & 1u) n *= sizes[d];
  return n;
}

ReduceIter make_reduce_iter(const Tensor& self, uint64_t mask, bool keepdim, const Tensor& out,
                            const Tensor& index_out, std::string_view op) {
  const Tensor& result = out.defined() ? out : index_out;
  const int64_t nd = self.dim();
  const DimVector expected = reduced_shape(self.sizes(), mask, keepdim);
  EMBER_CHECK(result.sizes() == IntArrayRef(expected), Shape,
              "{}: the result has shape {} but reducing shape {} gives {}", op, result.shape_str(),
              self.shape_str(), shape_string(expected));
  EMBER_CHECK(!(out.defined() && index_out.defined()) || out.strides() == index_out.strides(),
              Shape, "{}: values and indices must share strides ({} vs {})", op,
              out.strides().vec(), index_out.strides().vec());

  IterDims kept, reduced;
  int64_t out_dim = static_cast<int64_t>(expected.size());
  for (int64_t d = nd; d-- > 0;) {
    const bool is_reduced = mask >> d & 1u;
    // The result dim this input dim maps to (reduced dims have one only with keepdim).
    int64_t out_stride = 0;
    if (keepdim) {
      out_stride = is_reduced ? 0 : result.stride(d);
    } else if (!is_reduced) {
      out_stride = result.stride(--out_dim);
    }
    if (self.size(d) == 1) continue;
    (is_reduced ? reduced : kept).push_back(IterDim{self.size(d), self.stride(d), out_stride});
  }
  const bool indexed = index_out.defined();
  EMBER_CHECK(!indexed || reduced.size() <= 1, Shape,
              "{}: an arg-reduction reduces one dim, got {}", op, reduced.size());
  order_by_input_stride(kept);
  coalesce(kept);
  if (!indexed) {
    order_by_input_stride(reduced);
    coalesce(reduced);
  }
  EMBER_CHECK(kept.size() <= static_cast<size_t>(kMaxIterDims) &&
                  reduced.size() <= static_cast<size_t>(kMaxIterDims),
              Shape,
              "{}: this layout of shape {} needs {} kept and {} reduced dims that cannot be "
              "merged; reduction kernels take at most {} of each. Call .contiguous() first",
              op, self.shape_str(), kept.size(), reduced.size(), kMaxIterDims);

  ReduceIter it;
  it.out_ndim = static_cast<int>(kept.size());
  it.red_ndim = static_cast<int>(reduced.size());
  for (int d = 0; d < it.out_ndim; ++d) {
    it.out_shape[d] = kept[d].size;
    it.out_strides_in[d] = kept[d].in_stride;
    it.out_strides_out[d] = kept[d].out_stride;
    it.out_numel *= kept[d].size;
  }
  for (int d = 0; d < it.red_ndim; ++d) {
    it.red_shape[d] = reduced[d].size;
    it.red_strides_in[d] = reduced[d].in_stride;
    it.red_numel *= reduced[d].size;
  }
  it.in = self.data_ptr();
  it.out = out.defined() ? out.data_ptr() : nullptr;
  it.out_index = indexed ? index_out.data_ptr() : nullptr;
  it.in_dtype = self.dtype();
  it.out_dtype = result.dtype();
  return it;
}

}  // namespace ember::detail
