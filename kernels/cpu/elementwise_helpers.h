// Small adapters from an op's functor template to the CPU loop, with the dtype switch, so each
// kernel file registers a row in one line.
#pragma once

#include <type_traits>

#include "ember/core/dispatch.h"
#include "kernels/cpu/elementwise_loops.h"
#include "kernels/dtype_dispatch.h"
#include "kernels/functors.h"

namespace ember::cpu {

// A number argument of an op (alpha, slope, bound) as the compute type T.
template <typename T>
inline T arg_as(double d, int64_t i) {
  if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(d);
  } else if constexpr (std::is_same_v<T, bool>) {
    return i != 0;
  } else {
    return static_cast<T>(i);
  }
}

// out = F(a, b) with out, a, b of the same dtype.
template <template <class> class F, typename Types>
void binary_kernel(const ElementwiseIter& it, const char* name) {
  dispatch_dtype<Types>(it.dtype[1], name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    elementwise_kernel<T, T, T>(it, F<opmath_t<T>>{});
  });
}

// bool out = F(a, b).
template <template <class> class F, typename Types>
void compare_kernel(const ElementwiseIter& it, const char* name) {
  dispatch_dtype<Types>(it.dtype[1], name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    elementwise_kernel<bool, T, T>(it, F<opmath_t<T>>{});
  });
}

// out = F(a) with out and a of the same dtype.
template <template <class> class F, typename Types>
void unary_kernel(const ElementwiseIter& it, const char* name) {
  dispatch_dtype<Types>(it.dtype[1], name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    elementwise_kernel<T, T>(it, F<opmath_t<T>>{});
  });
}

}  // namespace ember::cpu
