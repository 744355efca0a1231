// Device-neutral front half of reductions (Note [Meta, then impl]): the shape of a reduction's
// result and the ReduceIter that the CPU or CUDA kernel runs, with size-1 dims dropped, dims
// ordered by input stride and contiguous dims merged. Internal to Ember.
#pragma once

#include <cstdint>
#include <string_view>

#include "ember/core/small_vector.h"
#include "ember/core/tensor.h"
#include "ember/core/tensor_iterator.h"

namespace ember::detail {

// The shape of reducing `sizes` over the dims set in mask: those dims dropped, or kept with
// size 1 when keepdim.
EMBER_API DimVector reduced_shape(IntArrayRef sizes, uint64_t mask, bool keepdim);

// How many input elements fold into each output: the product of the reduced sizes (1 for a
// zero-dim tensor, 0 when a reduced dim is empty).
EMBER_API int64_t reduced_numel(IntArrayRef sizes, uint64_t mask);

// The iterator of reducing self over the dims in mask into out (values; may be undefined for
// argmax/argmin) and index_out (int64 indices of arg-reductions; else undefined). Both outputs
// must have the shape reduced_shape(self.sizes(), mask, keepdim) and, when both are given, the
// same strides. Kept dims and reduced dims are each ordered by input stride (innermost first,
// broadcast dims last) and merged where contiguous; an arg-reduction reduces at most one dim,
// whose order is kept so that the reduced index is the position along it.
EMBER_API ReduceIter make_reduce_iter(const Tensor& self, uint64_t mask, bool keepdim,
                                      const Tensor& out, const Tensor& index_out,
                                      std::string_view op);

}  // namespace ember::detail
