// DType names, parsing and PyTorch's promotion table.
#include "ember/core/dtype.h"

#include <atomic>
#include <ostream>

#include "ember/core/check.h"

namespace ember {

std::string_view dtype_name(DType t) {
  switch (t) {
    case DType::Bool:
      return "bool";
    case DType::UInt8:
      return "uint8";
    case DType::Int32:
      return "int32";
    case DType::Int64:
      return "int64";
    case DType::Float16:
      return "float16";
    case DType::BFloat16:
      return "bfloat16";
    case DType::Float32:
      return "float32";
    case DType::Float64:
      return "float64";
  }
  return "unknown";
}

DType dtype_from_name(std::string_view name) {
  struct Alias {
    std::string_view name;
    DType dtype;
  };
  static constexpr Alias kAliases[] = {
      {"bool", kBool},       {"uint8", kUInt8},       {"byte", kUInt8},      {"int32", kInt32},
      {"int", kInt32},       {"int64", kInt64},       {"long", kInt64},      {"float16", kFloat16},
      {"half", kFloat16},    {"bfloat16", kBFloat16}, {"float32", kFloat32}, {"float", kFloat32},
      {"float64", kFloat64}, {"double", kFloat64},
  };
  for (const auto& a : kAliases)
    if (a.name == name) return a.dtype;
  EMBER_FAIL(Value,
             "dtype_from_name: unknown dtype '{}'; expected one of bool, uint8, int32, int64, "
             "float16, bfloat16, float32, float64",
             name);
}

std::ostream& operator<<(std::ostream& os, DType t) {
  return os << dtype_name(t);
}

DType promote_types(DType a, DType b) {
  if (a == b) return a;
  if (a == DType::Bool) return b;
  if (b == DType::Bool) return a;
  const bool fa = is_floating_point(a), fb = is_floating_point(b);
  if (!fa && !fb) return a > b ? a : b;  // UInt8 < Int32 < Int64 in the enum order
  if (fa && !fb) return a;
  if (fb && !fa) return b;
  // Both floating.
  if ((a == DType::Float16 && b == DType::BFloat16) ||
      (a == DType::BFloat16 && b == DType::Float16))
    return DType::Float32;
  return a > b ? a : b;  // Float16/BFloat16 < Float32 < Float64
}

namespace {
std::atomic<DType> g_default_float{DType::Float32};
}

DType default_float_dtype() {
  return g_default_float.load(std::memory_order_relaxed);
}

void set_default_float_dtype(DType t) {
  EMBER_CHECK(is_floating_point(t), DType,
              "set_default_float_dtype: {} is not a floating type; use float32 or float64",
              dtype_name(t));
  g_default_float.store(t);
}

}  // namespace ember
