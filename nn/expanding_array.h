// ExpandingArray<D>: D integers given as one value for all (3 -> {3, 3}) or as D values
// ({3, 5}), like libtorch's torch::ExpandingArray. Kernel sizes, strides and paddings of the
// 2-d layers are ExpandingArray<2>; it converts to IntArrayRef for the ops.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <vector>

#include "ember/core/array_ref.h"
#include "ember/core/macros.h"

namespace ember {

namespace detail {
// Throws ember::ValueError: `got` values where `expected` (or one) were needed.
[[noreturn]] EMBER_API void throw_expanding_array_size(size_t expected, size_t got);
}  // namespace detail

template <size_t D, typename T = int64_t>
class ExpandingArray {
 public:
  // One value for every dim.
  ExpandingArray(T single) { values_.fill(single); }  // NOLINT: implicit like libtorch
  // D values, or one (expanded).
  ExpandingArray(std::initializer_list<T> list) : ExpandingArray(ArrayRef<T>(list)) {}  // NOLINT
  ExpandingArray(const std::vector<T>& list) : ExpandingArray(ArrayRef<T>(list)) {}     // NOLINT
  ExpandingArray(ArrayRef<T> list) {                                                    // NOLINT
    if (list.size() == 1) {
      values_.fill(list[0]);
    } else if (list.size() == D) {
      for (size_t i = 0; i < D; ++i) values_[i] = list[i];
    } else {
      detail::throw_expanding_array_size(D, list.size());
    }
  }
  ExpandingArray(const std::array<T, D>& values) : values_(values) {}  // NOLINT

  std::array<T, D>& operator*() { return values_; }
  const std::array<T, D>& operator*() const { return values_; }
  std::array<T, D>* operator->() { return &values_; }
  const std::array<T, D>* operator->() const { return &values_; }
  T& operator[](size_t i) { return values_[i]; }
  const T& operator[](size_t i) const { return values_[i]; }
  operator ArrayRef<T>() const { return ArrayRef<T>(values_.data(), D); }  // NOLINT
  const T* data() const { return values_.data(); }
  static constexpr size_t size() { return D; }
  std::vector<T> vec() const { return std::vector<T>(values_.begin(), values_.end()); }
  // True when every value equals v.
  bool all_equal(T v) const {
    for (const T& x : values_)
      if (x != v) return false;
    return true;
  }

  friend bool operator==(const ExpandingArray& a, const ExpandingArray& b) {
    return a.values_ == b.values_;
  }

 private:
  std::array<T, D> values_{};
};

}  // namespace ember
