// Host-side checks of Ember's CUDA indexing, sorting and scan kernels, defined in
// index_checks.cpp (where fmt formats the errors; fmt does not compile in .cu files): the device
// word that kernels record a bad index in (Note [CUDA index bounds] in index_body.h), the
// conversion of sizes and strides to the fixed arrays kernels take, and the limits of the kernels.
#pragma once

#include <cstdint>

#include "ember/core/tensor.h"
#include "kernels/cuda/index_body.h"

namespace ember::cuda {

// A device word, set to kNoBadIndex on Ember's stream of `device`, in which kernels record the
// first row-major position of a bad index (record_bad_index).
class IndexBoundsCheck {
 public:
  explicit IndexBoundsCheck(int device);
  unsigned long long* slot() const;
  // Copies the word back, waiting for the work queued on Ember's stream so far (a
  // synchronisation), and throws the CPU's IndexError for the recorded position of `index`:
  // "op: index V is out of bounds for dimension D with size S".
  void throw_if_recorded(const Tensor& index, int64_t dim, int64_t size, const char* op) const;

 private:
  Tensor word_;
  int device_;
};

// sizes or strides as the fixed array kernels take; throws ShapeError naming op when there are
// more than kMaxIndexDims dims.
DimArray to_dim_array(IntArrayRef values, const char* op);

// Throws ShapeError naming op when a sort of numel elements exceeds the 32-bit positions of the
// CUDA sort kernels (2^31 - 1 elements).
void check_sortable_size(int64_t numel, const char* op);

// A contiguous device buffer of `bytes` bytes from the caching allocator (scratch space).
Tensor device_scratch(int64_t bytes, int device);

}  // namespace ember::cuda
