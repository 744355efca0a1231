// Internal checking macros (not a public header): format a message with fmt and throw a typed
// ember error. Use only in .cpp files; .cu files report through functions defined in .cpp files.
#pragma once

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "ember/core/error.h"

namespace ember::detail {
// Out of line so that the throw does not bloat every call site.
[[noreturn]] EMBER_API void throw_error_kind(int kind, const std::string& msg);
}  // namespace ember::detail

namespace ember {
enum class ErrorKind : int {
  Error,
  Shape,
  DType,
  Device,
  Index,
  Value,
  IO,
  Cuda,
  OutOfMemory,
  Autograd
};

template <typename... Args>
[[noreturn]] inline void throw_error(ErrorKind kind, fmt::format_string<Args...> f,
                                     Args&&... args) {
  detail::throw_error_kind(static_cast<int>(kind), fmt::format(f, std::forward<Args>(args)...));
}
}  // namespace ember

// EMBER_CHECK(cond, Kind, "fmt", args...): throws ember::<Kind>Error with the formatted message.
#define EMBER_CHECK(cond, kind, ...)                               \
  do {                                                             \
    if (EMBER_UNLIKELY(!(cond))) {                                 \
      ::ember::throw_error(::ember::ErrorKind::kind, __VA_ARGS__); \
    }                                                              \
  } while (0)

#define EMBER_FAIL(kind, ...) ::ember::throw_error(::ember::ErrorKind::kind, __VA_ARGS__)
