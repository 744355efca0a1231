// CPU kernels of the comparing reductions: amax and amin (values over any dims), and max, min,
// argmax, argmin (value and int64 index along one dim; argmax/argmin leave out the values).
// NaN propagates and the first of equal values wins (kernels/reduce_functors.h).
#include "ember/core/dispatch.h"
#include "kernels/cpu/reduce_loops.h"
#include "kernels/dtype_dispatch.h"

namespace ember::cpu {
namespace {

// Bool is read as the uint8 it is stored as (0 < 1 orders them the same), and written back so.
template <template <class> class Reduce>
void value_kernel(const ReduceIter& it, const char* name) {
  const DType in = it.in_dtype == kBool ? kUInt8 : it.in_dtype;
  dispatch_dtype<NumericTypes>(in, name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    reduce_kernel<T, T>(it, Reduce<opmath_t<T>>{});
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

EMBER_REGISTER_KERNEL(amax, CPU, amax_kernel);
EMBER_REGISTER_KERNEL(amin, CPU, amin_kernel);
EMBER_REGISTER_KERNEL(max, CPU, max_kernel);
EMBER_REGISTER_KERNEL(min, CPU, min_kernel);
EMBER_REGISTER_KERNEL(argmax, CPU, max_kernel);
EMBER_REGISTER_KERNEL(argmin, CPU, min_kernel);

}  // namespace ember::cpu
