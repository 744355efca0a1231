// The generic CPU loop for point-wise ops: runs a functor over an ElementwiseIter. A contiguous
// fast path (a flat loop the compiler vectorises, with number operands bound outside the loop)
// and a strided path (innermost dim linear, outer dims by carried counters), both split over
// OpenMP threads for large tensors. Storage types convert to opmath_t on load and back on store.
#pragma once

#include <cstdint>
#include <tuple>
#include <type_traits>
#include <utility>

#include "ember/core/tensor_iterator.h"
#include "kernels/cpu/parallel.h"
#include "kernels/functors.h"

namespace ember::cpu {

// The value of a number operand converted to T.
template <typename T>
inline T scalar_operand(const ElementwiseIter& it, int operand) {
  if constexpr (std::is_floating_point_v<opmath_t<T>>) {
    return static_cast<T>(static_cast<opmath_t<T>>(it.scalar_d[operand]));
  } else if constexpr (std::is_same_v<T, bool>) {
    return it.scalar_i[operand] != 0;
  } else {
    return static_cast<T>(it.scalar_i[operand]);
  }
}

namespace detail {

template <typename Out, typename... In, typename F, size_t... I>
inline void contiguous_loop(Out* __restrict out, const std::tuple<const In*...>& in,
                            const std::tuple<int64_t, int64_t, int64_t>& steps, int64_t n,
                            const F& f, std::index_sequence<I...>) {
  (void)steps;
  for (int64_t i = 0; i < n; ++i) {
    out[i] =
        static_cast<Out>(f(static_cast<opmath_t<In>>(std::get<I>(in)[i * std::get<I>(steps)])...));
  }
}

// All tensor inputs contiguous (step 1); number inputs are read once (step 0). The step of each
// input is a compile-time constant in the common cases so the loop vectorises.
template <typename Out, typename... In, typename F, size_t... I>
inline void contiguous_dispatch(Out* out, std::tuple<const In*...> in, uint32_t scalar_mask,
                                int64_t n, const F& f, std::index_sequence<I...> seq) {
  constexpr size_t kArity = sizeof...(In);
  if constexpr (kArity == 0) {
    for (int64_t i = 0; i < n; ++i) out[i] = static_cast<Out>(f());
  } else if constexpr (kArity == 1) {
    contiguous_loop<Out, In...>(out, in, {(scalar_mask & 2u) ? 0 : 1, 0, 0}, n, f, seq);
  } else if constexpr (kArity == 2) {
    using A = std::tuple_element_t<0, std::tuple<In...>>;
    using B = std::tuple_element_t<1, std::tuple<In...>>;
    const A* a = std::get<0>(in);
    const B* b = std::get<1>(in);
    if (scalar_mask == 0) {
      for (int64_t i = 0; i < n; ++i)
        out[i] =
            static_cast<Out>(f(static_cast<opmath_t<A>>(a[i]), static_cast<opmath_t<B>>(b[i])));
    } else if (scalar_mask & 4u) {  // operand 2 (the second input) is a number
      const opmath_t<B> bv = static_cast<opmath_t<B>>(b[0]);
      for (int64_t i = 0; i < n; ++i)
        out[i] = static_cast<Out>(f(static_cast<opmath_t<A>>(a[i]), bv));
    } else {
      const opmath_t<A> av = static_cast<opmath_t<A>>(a[0]);
      for (int64_t i = 0; i < n; ++i)
        out[i] = static_cast<Out>(f(av, static_cast<opmath_t<B>>(b[i])));
    }
  } else {
    static_assert(kArity == 3, "elementwise ops take one to three inputs");
    if (scalar_mask == 0) {
      contiguous_loop<Out, In...>(out, in, {1, 1, 1}, n, f, seq);
    } else {
      std::tuple<int64_t, int64_t, int64_t> steps{(scalar_mask >> 1) & 1u ? 0 : 1,
                                                  (scalar_mask >> 2) & 1u ? 0 : 1,
                                                  (scalar_mask >> 3) & 1u ? 0 : 1};
      contiguous_loop<Out, In...>(out, in, steps, n, f, seq);
    }
  }
}

}  // namespace detail

namespace detail {

template <typename Out, typename... In, typename F, size_t... I>
inline void strided_run(Out* o, int64_t so, const std::tuple<const In*...>& p,
                        const int64_t (&s)[sizeof...(In) + 1], int64_t n, const F& f,
                        std::index_sequence<I...>) {
  for (int64_t i = 0; i < n; ++i)
    o[i * so] = static_cast<Out>(f(static_cast<opmath_t<In>>(std::get<I>(p)[i * s[I]])...));
}

// Pointers to the inputs' first elements: tensors from the iterator, numbers from `scalars`.
template <typename... In, size_t... I>
inline std::tuple<const In*...> input_pointers(const ElementwiseIter& it,
                                               std::tuple<In...>& scalars,
                                               std::index_sequence<I...>) {
  ((it.is_scalar(I + 1) ? (void)(std::get<I>(scalars) = scalar_operand<In>(it, I + 1)) : (void)0),
   ...);
  return std::tuple<const In*...>{it.is_scalar(I + 1) ? &std::get<I>(scalars)
                                                      : static_cast<const In*>(it.data[I + 1])...};
}

template <typename... In, size_t... I>
inline std::tuple<const In*...> advance(const std::tuple<const In*...>& p, const int64_t* off,
                                        uint32_t scalar_mask, std::index_sequence<I...>) {
  return std::tuple<const In*...>{std::get<I>(p) +
                                  (((scalar_mask >> (I + 1)) & 1u) ? 0 : off[I + 1])...};
}

}  // namespace detail

// Runs out = f(in...) over the iterator. Out and In... are the storage types of the operands;
// f takes and returns opmath types. Never throws (it may run inside an OpenMP region).
template <typename Out, typename... In, typename F>
void elementwise_kernel(const ElementwiseIter& iter, const F& f) {
  constexpr int kArity = static_cast<int>(sizeof...(In));
  static_assert(kArity + 1 <= kMaxOperands, "elementwise ops take at most three inputs");
  using Seq = std::index_sequence_for<In...>;
  if (iter.numel == 0) return;

  std::tuple<In...> scalars{};
  const std::tuple<const In*...> base = detail::input_pointers<In...>(iter, scalars, Seq{});
  Out* out = static_cast<Out*>(iter.data[0]);

  if (iter.contiguous) {
    parallel_for(0, iter.numel, kParallelGrain, [&](int64_t begin, int64_t end) {
      int64_t off[kMaxOperands];
      for (int k = 0; k < kMaxOperands; ++k) off[k] = begin;
      detail::contiguous_dispatch<Out, In...>(
          out + begin, detail::advance<In...>(base, off, iter.scalar_mask, Seq{}), iter.scalar_mask,
          end - begin, f, Seq{});
    });
    return;
  }

  // Strided: walk the innermost dim linearly, carry into the outer dims.
  const int ndim = iter.ndim;
  parallel_for(0, iter.numel, kParallelGrain, [&](int64_t begin, int64_t end) {
    int64_t idx[kMaxIterDims] = {};
    int64_t rem = begin;
    for (int d = 0; d < ndim; ++d) {
      idx[d] = rem % iter.shape[d];
      rem /= iter.shape[d];
    }
    int64_t inner_stride[kArity + 1];
    for (int k = 0; k <= kArity; ++k)
      inner_stride[k] = (ndim == 0 || iter.is_scalar(k)) ? 0 : iter.strides[k][0];
    // The input strides, shifted so that inner_stride_in[I] is input I's.
    int64_t inner_stride_in[kArity + 1];
    for (int k = 0; k < kArity; ++k) inner_stride_in[k] = inner_stride[k + 1];
    inner_stride_in[kArity] = 0;
    int64_t linear = begin;
    while (linear < end) {
      int64_t off[kMaxOperands] = {};
      for (int k = 0; k <= kArity; ++k)
        for (int d = 0; d < ndim; ++d) off[k] += idx[d] * iter.strides[k][d];
      const int64_t inner = ndim > 0 ? iter.shape[0] - idx[0] : 1;
      const int64_t n = std::min<int64_t>(inner, end - linear);
      detail::strided_run<Out, In...>(out + off[0], inner_stride[0],
                                      detail::advance<In...>(base, off, iter.scalar_mask, Seq{}),
                                      inner_stride_in, n, f, Seq{});
      linear += n;
      if (ndim > 0) {
        idx[0] += n;
        for (int d = 0; d < ndim - 1 && idx[d] >= iter.shape[d]; ++d) {
          idx[d] = 0;
          ++idx[d + 1];
        }
      }
    }
  });
}

}  // namespace ember::cpu
