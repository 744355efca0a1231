// The plain-data descriptions that device-neutral op code hands to kernels: ElementwiseIter for
// point-wise ops and ReduceIter for reductions. Both are trivially copyable so a CUDA launcher
// passes them by value. Shapes are stored innermost dim first, already broadcast and coalesced,
// so kernels only compute (Note [Meta, then impl]).
//
// Note [Meta, then impl]
// An op's checks (shapes, dtypes, devices), its output's allocation and the iteration layout are
// computed once in core/ops_*.cpp, on no particular device. A kernel receives a finished
// description and cannot fail on bad input; it only computes.
#pragma once

#include <cstdint>

#include "ember/core/dtype.h"
#include "ember/core/macros.h"

namespace ember {

class Tensor;

// Most dims an iteration keeps after coalescing; tensors with more are refused with an error.
inline constexpr int kMaxIterDims = 12;
// Output plus at most three inputs (where: condition, self, other).
inline constexpr int kMaxOperands = 4;

struct ElementwiseIter {
  int ndim = 0;       // dims after broadcasting and coalescing (0 for a single element)
  int noperands = 0;  // operand 0 is the output, then the inputs in order
  int64_t numel = 0;
  int64_t shape[kMaxIterDims] = {};                  // innermost first
  int64_t strides[kMaxOperands][kMaxIterDims] = {};  // in elements, innermost first
  void* data[kMaxOperands] = {};
  DType dtype[kMaxOperands] = {};
  // Inputs given as numbers rather than tensors: bit i set means operand i is the value
  // scalar_d[i] / scalar_i[i] (already of the input dtype's kind) and data[i] is null.
  uint32_t scalar_mask = 0;
  double scalar_d[kMaxOperands] = {};
  int64_t scalar_i[kMaxOperands] = {};
  // Every tensor operand is contiguous over the same numel: one flat loop does it.
  bool contiguous = false;

  EMBER_HOST_DEVICE bool is_scalar(int operand) const { return (scalar_mask >> operand) & 1u; }
  // Element offset of linear index i (row-major over the broadcast shape) for one operand.
  EMBER_HOST_DEVICE int64_t offset(int operand, int64_t linear) const {
    int64_t off = 0;
    for (int d = 0; d < ndim; ++d) {
      int64_t idx = linear % shape[d];
      linear /= shape[d];
      off += idx * strides[operand][d];
    }
    return off;
  }
};

// Parameters of point-wise ops: alpha for add/sub, the slope of leaky_relu, clamp bounds, the
// gelu mode. Kernels convert them to the compute type once, outside the loop.
struct ElementwiseArgs {
  double d0 = 0.0, d1 = 0.0;
  int64_t i0 = 0, i1 = 0;
  int32_t flags = 0;  // op-specific bits, e.g. which clamp bounds are present
};

// A reduction: for each element of the output (kept dims), combine the input over the reduced
// dims. Input offsets are out_index . out_strides_in + red_index . red_strides_in.
struct ReduceIter {
  int out_ndim = 0;
  int red_ndim = 0;
  int64_t out_numel = 1;
  int64_t red_numel = 1;
  int64_t out_shape[kMaxIterDims] = {};        // innermost first
  int64_t out_strides_out[kMaxIterDims] = {};  // output (and index output) strides, elements
  int64_t out_strides_in[kMaxIterDims] = {};   // input strides along the kept dims
  int64_t red_shape[kMaxIterDims] = {};        // innermost first
  int64_t red_strides_in[kMaxIterDims] = {};   // input strides along the reduced dims
  const void* in = nullptr;
  void* out = nullptr;
  void* out_index = nullptr;  // int64 indices for max/min/argmax/argmin, else null
  DType in_dtype = DType::Float32;
  DType out_dtype = DType::Float32;

  EMBER_HOST_DEVICE int64_t in_offset_of_out(int64_t linear, int64_t* out_offset) const {
    int64_t off_in = 0, off_out = 0;
    for (int d = 0; d < out_ndim; ++d) {
      int64_t idx = linear % out_shape[d];
      linear /= out_shape[d];
      off_in += idx * out_strides_in[d];
      off_out += idx * out_strides_out[d];
    }
    *out_offset = off_out;
    return off_in;
  }
  EMBER_HOST_DEVICE int64_t in_offset_of_red(int64_t linear) const {
    int64_t off = 0;
    for (int d = 0; d < red_ndim; ++d) {
      int64_t idx = linear % red_shape[d];
      linear /= red_shape[d];
      off += idx * red_strides_in[d];
    }
    return off;
  }
};

}  // namespace ember
