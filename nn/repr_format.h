// Internal (included by nn/*.cpp only): formatting of option values in module printouts the way
// PyTorch's repr shows them (0.1, 1e-05, 1.0; (3, 3); 'none'), with C++ spellings of bools.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ember/nn/expanding_array.h"

namespace ember::nn::detail {

// Python's repr of a float: shortest round-trip digits, "1.0" rather than "1", "1e-05".
inline std::string repr_double(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  std::string s(buf, end);
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";  // n: nan, inf
  return s;
}

inline std::string repr_bool(bool v) {
  return v ? "true" : "false";
}

inline std::string repr_string(std::string_view v) {
  std::string s;
  s.reserve(v.size() + 2);
  s += '\'';
  s += v;
  s += '\'';
  return s;
}

// "(3, 3)" like a Python tuple; "(64,)" for one value.
inline std::string repr_tuple(ArrayRef<int64_t> values) {
  std::string s = "(";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(values[i]);
  }
  if (values.size() == 1) s += ",";
  return s + ")";
}

// One number when every dim has the same value (as PyTorch shows an int argument), else a tuple.
template <size_t D>
std::string repr_int_or_tuple(const ExpandingArray<D>& values) {
  return values.all_equal(values[0]) ? std::to_string(values[0]) : repr_tuple(values);
}

}  // namespace ember::nn::detail
