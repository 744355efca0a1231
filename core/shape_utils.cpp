// Dim wrapping, broadcasting and output resizing.
#include "ember/core/shape_utils.h"

#include "ember/core/check.h"

namespace ember::detail {

int64_t wrap_dim(int64_t dim, int64_t ndim, std::string_view op) {
  const int64_t n = ndim > 0 ? ndim : 1;
  EMBER_CHECK(dim >= -n && dim < n, Index,
              "{}: dimension {} is out of range for a tensor of {} dims (expected in [{}, {}])", op,
              dim, ndim, -n, n - 1);
  return dim < 0 ? dim + n : dim;
}

DimVector broadcast_shapes_or_throw(ArrayRef<IntArrayRef> shapes, std::string_view op) {
  size_t nd = 0;
  for (IntArrayRef s : shapes) nd = std::max(nd, s.size());
  DimVector out(nd, 1);
  for (IntArrayRef s : shapes) {
    const size_t offset = nd - s.size();
    for (size_t i = 0; i < s.size(); ++i) {
      int64_t& o = out[offset + i];
      if (s[i] == o || s[i] == 1) continue;
      if (o == 1) {
        o = s[i];
        continue;
      }
      std::string all;
      for (size_t j = 0; j < shapes.size(); ++j)
        all += (j ? " and " : "") + shape_string(shapes[j]);
      EMBER_FAIL(Shape,
                 "{}: shapes {} cannot be broadcast together (size {} vs {} at dim {} counting "
                 "from the left of the broadcast shape)",
                 op, all, o, s[i], offset + i);
    }
  }
  return out;
}

void resize_output(const Tensor& out, IntArrayRef shape) {
  const int64_t n = checked_numel(shape);
  auto storage =
      make_intrusive<StorageImpl>(static_cast<size_t>(n) * out.element_size(), out.device());
  out.impl()->set_storage(std::move(storage));
  out.impl()->set_geometry(shape, contiguous_strides(shape), 0);
}

uint64_t dims_mask(IntArrayRef dims, int64_t ndim, std::string_view op) {
  EMBER_CHECK(ndim <= 64, Shape, "{}: tensors with more than 64 dims are not supported", op);
  if (dims.empty()) return ndim >= 64 ? ~uint64_t{0} : ((uint64_t{1} << ndim) - 1);
  uint64_t mask = 0;
  for (int64_t d : dims) {
    const int64_t w = wrap_dim(d, ndim, op);
    EMBER_CHECK(!(mask >> w & 1u), Value, "{}: dim {} appears more than once in dims {}", op, w,
                dims.vec());
    mask |= uint64_t{1} << w;
  }
  if (ndim == 0) return 0;
  return mask;
}

std::string shape_string(IntArrayRef shape) {
  return fmt::format("[{}]", fmt::join(shape, ", "));
}

}  // namespace ember::detail
