// The orders sort and topk use, as __host__ __device__ comparisons shared by the CPU and CUDA
// kernels. NaN sorts as the largest value (after +inf), and NaNs equal each other, like PyTorch.
// Half and BFloat16 compare through float keys (SortKey), bool as itself.
#pragma once

#include <cstdint>
#include <type_traits>

#include "ember/core/half.h"
#include "ember/core/macros.h"

namespace ember::sort_order {

// The type values are compared in: float for the 16-bit floats, the type itself otherwise.
template <typename T>
struct SortKeyType {
  using type = T;
};
template <>
struct SortKeyType<Half> {
  using type = float;
};
template <>
struct SortKeyType<BFloat16> {
  using type = float;
};
template <typename T>
using SortKey = typename SortKeyType<T>::type;

template <typename K>
EMBER_HOST_DEVICE inline bool is_nan_key(K v) {
  if constexpr (std::is_floating_point_v<K>) {
    return v != v;
  } else {
    return false;
  }
}

// a < b in the order where NaN is above everything (and NaN is not below NaN).
template <typename K>
EMBER_HOST_DEVICE inline bool nan_last_less(K a, K b) {
  if (is_nan_key(a)) return false;
  if (is_nan_key(b)) return true;
  return a < b;
}

// a comes before b in a sort of the given direction. Equal keys (NaNs included) compare false
// both ways, so a stable sort keeps their input order.
template <typename K>
EMBER_HOST_DEVICE inline bool sorts_before(K a, K b, bool descending) {
  return descending ? nan_last_less(b, a) : nan_last_less(a, b);
}

// A strict total order for topk: by key in the requested direction (largest first when
// `largest`), then by position, so equal values keep their input order and the result is the
// same whatever algorithm selects it.
template <typename K>
EMBER_HOST_DEVICE inline bool topk_before(K a, int64_t a_index, K b, int64_t b_index,
                                          bool largest) {
  if (sorts_before(a, b, largest)) return true;
  if (sorts_before(b, a, largest)) return false;
  return a_index < b_index;
}

}  // namespace ember::sort_order
