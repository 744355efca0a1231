// The math of arange and linspace, once, as a __host__ __device__ function of the element index,
// shared by the CPU row (kernels/cpu/range_kernel.cpp) and the CUDA row of `arange`.
//
// arange: integer dtypes compute int_start + i * int_step exactly in int64 (start and step already
// truncated to integers, as PyTorch does); floating dtypes compute start + i * step in double as
// one fused multiply-add (explicit, so no compiler's contraction choices can make the CPU and CUDA
// rows differ) and round once to the dtype. linspace (symmetric): the first half is start + i *
// step and the second half end - (n - 1 - i) * step, so both ends are exact, like PyTorch; integer
// dtypes truncate start and end first and take step = (end - start) / (n - 1) in double, like
// PyTorch. One step gives start.
#pragma once

#include <math.h>

#include <cstdint>
#include <type_traits>

#include "ember/core/half.h"
#include "ember/core/macros.h"

namespace ember {

template <typename T>
struct RangeFunctor {
  double start = 0, step = 1, end = 0;
  int64_t int_start = 0, int_step = 1;
  int64_t n = 0;
  bool symmetric = false;

  // Prepares the integer-dtype form of linspace (truncated ends, step between them).
  EMBER_HOST_DEVICE void prepare() {
    if (symmetric && std::is_integral_v<T>) {
      start = static_cast<double>(static_cast<int64_t>(start));
      end = static_cast<double>(static_cast<int64_t>(end));
    }
    if (symmetric) step = n > 1 ? (end - start) / static_cast<double>(n - 1) : 0.0;
  }

  EMBER_HOST_DEVICE T operator()(int64_t i) const {
    if (symmetric) {
      double v;
      if (n == 1) {
        v = start;
      } else if (i < n / 2) {
        v = ::fma(step, static_cast<double>(i), start);
      } else {
        v = ::fma(-step, static_cast<double>(n - 1 - i), end);
      }
      return cast(v);
    }
    if constexpr (std::is_integral_v<T>) {
      // Wrapping unsigned arithmetic: no undefined behaviour when a value leaves int64.
      const uint64_t v = static_cast<uint64_t>(int_start) +
                         static_cast<uint64_t>(i) * static_cast<uint64_t>(int_step);
      return static_cast<T>(static_cast<int64_t>(v));
    } else {
      return cast(::fma(step, static_cast<double>(i), start));
    }
  }

  EMBER_HOST_DEVICE static T cast(double v) {
    if constexpr (std::is_integral_v<T>) {
      return static_cast<T>(static_cast<int64_t>(v));
    } else if constexpr (std::is_same_v<T, double>) {
      return v;
    } else {
      return static_cast<T>(static_cast<float>(v));
    }
  }
};

}  // namespace ember
