// CUDA rows of the comparing reductions: amax and amin (values over any dims), and max, min,
// argmax, argmin (value and int64 index along one dim; argmax/argmin leave out the values),
// through the one reduction launcher (reduce_launch.cuh) over the functors the CPU runs
// (kernels/reduce_functors.h): NaN propagates and the first of equal values wins, exactly as on
// the CPU.
#include "ember/core/dispatch.h"
#include "kernels/cuda/reduce_launch.cuh"
#include "kernels/dtype_dispatch.h"

namespace ember::cuda {
namespace {

// Bool is read as the uint8 it is stored as (0 < 1 orders them the same), and written back so.
template <template <class> class Reduce>
void value_kernel(const ReduceIter& it, const char* name) {
  const DType in = it.in_dtype == kBool ? kUInt8 : it.in_dtype;
  dispatch_dtype<NumericTypes>(in, name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    launch_reduce<T, T>(it, Reduce<opmath_t<T>>{}, name);
  });
}

void amax_kernel(const ReduceIter& it) {
  value_kernel<MaxReduce>(it, "amax");
}
void amin_kernel(const ReduceIter& it) {
  value_kernel<MinReduce>(it, "amin");
}
// max and argmax share a kernel: it writes values when iter.out is set, indices always.
void max_kernel(const ReduceIter& it) {
  value_kernel<ArgMaxReduce>(it, "max");
}
void min_kernel(const ReduceIter& it) {
  value_kernel<ArgMinReduce>(it, "min");
}

}  // namespace

EMBER_REGISTER_KERNEL(amax, CUDA, amax_kernel);
EMBER_REGISTER_KERNEL(amin, CUDA, amin_kernel);
EMBER_REGISTER_KERNEL(max, CUDA, max_kernel);
EMBER_REGISTER_KERNEL(min, CUDA, min_kernel);
EMBER_REGISTER_KERNEL(argmax, CUDA, max_kernel);
EMBER_REGISTER_KERNEL(argmin, CUDA, min_kernel);

}  // namespace ember::cuda
