// Index arithmetic of the joining, indexing, sorting and scan kernels (cat, index_select, gather,
// scatter_add, nonzero, sort, topk, cumsum), as __host__ __device__ functions of explicit
// positions, so the CPU loops and the CUDA kernels compute the same offsets. No CUDA header.
//
// Note [Rows along a dim]
// gather, scatter_add, sort, topk and cumsum work on "rows": the 1-D lines of a tensor along
// `dim`. Row r enumerates, in row-major order, every combination of the other dims' positions.
// A row's first element sits at row_offset(r, ...); its j-th at that plus j * strides[dim].
// Tensors that share one row layout (gather's index, self and out) take the same r with their own
// strides, so rows of different tensors line up by position, not by memory.
#pragma once

#include <cstdint>

#include "ember/core/macros.h"

namespace ember::index_math {

// Element offset of the row-major position `linear` in a tensor of `ndim` dims.
EMBER_HOST_DEVICE inline int64_t linear_to_offset(int64_t linear, int ndim, const int64_t* sizes,
                                                  const int64_t* strides) {
  int64_t offset = 0;
  for (int d = ndim - 1; d >= 0; --d) {
    const int64_t size = sizes[d];
    offset += (linear % size) * strides[d];
    linear /= size;
  }
  return offset;
}

// Offset of the first element of row `row` along `dim` (Note [Rows along a dim]). `sizes` gives
// the row layout, `strides` the tensor read or written.
EMBER_HOST_DEVICE inline int64_t row_offset(int64_t row, int ndim, const int64_t* sizes,
                                            const int64_t* strides, int dim) {
  int64_t offset = 0;
  for (int d = ndim - 1; d >= 0; --d) {
    if (d == dim) continue;
    const int64_t size = sizes[d];
    offset += (row % size) * strides[d];
    row /= size;
  }
  return offset;
}

// Writes the multi-index of row-major position `linear` into `index` (ndim entries).
EMBER_HOST_DEVICE inline void unravel_index(int64_t linear, int ndim, const int64_t* sizes,
                                            int64_t* index) {
  for (int d = ndim - 1; d >= 0; --d) {
    index[d] = linear % sizes[d];
    linear /= sizes[d];
  }
}

// An index names an element of a dim of `size` (no wrapping of negative indices).
EMBER_HOST_DEVICE inline bool index_in_bounds(int64_t index, int64_t size) {
  return index >= 0 && index < size;
}

// cat: element offset in the contiguous output of element (outer, j, k) of an input whose slice
// starts at `dim_offset` along the cat dim. The output is [outer, out_dim_size, inner].
EMBER_HOST_DEVICE inline int64_t cat_output_offset(int64_t outer, int64_t j, int64_t k,
                                                   int64_t dim_offset, int64_t out_dim_size,
                                                   int64_t inner) {
  return (outer * out_dim_size + dim_offset + j) * inner + k;
}

// index_select: element offset in the contiguous output [outer, num_indices, inner] of row
// (outer, j), the row that copies the source row index[j].
EMBER_HOST_DEVICE inline int64_t index_select_output_offset(int64_t outer, int64_t j,
                                                            int64_t num_indices, int64_t inner) {
  return (outer * num_indices + j) * inner;
}

}  // namespace ember::index_math
