// The math of every reduction, once, as __host__ __device__ functors. The CPU loops
// (kernels/cpu/reduce_loops.h) and the CUDA reduction kernels run the same functors, so the CPU
// result is the reference the CUDA result is tested against.
//
// Note [Reduction functors]
// A reduction folds the input values of each output into an accumulator of type acc_t:
//   identity()            the accumulator of an empty range
//   reduce(acc, x, i)     folds one input value x (of type value_t, see load_reduce_value) found
//                         at reduced index i (the index only matters to arg-reductions); each
//                         accumulator receives its elements in increasing index order
//   combine(a, b)         merges two partial accumulators
//   project(acc)          the result written to the output (values; arg-reductions also write
//                         acc.index to the index output)
// A loop may split the range into parts, fold each part from identity() and combine the parts;
// the CPU loop does so at boundaries fixed by the shape alone, so its results do not depend on
// the number of threads (Note [Deterministic reductions] in kernels/cpu/reduce_loops.h).
//
// Max, min and their arg forms propagate NaN: a NaN anywhere makes the result NaN, and the index
// is the first NaN's. Among equal values the first index wins, as in PyTorch.
#pragma once

#include <cstdint>
#include <limits>
#include <type_traits>

#include "ember/core/half.h"
#include "ember/core/macros.h"
#include "kernels/functors.h"

namespace ember {

// The accumulator type of sum and prod for an input type on the CPU: double for float and
// double (free at memory speed, Note [Accumulate in float]), float for Half and BFloat16, int64
// for integers and bool (so int32 and uint8 sums wrap only when stored, like PyTorch's).
template <typename T>
struct CpuSumAcc {
  using type = int64_t;
};
template <>
struct CpuSumAcc<float> {
  using type = double;
};
template <>
struct CpuSumAcc<double> {
  using type = double;
};
template <>
struct CpuSumAcc<Half> {
  using type = float;
};
template <>
struct CpuSumAcc<BFloat16> {
  using type = float;
};
template <typename T>
using cpu_sum_acc_t = typename CpuSumAcc<T>::type;

// An input element converted to the value type a reducer folds: bool reducers (all, any) test
// for non-zero (NaN counts as non-zero), others convert through the input's opmath type.
template <typename V, typename In>
EMBER_HOST_DEVICE inline V load_reduce_value(In x) {
  if constexpr (std::is_same_v<V, bool>) {
    return static_cast<opmath_t<In>>(x) != opmath_t<In>(0);
  } else {
    return static_cast<V>(static_cast<opmath_t<In>>(x));
  }
}

// The lowest and highest values of T (-inf and inf for floating types), the identities of max
// and min.
template <typename T>
EMBER_HOST_DEVICE constexpr T lowest_value() {
  if constexpr (std::is_floating_point_v<T>) {
    return -std::numeric_limits<T>::infinity();
  } else {
    return std::numeric_limits<T>::lowest();
  }
}
template <typename T>
EMBER_HOST_DEVICE constexpr T highest_value() {
  if constexpr (std::is_floating_point_v<T>) {
    return std::numeric_limits<T>::infinity();
  } else {
    return std::numeric_limits<T>::max();
  }
}

// ---- value reductions ----
template <typename Acc>
struct SumReduce {
  using value_t = Acc;
  using acc_t = Acc;
  static constexpr bool kIndexed = false;
  EMBER_HOST_DEVICE Acc identity() const { return Acc(0); }
  EMBER_HOST_DEVICE Acc reduce(Acc acc, Acc x, int64_t) const { return acc + x; }
  EMBER_HOST_DEVICE Acc combine(Acc a, Acc b) const { return a + b; }
  EMBER_HOST_DEVICE Acc project(Acc acc) const { return acc; }
};

template <typename Acc>
struct ProdReduce {
  using value_t = Acc;
  using acc_t = Acc;
  static constexpr bool kIndexed = false;
  EMBER_HOST_DEVICE Acc identity() const { return Acc(1); }
  EMBER_HOST_DEVICE Acc reduce(Acc acc, Acc x, int64_t) const { return acc * x; }
  EMBER_HOST_DEVICE Acc combine(Acc a, Acc b) const { return a * b; }
  EMBER_HOST_DEVICE Acc project(Acc acc) const { return acc; }
};

// amax: the largest value, NaN if any value is NaN.
template <typename T>
struct MaxReduce {
  using value_t = T;
  using acc_t = T;
  static constexpr bool kIndexed = false;
  EMBER_HOST_DEVICE T identity() const { return lowest_value<T>(); }
  EMBER_HOST_DEVICE T reduce(T acc, T x, int64_t) const {
    // `|`, not `||`: no branch, so the CPU loop vectorises to compare-and-blend.
    return (math::isnan(acc) | (acc > x)) ? acc : x;
  }
  EMBER_HOST_DEVICE T combine(T a, T b) const { return reduce(a, b, 0); }
  EMBER_HOST_DEVICE T project(T acc) const { return acc; }
};

// amin: the smallest value, NaN if any value is NaN.
template <typename T>
struct MinReduce {
  using value_t = T;
  using acc_t = T;
  static constexpr bool kIndexed = false;
  EMBER_HOST_DEVICE T identity() const { return highest_value<T>(); }
  EMBER_HOST_DEVICE T reduce(T acc, T x, int64_t) const {
    return (math::isnan(acc) | (acc < x)) ? acc : x;
  }
  EMBER_HOST_DEVICE T combine(T a, T b) const { return reduce(a, b, 0); }
  EMBER_HOST_DEVICE T project(T acc) const { return acc; }
};

struct AllReduce {
  using value_t = bool;
  using acc_t = bool;
  static constexpr bool kIndexed = false;
  EMBER_HOST_DEVICE bool identity() const { return true; }
  EMBER_HOST_DEVICE bool reduce(bool acc, bool x, int64_t) const { return acc && x; }
  EMBER_HOST_DEVICE bool combine(bool a, bool b) const { return a && b; }
  EMBER_HOST_DEVICE bool project(bool acc) const { return acc; }
};

struct AnyReduce {
  using value_t = bool;
  using acc_t = bool;
  static constexpr bool kIndexed = false;
  EMBER_HOST_DEVICE bool identity() const { return false; }
  EMBER_HOST_DEVICE bool reduce(bool acc, bool x, int64_t) const { return acc || x; }
  EMBER_HOST_DEVICE bool combine(bool a, bool b) const { return a || b; }
  EMBER_HOST_DEVICE bool project(bool acc) const { return acc; }
};

// ---- arg-reductions: max/min with indices, argmax, argmin ----
template <typename T>
struct ValueIndex {
  T value;
  int64_t index;
};

// The largest (kMax) or smallest value and its index; NaN counts as the most extreme value, and
// among equal values the smaller index wins. The identity has index -1 ("no element yet").
template <typename T, bool kMax>
struct ArgReduce {
  using value_t = T;
  using acc_t = ValueIndex<T>;
  static constexpr bool kIndexed = true;
  EMBER_HOST_DEVICE acc_t identity() const {
    return {kMax ? lowest_value<T>() : highest_value<T>(), -1};
  }
  // i is larger than every index already folded into acc (loops fold each accumulator's
  // elements in increasing order), so a tie keeps acc. Branch-free, so it vectorises.
  EMBER_HOST_DEVICE acc_t reduce(acc_t acc, T x, int64_t i) const {
    const bool better = kMax ? (x > acc.value) : (x < acc.value);
    const bool take = (acc.index < 0) | better | (math::isnan(x) & !math::isnan(acc.value));
    return {take ? x : acc.value, take ? i : acc.index};
  }
  // a and b may come from any parts of the range: ties go to the smaller index explicitly.
  EMBER_HOST_DEVICE acc_t combine(acc_t a, acc_t b) const {
    if (a.index < 0) return b;
    if (b.index < 0) return a;
    const bool a_nan = math::isnan(a.value), b_nan = math::isnan(b.value);
    if (a_nan || b_nan) {
      if (a_nan && b_nan) return a.index <= b.index ? a : b;
      return a_nan ? a : b;
    }
    if (kMax ? a.value > b.value : a.value < b.value) return a;
    if (kMax ? b.value > a.value : b.value < a.value) return b;
    return a.index <= b.index ? a : b;
  }
  EMBER_HOST_DEVICE acc_t project(acc_t acc) const { return acc; }
};
template <typename T>
using ArgMaxReduce = ArgReduce<T, true>;
template <typename T>
using ArgMinReduce = ArgReduce<T, false>;

}  // namespace ember
