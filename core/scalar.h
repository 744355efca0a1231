// Scalar: a number passed to an op (alpha, a fill value, a clamp bound) that keeps whether it
// was written as a bool, an integer or a floating value, since type promotion depends on it.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <type_traits>

#include "ember/core/dtype.h"
#include "ember/core/macros.h"

namespace ember {

class EMBER_API Scalar {
 public:
  enum class Kind : uint8_t { Bool, Integral, Floating };

  Scalar() : Scalar(int64_t{0}) {}
  Scalar(bool v) : kind_(Kind::Bool) { v_.i = v; }  // NOLINT: implicit by design
  template <typename T,
            std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
  Scalar(T v) : kind_(Kind::Integral) {  // NOLINT
    v_.i = static_cast<int64_t>(v);
  }
  template <typename T, std::enable_if_t<std::is_floating_point_v<T>, int> = 0>
  Scalar(T v) : kind_(Kind::Floating) {  // NOLINT
    v_.d = static_cast<double>(v);
  }
  Scalar(Half v) : Scalar(static_cast<double>(static_cast<float>(v))) {}      // NOLINT
  Scalar(BFloat16 v) : Scalar(static_cast<double>(static_cast<float>(v))) {}  // NOLINT

  Kind kind() const { return kind_; }
  bool is_floating_point() const { return kind_ == Kind::Floating; }
  bool is_integral() const { return kind_ == Kind::Integral; }
  bool is_bool() const { return kind_ == Kind::Bool; }

  double to_double() const { return kind_ == Kind::Floating ? v_.d : static_cast<double>(v_.i); }
  int64_t to_int64() const { return kind_ == Kind::Floating ? static_cast<int64_t>(v_.d) : v_.i; }
  bool to_bool() const { return kind_ == Kind::Floating ? v_.d != 0.0 : v_.i != 0; }

  // The value converted to T (float types through double, integers through int64).
  template <typename T>
  T to() const {
    if constexpr (std::is_same_v<T, bool>) {
      return to_bool();
    } else if constexpr (std::is_integral_v<T>) {
      return static_cast<T>(to_int64());
    } else {
      return static_cast<T>(static_cast<float>(to_double()));
    }
  }

  // The dtype this value has when it stands alone: bool, int64 or the default float type.
  DType dtype() const;

 private:
  Kind kind_;
  union {
    double d;
    int64_t i;
  } v_;
};

template <>
inline double Scalar::to<double>() const {
  return to_double();
}
template <>
inline float Scalar::to<float>() const {
  return static_cast<float>(to_double());
}

EMBER_API std::ostream& operator<<(std::ostream& os, const Scalar& s);

}  // namespace ember
