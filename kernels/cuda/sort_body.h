// The bodies of Ember's CUDA sort and topk (sort_kernels.cu), as __host__ __device__ functions of
// an explicit work item: the unsigned radix keys that order values as kernels/sort_order.h does,
// the kernel that lays rows out as (key, position) pairs, and the kernels that write the sorted
// rows back. tests/cuda/sort_body_test.cpp runs them on the CPU (with std::stable_sort standing in
// for CUB's radix sort). Free of CUDA headers.
//
// Note [CUDA sort]
// Rows along `dim` (Note [Rows along a dim]) are laid out one after another: element j of row r
// gets position p = r * n + j, and an unsigned key whose unsigned order is the sort order
// (radix_key). A stable radix sort of (key, p) orders every element by key, equal keys in
// increasing p; when there are several rows, a second stable radix sort by row (p / n) gathers
// each row's elements, still in key order. Stable sorts all the way, so equal values keep their
// input order: the CPU's stable sort, and topk's tie-break by position. Values are then read
// back from self at the sorted positions, so NaN payloads and the sign of zero come out as the CPU
// writes them.
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>

#include "ember/core/half.h"
#include "ember/core/macros.h"
#include "kernels/cuda/index_body.h"

namespace ember::cuda {

// The radix key type of T: 32 bits for 32-bit and narrower types, 64 bits for int64 and double.
template <typename T>
using RadixKey = std::conditional_t<sizeof(T) == 8, uint64_t, uint32_t>;

// Bits of the radix key that vary (the sort passes only over these).
template <typename T>
constexpr int radix_key_bits() {
  return sizeof(T) == 8 ? 64 : (sizeof(T) == 4 ? 32 : (sizeof(T) == 2 ? 16 : 8));
}

namespace sort_detail {
template <typename U>
EMBER_HOST_DEVICE inline U float_key(U bits, bool nan) {
  constexpr int kBits = static_cast<int>(sizeof(U)) * 8;
  constexpr U kSign = U(1) << (kBits - 1);
  if (nan) return ~U(0);                   // every NaN last, all equal
  if ((bits & ~kSign) == 0) return kSign;  // -0 and +0 equal
  return (bits & kSign) ? U(~bits) : U(bits | kSign);
}
}  // namespace sort_detail

// The ascending radix key of v: unsigned order of keys == the order of sort_order::sorts_before
// (NaN above +inf, NaNs equal, -0 == +0). Descending sorts use ~key (the low radix_key_bits()
// bits reverse their order; the bits above stay constant).
template <typename T>
EMBER_HOST_DEVICE inline RadixKey<T> radix_key(T v) {
  if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, uint8_t>) {
    return static_cast<uint32_t>(v);
  } else if constexpr (std::is_same_v<T, int32_t>) {
    return static_cast<uint32_t>(v) ^ 0x80000000u;
  } else if constexpr (std::is_same_v<T, int64_t>) {
    return static_cast<uint64_t>(v) ^ 0x8000000000000000ull;
  } else if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) {
    const float f = static_cast<float>(v);
    return sort_detail::float_key<uint16_t>(v.bits, f != f);
  } else if constexpr (std::is_same_v<T, float>) {
    uint32_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    return sort_detail::float_key<uint32_t>(bits, v != v);
  } else {
    static_assert(std::is_same_v<T, double>, "radix_key: unsupported type");
    uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    return sort_detail::float_key<uint64_t>(bits, v != v);
  }
}

// The rows of self (and of the outputs, which differ at most along dim).
struct SortRows {
  int ndim, dim;
  DimArray sizes;  // self's
  DimArray self_strides;
  int64_t n;     // row length
  int64_t rows;  // number of rows
};

// Element offset of (row r, position j) for strides `strides`.
EMBER_HOST_DEVICE inline int64_t row_element_offset(const SortRows& rows, const DimArray& strides,
                                                    int64_t r, int64_t j) {
  int64_t off = j * dim_at(strides, rows.dim);
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
  for (int d = kMaxIndexDims - 1; d >= 0; --d) {
    if (d >= rows.ndim || d == rows.dim) continue;
    off += (r % rows.sizes.v[d]) * strides.v[d];
    r /= rows.sizes.v[d];
  }
  return off;
}

// Item p = r * n + j: the key of self's element (r, j) and its position p.
template <typename T>
struct SortKeysBody {
  const T* self;
  SortRows rows;
  bool descending;
  RadixKey<T>* keys;
  int32_t* positions;

  int64_t work_items() const { return rows.n * rows.rows; }
  EMBER_HOST_DEVICE void operator()(int64_t p) const {
    const int64_t r = p / rows.n, j = p % rows.n;
    const RadixKey<T> key = radix_key(self[row_element_offset(rows, rows.self_strides, r, j)]);
    keys[p] = descending ? RadixKey<T>(~key) : key;
    positions[p] = static_cast<int32_t>(p);
  }
};

// Item t: the row of the element at sorted position t, the key of the second sort.
struct RowOfPositionBody {
  const int32_t* positions;
  uint32_t* row_keys;
  int64_t n;
  int64_t numel;

  int64_t work_items() const { return numel; }
  EMBER_HOST_DEVICE void operator()(int64_t t) const {
    row_keys[t] = static_cast<uint32_t>(positions[t] / n);
  }
};

// Item t = r * k + m: writes the m-th entry of row r (of its first k sorted entries, or, for an
// unsorted topk, of its k selected entries in position order). sorted_positions holds, row after
// row, `stride` entries per row (n after a sort, k after the selection of an unsorted topk).
template <typename T>
struct SortWriteBody {
  const T* self;
  T* values;
  int64_t* indices;
  SortRows rows;
  DimArray values_strides, indices_strides;
  const int32_t* sorted_positions;
  int64_t stride;  // entries per row in sorted_positions
  int64_t k;       // entries written per row

  int64_t work_items() const { return rows.rows * k; }
  EMBER_HOST_DEVICE void operator()(int64_t t) const {
    const int64_t r = t / k, m = t % k;
    const int64_t j = sorted_positions[r * stride + m] - r * rows.n;
    values[row_element_offset(rows, values_strides, r, m)] =
        self[row_element_offset(rows, rows.self_strides, r, j)];
    indices[row_element_offset(rows, indices_strides, r, m)] = j;
  }
};

// Item t = r * k + m: the position of row r's m-th sorted entry, as the key of the sort that puts
// an unsorted topk's selection back in position order.
struct TopkSelectBody {
  const int32_t* sorted_positions;  // n per row
  uint32_t* selected;               // k per row
  int64_t n, k;
  int64_t numel;  // rows * k

  int64_t work_items() const { return numel; }
  EMBER_HOST_DEVICE void operator()(int64_t t) const {
    const int64_t r = t / k, m = t % k;
    selected[t] = static_cast<uint32_t>(sorted_positions[r * n + m]);
  }
};

}  // namespace ember::cuda
