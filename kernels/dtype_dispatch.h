// dispatch_dtype: turn a runtime DType into a compile-time type for a kernel body, over an
// explicit list of the types that kernel supports (so each op instantiates only what it needs).
//   dispatch_dtype<FloatingTypes>(dtype, "exp", [&](auto tag) { using T = decltype(tag)::type; });
#pragma once

#include <cstdint>

#include "ember/core/dtype.h"
#include "ember/core/half.h"

namespace ember {

template <typename T>
struct TypeTag {
  using type = T;
};
template <typename... Ts>
struct TypeList {};

using FloatingTypes = TypeList<float, double, Half, BFloat16>;
using IntegralTypes = TypeList<uint8_t, int32_t, int64_t>;
using NumericTypes = TypeList<float, double, Half, BFloat16, uint8_t, int32_t, int64_t>;
using AllTypes = TypeList<float, double, Half, BFloat16, uint8_t, int32_t, int64_t, bool>;
// float32 and float64: the ops the issue asks on every device only for these.
using Float32And64 = TypeList<float, double>;

namespace detail {
[[noreturn]] EMBER_API void throw_unsupported_dtype(const char* op, DType dtype);
}

template <typename List>
struct DTypeDispatcher;

template <typename... Ts>
struct DTypeDispatcher<TypeList<Ts...>> {
  template <typename F>
  static void run(DType dtype, const char* op, F&& f) {
    bool done = ((dtype == dtype_of<Ts> ? (f(TypeTag<Ts>{}), true) : false) || ...);
    if (!done) detail::throw_unsupported_dtype(op, dtype);
  }
};

template <typename List, typename F>
inline void dispatch_dtype(DType dtype, const char* op, F&& f) {
  DTypeDispatcher<List>::run(dtype, op, static_cast<F&&>(f));
}

}  // namespace ember
