// DType: the runtime element type of a tensor, its properties, and PyTorch's promotion rules.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <string_view>

#include "ember/core/half.h"
#include "ember/core/macros.h"

namespace ember {

// The order is part of the promotion table in dtype.cpp; append new types at the end.
enum class DType : uint8_t {
  Bool = 0,
  UInt8,
  Int32,
  Int64,
  Float16,
  BFloat16,
  Float32,
  Float64,
};
inline constexpr int kNumDTypes = 8;

inline constexpr DType kBool = DType::Bool;
inline constexpr DType kUInt8 = DType::UInt8;
inline constexpr DType kByte = DType::UInt8;
inline constexpr DType kInt32 = DType::Int32;
inline constexpr DType kInt = DType::Int32;
inline constexpr DType kInt64 = DType::Int64;
inline constexpr DType kLong = DType::Int64;
inline constexpr DType kFloat16 = DType::Float16;
inline constexpr DType kHalf = DType::Float16;
inline constexpr DType kBFloat16 = DType::BFloat16;
inline constexpr DType kFloat32 = DType::Float32;
inline constexpr DType kFloat = DType::Float32;
inline constexpr DType kFloat64 = DType::Float64;
inline constexpr DType kDouble = DType::Float64;

// Bytes per element.
EMBER_HOST_DEVICE constexpr size_t element_size(DType t) {
  switch (t) {
    case DType::Bool:
    case DType::UInt8:
      return 1;
    case DType::Float16:
    case DType::BFloat16:
      return 2;
    case DType::Int32:
    case DType::Float32:
      return 4;
    case DType::Int64:
    case DType::Float64:
      return 8;
  }
  return 0;
}

constexpr bool is_floating_point(DType t) {
  return t == DType::Float16 || t == DType::BFloat16 || t == DType::Float32 || t == DType::Float64;
}
constexpr bool is_integral(DType t, bool include_bool = false) {
  return t == DType::UInt8 || t == DType::Int32 || t == DType::Int64 ||
         (include_bool && t == DType::Bool);
}
constexpr bool is_reduced_float(DType t) {
  return t == DType::Float16 || t == DType::BFloat16;
}

// "float32", "int64", ... as PyTorch spells them after "torch.".
EMBER_API std::string_view dtype_name(DType t);
// Parses "float32", "float", "int64", "long", ...; throws ember::ValueError on anything else.
EMBER_API DType dtype_from_name(std::string_view name);
EMBER_API std::ostream& operator<<(std::ostream& os, DType t);

// The smallest type both values fit in, following torch.promote_types.
EMBER_API DType promote_types(DType a, DType b);

// The floating type used when an integer tensor enters a floating op (torch.get_default_dtype).
EMBER_API DType default_float_dtype();
EMBER_API void set_default_float_dtype(DType t);

// The C++ type behind a DType, and back.
template <typename T>
struct CppTypeToDType;
template <DType D>
struct DTypeToCppType;

#define EMBER_FOREACH_DTYPE(X)   \
  X(bool, Bool)                  \
  X(uint8_t, UInt8)              \
  X(int32_t, Int32)              \
  X(int64_t, Int64)              \
  X(::ember::Half, Float16)      \
  X(::ember::BFloat16, BFloat16) \
  X(float, Float32)              \
  X(double, Float64)

#define EMBER_DEFINE_DTYPE_TRAITS(cpp, name)    \
  template <>                                   \
  struct CppTypeToDType<cpp> {                  \
    static constexpr DType value = DType::name; \
  };                                            \
  template <>                                   \
  struct DTypeToCppType<DType::name> {          \
    using type = cpp;                           \
  };
EMBER_FOREACH_DTYPE(EMBER_DEFINE_DTYPE_TRAITS)
#undef EMBER_DEFINE_DTYPE_TRAITS

template <typename T>
inline constexpr DType dtype_of = CppTypeToDType<T>::value;

}  // namespace ember
