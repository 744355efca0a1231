// Shape helpers shared by the ops: dim wrapping, broadcasting, and output resizing. Internal.
#pragma once

#include <string_view>

#include "ember/core/small_vector.h"
#include "ember/core/tensor.h"

namespace ember::detail {

// dim in [-ndim, ndim) -> [0, ndim); throws IndexError naming the op otherwise. A zero-dim
// tensor accepts dims -1 and 0 (like PyTorch).
EMBER_API int64_t wrap_dim(int64_t dim, int64_t ndim, std::string_view op);

// The broadcast shape of several shapes; ShapeError naming the op, the shapes and the dim.
EMBER_API DimVector broadcast_shapes_or_throw(ArrayRef<IntArrayRef> shapes, std::string_view op);

// Gives an empty `out` tensor fresh contiguous storage of the given shape (its dtype and device
// stay). Used by `_out` ops whose out has no elements yet.
EMBER_API void resize_output(const Tensor& out, IntArrayRef shape);

// A set of distinct dims as a bitmask; an empty list means every dim. Duplicates are an error.
EMBER_API uint64_t dims_mask(IntArrayRef dims, int64_t ndim, std::string_view op);

// "[2, 3]" for error messages.
EMBER_API std::string shape_string(IntArrayRef shape);

}  // namespace ember::detail
