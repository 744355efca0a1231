// The math of every point-wise op, once, as __host__ __device__ functors. The CPU loops
// (kernels/cpu/elementwise_loops.h) and the CUDA launcher (kernels/cuda/elementwise.cuh) run the
// same functor, so the CPU result is the reference the CUDA result is tested against.
//
// Note [Accumulate in float]
// Functors are instantiated on the compute type, opmath_t<T>: float for Half and BFloat16 (the
// loops convert on load and store), T otherwise. Reductions accumulate in the same type, and in
// double for float32 sums on the CPU where it costs nothing at memory speed.
#pragma once

#include <math.h>

#include <cstdint>
#include <type_traits>

#include "ember/core/half.h"
#include "ember/core/macros.h"

namespace ember {

template <typename T>
struct OpMath {
  using type = T;
};
template <>
struct OpMath<Half> {
  using type = float;
};
template <>
struct OpMath<BFloat16> {
  using type = float;
};
template <typename T>
using opmath_t = typename OpMath<T>::type;

// Float and double overloads of the libm functions that exist on the host and in CUDA code.
namespace math {
EMBER_HOST_DEVICE inline float exp(float x) {
  return ::expf(x);
}
EMBER_HOST_DEVICE inline double exp(double x) {
  return ::exp(x);
}
EMBER_HOST_DEVICE inline float log(float x) {
  return ::logf(x);
}
EMBER_HOST_DEVICE inline double log(double x) {
  return ::log(x);
}
EMBER_HOST_DEVICE inline float log1p(float x) {
  return ::log1pf(x);
}
EMBER_HOST_DEVICE inline double log1p(double x) {
  return ::log1p(x);
}
EMBER_HOST_DEVICE inline float expm1(float x) {
  return ::expm1f(x);
}
EMBER_HOST_DEVICE inline double expm1(double x) {
  return ::expm1(x);
}
EMBER_HOST_DEVICE inline float sqrt(float x) {
  return ::sqrtf(x);
}
EMBER_HOST_DEVICE inline double sqrt(double x) {
  return ::sqrt(x);
}
EMBER_HOST_DEVICE inline float sin(float x) {
  return ::sinf(x);
}
EMBER_HOST_DEVICE inline double sin(double x) {
  return ::sin(x);
}
EMBER_HOST_DEVICE inline float cos(float x) {
  return ::cosf(x);
}
EMBER_HOST_DEVICE inline double cos(double x) {
  return ::cos(x);
}
EMBER_HOST_DEVICE inline float tanh(float x) {
  return ::tanhf(x);
}
EMBER_HOST_DEVICE inline double tanh(double x) {
  return ::tanh(x);
}
EMBER_HOST_DEVICE inline float erf(float x) {
  return ::erff(x);
}
EMBER_HOST_DEVICE inline double erf(double x) {
  return ::erf(x);
}
EMBER_HOST_DEVICE inline float pow(float a, float b) {
  return ::powf(a, b);
}
EMBER_HOST_DEVICE inline double pow(double a, double b) {
  return ::pow(a, b);
}
EMBER_HOST_DEVICE inline float fabs(float x) {
  return ::fabsf(x);
}
EMBER_HOST_DEVICE inline double fabs(double x) {
  return ::fabs(x);
}
template <typename T>
EMBER_HOST_DEVICE inline bool isnan(T x) {
  if constexpr (std::is_floating_point_v<T>) {
    return x != x;
  } else {
    return false;
  }
}
}  // namespace math

// ---- binary arithmetic ----
// a + alpha * b (sub is add with -alpha).
template <typename T>
struct AddFunctor {
  T alpha;
  EMBER_HOST_DEVICE T operator()(T a, T b) const {
    if constexpr (std::is_same_v<T, bool>) {
      return a || (alpha && b);
    } else {
      return a + alpha * b;
    }
  }
};
template <typename T>
struct MulFunctor {
  EMBER_HOST_DEVICE T operator()(T a, T b) const {
    if constexpr (std::is_same_v<T, bool>) {
      return a && b;
    } else {
      return a * b;
    }
  }
};
// True division (integer inputs are promoted to a floating type before they get here).
template <typename T>
struct DivFunctor {
  EMBER_HOST_DEVICE T operator()(T a, T b) const { return a / b; }
};
// Floating pow through libm; integer pow by squaring (a negative exponent gives 0 unless |a| = 1).
template <typename T>
struct PowFunctor {
  EMBER_HOST_DEVICE T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>) {
      return math::pow(a, b);
    } else if constexpr (std::is_same_v<T, bool>) {
      return a || !b;
    } else {
      if (b < 0) {
        if (a == 1) return 1;
        if (a == -1) return (b % 2 == 0) ? 1 : -1;
        return 0;
      }
      T result = 1;
      while (b) {
        if (b & 1) result *= a;
        b >>= 1;
        a *= a;
      }
      return result;
    }
  }
};
// NaN-propagating maximum and minimum, like torch.maximum.
template <typename T>
struct MaximumFunctor {
  EMBER_HOST_DEVICE T operator()(T a, T b) const {
    if (math::isnan(a)) return a;
    if (math::isnan(b)) return b;
    return a > b ? a : b;
  }
};
template <typename T>
struct MinimumFunctor {
  EMBER_HOST_DEVICE T operator()(T a, T b) const {
    if (math::isnan(a)) return a;
    if (math::isnan(b)) return b;
    return a < b ? a : b;
  }
};

// ---- comparisons and logic (bool results) ----
template <typename T>
struct EqFunctor {
  EMBER_HOST_DEVICE bool operator()(T a, T b) const { return a == b; }
};
template <typename T>
struct NeFunctor {
  EMBER_HOST_DEVICE bool operator()(T a, T b) const { return a != b; }
};
template <typename T>
struct LtFunctor {
  EMBER_HOST_DEVICE bool operator()(T a, T b) const { return a < b; }
};
template <typename T>
struct LeFunctor {
  EMBER_HOST_DEVICE bool operator()(T a, T b) const { return a <= b; }
};
template <typename T>
struct GtFunctor {
  EMBER_HOST_DEVICE bool operator()(T a, T b) const { return a > b; }
};
template <typename T>
struct GeFunctor {
  EMBER_HOST_DEVICE bool operator()(T a, T b) const { return a >= b; }
};
template <typename T>
struct LogicalAndFunctor {
  EMBER_HOST_DEVICE bool operator()(T a, T b) const { return (a != T(0)) && (b != T(0)); }
};
template <typename T>
struct LogicalOrFunctor {
  EMBER_HOST_DEVICE bool operator()(T a, T b) const { return (a != T(0)) || (b != T(0)); }
};
template <typename T>
struct LogicalXorFunctor {
  EMBER_HOST_DEVICE bool operator()(T a, T b) const { return (a != T(0)) != (b != T(0)); }
};
template <typename T>
struct LogicalNotFunctor {
  EMBER_HOST_DEVICE bool operator()(T a) const { return !(a != T(0)); }
};

// ---- unary ----
template <typename T>
struct NegFunctor {
  EMBER_HOST_DEVICE T operator()(T a) const { return -a; }
};
template <typename T>
struct AbsFunctor {
  EMBER_HOST_DEVICE T operator()(T a) const {
    if constexpr (std::is_floating_point_v<T>) {
      return math::fabs(a);
    } else if constexpr (std::is_unsigned_v<T> || std::is_same_v<T, bool>) {
      return a;
    } else {
      return a < 0 ? -a : a;
    }
  }
};
template <typename T>
struct ExpFunctor {
  EMBER_HOST_DEVICE T operator()(T a) const { return math::exp(a); }
};
template <typename T>
struct LogFunctor {
  EMBER_HOST_DEVICE T operator()(T a) const { return math::log(a); }
};
template <typename T>
struct Log1pFunctor {
  EMBER_HOST_DEVICE T operator()(T a) const { return math::log1p(a); }
};
template <typename T>
struct SqrtFunctor {
  EMBER_HOST_DEVICE T operator()(T a) const { return math::sqrt(a); }
};
template <typename T>
struct RsqrtFunctor {
  EMBER_HOST_DEVICE T operator()(T a) const { return T(1) / math::sqrt(a); }
};
template <typename T>
struct SinFunctor {
  EMBER_HOST_DEVICE T operator()(T a) const { return math::sin(a); }
};
template <typename T>
struct CosFunctor {
  EMBER_HOST_DEVICE T operator()(T a) const { return math::cos(a); }
};
template <typename T>
struct TanhFunctor {
  EMBER_HOST_DEVICE T operator()(T a) const { return math::tanh(a); }
};
// 1 / (1 + e^-x), written to stay finite for large |x|.
template <typename T>
struct SigmoidFunctor {
  EMBER_HOST_DEVICE T operator()(T a) const {
    if (a >= T(0)) return T(1) / (T(1) + math::exp(-a));
    T e = math::exp(a);
    return e / (T(1) + e);
  }
};
// max(x, 0); NaN stays NaN like PyTorch.
template <typename T>
struct ReluFunctor {
  EMBER_HOST_DEVICE T operator()(T a) const {
    if constexpr (std::is_floating_point_v<T>) {
      return (a > T(0) || math::isnan(a)) ? a : T(0);
    } else {
      return a > T(0) ? a : T(0);
    }
  }
};
template <typename T>
struct LeakyReluFunctor {
  T negative_slope;
  EMBER_HOST_DEVICE T operator()(T a) const { return a > T(0) ? a : a * negative_slope; }
};
// x * Phi(x) (exact, erf) or the tanh approximation.
template <typename T>
struct GeluFunctor {
  bool tanh_approximation;
  EMBER_HOST_DEVICE T operator()(T x) const {
    if (tanh_approximation) {
      const T k = T(0.7978845608028654);  // sqrt(2 / pi)
      T inner = k * (x + T(0.044715) * x * x * x);
      return T(0.5) * x * (T(1) + math::tanh(inner));
    }
    return T(0.5) * x * (T(1) + math::erf(x * T(0.7071067811865476)));
  }
};
// Bounds that are absent are flagged off; NaN input stays NaN.
template <typename T>
struct ClampFunctor {
  T lo, hi;
  bool has_lo, has_hi;
  EMBER_HOST_DEVICE T operator()(T a) const {
    if (math::isnan(a)) return a;
    if (has_lo && a < lo) a = lo;
    if (has_hi && a > hi) a = hi;
    return a;
  }
};
template <typename T>
struct SignFunctor {
  EMBER_HOST_DEVICE T operator()(T a) const {
    if constexpr (std::is_same_v<T, bool>) {
      return a;
    } else {
      return static_cast<T>((T(0) < a) - (a < T(0)));
    }
  }
};
template <typename T>
struct ReciprocalFunctor {
  EMBER_HOST_DEVICE T operator()(T a) const { return T(1) / a; }
};
template <typename T>
struct SquareFunctor {
  EMBER_HOST_DEVICE T operator()(T a) const {
    if constexpr (std::is_same_v<T, bool>) {
      return a;
    } else {
      return a * a;
    }
  }
};

// ---- backward of activations: (grad, x or y) -> grad input ----
// relu: grad where x > threshold (x is the input or, equivalently, the output).
template <typename T>
struct ThresholdBackwardFunctor {
  T threshold;
  EMBER_HOST_DEVICE T operator()(T g, T x) const { return x > threshold ? g : T(0); }
};
template <typename T>
struct LeakyReluBackwardFunctor {
  T negative_slope;
  EMBER_HOST_DEVICE T operator()(T g, T x) const { return x > T(0) ? g : g * negative_slope; }
};
// d/dx of GeluFunctor, for the same mode.
template <typename T>
struct GeluBackwardFunctor {
  bool tanh_approximation;
  EMBER_HOST_DEVICE T operator()(T g, T x) const {
    if (tanh_approximation) {
      const T k = T(0.7978845608028654);
      const T c = T(0.044715);
      const T t = math::tanh(k * (x + c * x * x * x));
      const T dinner = k * (T(1) + T(3) * c * x * x);
      return g * (T(0.5) * (T(1) + t) + T(0.5) * x * (T(1) - t * t) * dinner);
    }
    const T cdf = T(0.5) * (T(1) + math::erf(x * T(0.7071067811865476)));
    const T pdf = math::exp(T(-0.5) * x * x) * T(0.3989422804014327);  // 1 / sqrt(2 pi)
    return g * (cdf + x * pdf);
  }
};
// From the forward output y.
template <typename T>
struct SigmoidBackwardFunctor {
  EMBER_HOST_DEVICE T operator()(T g, T y) const { return g * (T(1) - y) * y; }
};
template <typename T>
struct TanhBackwardFunctor {
  EMBER_HOST_DEVICE T operator()(T g, T y) const { return g * (T(1) - y * y); }
};

// ---- selection and fill ----
template <typename T>
struct WhereFunctor {
  EMBER_HOST_DEVICE T operator()(bool c, T a, T b) const { return c ? a : b; }
};

}  // namespace ember
