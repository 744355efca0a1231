// The bodies of Ember's CUDA element-wise kernels, as __host__ __device__ functions of an explicit
// work-item index: the thin __global__ wrapper in elementwise_launch.cuh calls them on the GPU,
// and tests/cuda/elementwise_body_test.cpp calls them in a plain loop on the CPU, so their
// indexing and math run in CI without a GPU. Free of CUDA headers.
//
// Note [Element-wise paths]
// - Vectorised (every tensor operand contiguous and aligned): work item w < num_chunks handles
//   kVec consecutive elements with one 16-byte load per operand of the widest type (narrower
//   operands load kVec elements at once too); the items after that handle the tail, one element
//   each. With num_chunks = 0 (misaligned pointers, tiny tensors) it is a plain contiguous loop.
// - Strided (any layout the ElementwiseIter describes, broadcast inputs have stride 0): item i is
//   element i in row-major order; the offsets of every operand come from one pass over the dims,
//   with 32-bit index arithmetic when numel fits (much cheaper divisions on the GPU).
// - Numbers (scalar_mask) are converted once, on the host, exactly as the CPU loop converts them:
//   to the storage type, then to the compute type (Note [Accumulate in float]).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <tuple>
#include <type_traits>
#include <utility>

#include "ember/core/tensor_iterator.h"
#include "kernels/functors.h"

namespace ember::cuda {

// ---- a minimal tuple usable in device code ----
namespace detail {
template <size_t I, typename T>
struct TupleLeaf {
  T value;
};
template <typename Seq, typename... T>
struct TupleBase;
template <size_t... I, typename... T>
struct TupleBase<std::index_sequence<I...>, T...> : TupleLeaf<I, T>... {};
}  // namespace detail

template <typename... T>
struct DeviceTuple : detail::TupleBase<std::index_sequence_for<T...>, T...> {};

template <size_t I, typename T>
EMBER_HOST_DEVICE inline T& get(detail::TupleLeaf<I, T>& leaf) {
  return leaf.value;
}
template <size_t I, typename T>
EMBER_HOST_DEVICE inline const T& get(const detail::TupleLeaf<I, T>& leaf) {
  return leaf.value;
}

// kN elements of T loaded or stored with one aligned access.
template <typename T, int kN>
struct alignas(sizeof(T) * kN) AlignedVector {
  T v[kN];
};

template <typename V, typename T>
EMBER_HOST_DEVICE inline V load_vector(const T* p) {
#if defined(__CUDA_ARCH__)
  return *reinterpret_cast<const V*>(p);
#else
  V v;
  std::memcpy(static_cast<void*>(&v), static_cast<const void*>(p), sizeof(V));
  return v;
#endif
}
template <typename V, typename T>
EMBER_HOST_DEVICE inline void store_vector(T* p, const V& v) {
#if defined(__CUDA_ARCH__)
  *reinterpret_cast<V*>(p) = v;
#else
  std::memcpy(static_cast<void*>(p), static_cast<const void*>(&v), sizeof(V));
#endif
}

// A number operand as the compute type, converted as the CPU loop converts it.
template <typename T>
inline opmath_t<T> number_operand(const ElementwiseIter& it, int operand) {
  if constexpr (std::is_same_v<T, bool>) {
    return it.scalar_i[operand] != 0;
  } else if constexpr (std::is_floating_point_v<opmath_t<T>>) {
    return static_cast<opmath_t<T>>(static_cast<T>(static_cast<opmath_t<T>>(it.scalar_d[operand])));
  } else {
    return static_cast<opmath_t<T>>(static_cast<T>(it.scalar_i[operand]));
  }
}

// An op's number argument (alpha, slope, bound) as the compute type M.
template <typename M>
inline M op_argument(double d, int64_t i) {
  if constexpr (std::is_floating_point_v<M>) {
    return static_cast<M>(d);
  } else if constexpr (std::is_same_v<M, bool>) {
    return i != 0;
  } else {
    return static_cast<M>(i);
  }
}

template <typename Out, typename... In>
inline constexpr size_t kWidestOperand = std::max({sizeof(Out), sizeof(In)...});

// Elements per work item of the vectorised path: 16 bytes of the widest operand.
template <typename Out, typename... In>
inline constexpr int kVectorWidth = static_cast<int>(16 / kWidestOperand<Out, In...>);

// ---- the contiguous (vectorised) body ----
template <typename Out, typename F, typename... In>
struct ContiguousBody {
  static constexpr int kArity = static_cast<int>(sizeof...(In));
  static constexpr int kVec = kVectorWidth<Out, In...>;
  using Seq = std::index_sequence_for<In...>;
  template <size_t I>
  using InType = std::tuple_element_t<I, std::tuple<In...>>;

  F f;
  Out* out;
  DeviceTuple<const In*...> in;         // null for numbers
  DeviceTuple<opmath_t<In>...> number;  // the value of number inputs
  uint32_t number_mask;                 // bit I: input I is a number
  int64_t numel;
  int64_t num_chunks;  // work items that handle kVec elements each

  // Work items: num_chunks vectors, then the tail elements one by one.
  int64_t work_items() const { return num_chunks + (numel - num_chunks * kVec); }

  EMBER_HOST_DEVICE void operator()(int64_t w) const {
    if (w < num_chunks) {
      vector_chunk(w * kVec, Seq{});
    } else {
      element(num_chunks * kVec + (w - num_chunks), Seq{});
    }
  }

 private:
  template <size_t I>
  EMBER_HOST_DEVICE bool is_number() const {
    return (number_mask >> I) & 1u;
  }

  template <size_t... I>
  EMBER_HOST_DEVICE void element(int64_t i, std::index_sequence<I...>) const {
    out[i] = static_cast<Out>(
        f((is_number<I>() ? get<I>(number) : static_cast<opmath_t<InType<I>>>(get<I>(in)[i]))...));
  }

  template <size_t... I>
  EMBER_HOST_DEVICE void vector_chunk(int64_t base, std::index_sequence<I...>) const {
    DeviceTuple<AlignedVector<In, kVec>...> v;
    (void)v;  // unused by fill, which has no inputs
    ((is_number<I>()
          ? void()
          : void(get<I>(v) = load_vector<AlignedVector<InType<I>, kVec>>(get<I>(in) + base))),
     ...);
    AlignedVector<Out, kVec> o;
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
    for (int j = 0; j < kVec; ++j) {
      o.v[j] = static_cast<Out>(f(
          (is_number<I>() ? get<I>(number) : static_cast<opmath_t<InType<I>>>(get<I>(v).v[j]))...));
    }
    store_vector(out + base, o);
  }
};

// ---- the strided body ----
template <typename Index, typename Out, typename F, typename... In>
struct StridedBody {
  static constexpr int kArity = static_cast<int>(sizeof...(In));
  using Seq = std::index_sequence_for<In...>;
  template <size_t I>
  using InType = std::tuple_element_t<I, std::tuple<In...>>;

  F f;
  Out* out;
  DeviceTuple<const In*...> in;
  DeviceTuple<opmath_t<In>...> number;
  uint32_t number_mask;
  int ndim;
  Index shape[kMaxIterDims];                  // innermost first
  int64_t strides[kArity + 1][kMaxIterDims];  // elements; operand 0 is the output
  int64_t numel;

  int64_t work_items() const { return numel; }

  EMBER_HOST_DEVICE void operator()(int64_t linear) const {
    int64_t offset[kArity + 1] = {};
    Index rem = static_cast<Index>(linear);
    // Unrolled to the fixed bound so that shape and strides are read at constant indices (kernel
    // parameters indexed at run time would be copied to local memory).
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
    for (int d = 0; d < kMaxIterDims; ++d) {
      if (d == ndim) break;
      const Index idx = rem % shape[d];
      rem /= shape[d];
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
      for (int k = 0; k <= kArity; ++k) offset[k] += static_cast<int64_t>(idx) * strides[k][d];
    }
    apply(offset, Seq{});
  }

 private:
  template <size_t... I>
  EMBER_HOST_DEVICE void apply(const int64_t* offset, std::index_sequence<I...>) const {
    out[offset[0]] =
        static_cast<Out>(f((((number_mask >> I) & 1u)
                                ? get<I>(number)
                                : static_cast<opmath_t<InType<I>>>(get<I>(in)[offset[I + 1]]))...));
  }
};

// ---- choosing a path and building its body from an iterator (host side) ----
enum class ElementwisePath { Contiguous, Strided32, Strided64 };

template <typename Out, typename... In>
inline bool vector_aligned(const ElementwiseIter& it) {
  constexpr int kVec = kVectorWidth<Out, In...>;
  constexpr size_t sizes[] = {sizeof(Out), sizeof(In)...};
  for (int k = 0; k <= static_cast<int>(sizeof...(In)); ++k) {
    if (it.is_scalar(k)) continue;
    if (reinterpret_cast<uintptr_t>(it.data[k]) % (sizes[k] * kVec) != 0) return false;
  }
  return true;
}

inline ElementwisePath choose_path(const ElementwiseIter& it) {
  if (it.contiguous) return ElementwisePath::Contiguous;
  return it.numel <= int64_t{0xffffffff} ? ElementwisePath::Strided32 : ElementwisePath::Strided64;
}

namespace detail {
template <typename Body, typename... In, size_t... I>
inline void fill_inputs(Body& body, const ElementwiseIter& it, std::index_sequence<I...>) {
  body.number_mask = 0;
  ((it.is_scalar(static_cast<int>(I) + 1)
        ? (void)(body.number_mask |= 1u << I,
                 get<I>(body.number) = number_operand<In>(it, static_cast<int>(I) + 1),
                 get<I>(body.in) = nullptr)
        : (void)(get<I>(body.number) = opmath_t<In>{},
                 get<I>(body.in) = static_cast<const In*>(it.data[I + 1]))),
   ...);
}
}  // namespace detail

// The body of a contiguous iterator; vectorised when every tensor operand is aligned for it.
template <typename Out, typename... In, typename F>
inline ContiguousBody<Out, F, In...> make_contiguous_body(const ElementwiseIter& it, const F& f) {
  ContiguousBody<Out, F, In...> body{};
  body.f = f;
  body.out = static_cast<Out*>(it.data[0]);
  detail::fill_inputs<ContiguousBody<Out, F, In...>, In...>(body, it,
                                                            std::index_sequence_for<In...>{});
  body.numel = it.numel;
  constexpr int kVec = kVectorWidth<Out, In...>;
  body.num_chunks = vector_aligned<Out, In...>(it) ? it.numel / kVec : 0;
  return body;
}

template <typename Index, typename Out, typename... In, typename F>
inline StridedBody<Index, Out, F, In...> make_strided_body(const ElementwiseIter& it, const F& f) {
  StridedBody<Index, Out, F, In...> body{};
  body.f = f;
  body.out = static_cast<Out*>(it.data[0]);
  detail::fill_inputs<StridedBody<Index, Out, F, In...>, In...>(body, it,
                                                                std::index_sequence_for<In...>{});
  body.ndim = it.ndim;
  for (int d = 0; d < kMaxIterDims; ++d) {
    body.shape[d] = d < it.ndim ? static_cast<Index>(it.shape[d]) : Index{1};
    for (int k = 0; k <= static_cast<int>(sizeof...(In)); ++k)
      body.strides[k][d] = d < it.ndim && !it.is_scalar(k) ? it.strides[k][d] : 0;
  }
  body.numel = it.numel;
  return body;
}

}  // namespace ember::cuda
