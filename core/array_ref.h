// ArrayRef<T>: a non-owning view of contiguous values, constructible from a braced list, a
// std::vector or a SmallVector (like c10::ArrayRef). IntArrayRef is how ops take sizes and dims.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <type_traits>
#include <utility>
#include <vector>

namespace ember {

template <typename T>
class ArrayRef {
 public:
  using value_type = T;
  using iterator = const T*;
  using const_iterator = const T*;

  constexpr ArrayRef() = default;
  constexpr ArrayRef(const T& one) : data_(&one), size_(1) {}  // NOLINT: implicit
  constexpr ArrayRef(const T* data, size_t size) : data_(data), size_(size) {}
  constexpr ArrayRef(const T* begin, const T* end) : data_(begin), size_(end - begin) {}
  ArrayRef(const std::vector<T>& v) : data_(v.data()), size_(v.size()) {}  // NOLINT
  // Like c10::ArrayRef: valid for the full-expression that holds the braced list (a call).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winit-list-lifetime"
  constexpr ArrayRef(std::initializer_list<T> il)  // NOLINT
      : data_(il.begin()), size_(il.size()) {}
#pragma GCC diagnostic pop
  template <typename Container,
            typename = decltype(std::declval<const Container&>().data() +
                                std::declval<const Container&>().size()),
            typename = std::enable_if_t<
                std::is_same_v<std::remove_cv_t<std::remove_pointer_t<
                                   decltype(std::declval<const Container&>().data())>>,
                               T>>>
  ArrayRef(const Container& c) : data_(c.data()), size_(c.size()) {}  // NOLINT

  constexpr const T* data() const {
    return data_;
  }
  constexpr size_t size() const {
    return size_;
  }
  constexpr bool empty() const {
    return size_ == 0;
  }
  constexpr const T* begin() const {
    return data_;
  }
  constexpr const T* end() const {
    return data_ + size_;
  }
  constexpr const T& operator[](size_t i) const {
    return data_[i];
  }
  constexpr const T& front() const {
    return data_[0];
  }
  constexpr const T& back() const {
    return data_[size_ - 1];
  }
  std::vector<T> vec() const {
    return std::vector<T>(begin(), end());
  }
  ArrayRef slice(size_t start, size_t n) const {
    return ArrayRef(data_ + start, n);
  }
  ArrayRef slice(size_t start) const {
    return ArrayRef(data_ + start, size_ - start);
  }

  friend bool operator==(ArrayRef a, ArrayRef b) {
    if (a.size_ != b.size_) return false;
    for (size_t i = 0; i < a.size_; ++i)
      if (!(a.data_[i] == b.data_[i])) return false;
    return true;
  }
  friend bool operator!=(ArrayRef a, ArrayRef b) {
    return !(a == b);
  }

 private:
  const T* data_ = nullptr;
  size_t size_ = 0;
};

using IntArrayRef = ArrayRef<int64_t>;

}  // namespace ember
