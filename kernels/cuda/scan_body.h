// The bodies of Ember's CUDA cumsum and nonzero (scan_kernels.cu) that can be written as
// __host__ __device__ functions of an explicit work item; tests/cuda/scan_body_test.cpp runs them
// in plain CPU loops against the CPU kernels. Free of CUDA headers.
//
// Note [CUDA cumsum]
// Rows along dim (Note [Rows along a dim]) accumulate in the CPU's wide type (double for float32
// and float64, float for the 16-bit floats, int64 for integers). Two paths, chosen by shape:
// - one thread per row walking it in order (ScanRowBody): the CPU's exact arithmetic. Taken for
//   short rows, and for many rows whose neighbours sit next to each other in memory (dim is not
//   the innermost), where a warp's reads coalesce;
// - chunks of kScanChunk elements otherwise (long rows, or few rows): a block sums each chunk
//   (cub::BlockReduce), one thread per row turns its chunk sums into prefixes in order
//   (ScanChunkPrefixBody), and a block scans each chunk from its prefix (cub::BlockScan). Fixed
//   chunks and fixed block shapes: deterministic, no atomics; floating sums associate differently
//   from the CPU's sequential order (within the dtype's tolerance).
//
// nonzero: a flag per element (NonzeroFlagBody), cub::DeviceSelect::Flagged compacts the
// row-major positions of the flagged elements in order, and NonzeroCoordsBody writes each
// position's coordinates.
#pragma once

#include <cstdint>
#include <type_traits>

#include "ember/core/half.h"
#include "ember/core/macros.h"
#include "kernels/cuda/index_body.h"
#include "kernels/cuda/sort_body.h"

namespace ember::cuda {

// The type a cumsum of T accumulates in (as on the CPU).
template <typename T>
using ScanAcc =
    std::conditional_t<std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>, float,
                       std::conditional_t<std::is_floating_point_v<T>, double, int64_t>>;

inline constexpr int kScanThreads = 256;
inline constexpr int kScanItems = 8;
inline constexpr int64_t kScanChunk = kScanThreads * kScanItems;

// The rows of a cumsum: self's geometry (SortRows) and out's strides.
struct ScanRows {
  SortRows rows;
  DimArray out_strides;
};

// Whether the one-thread-per-row path suits these rows (Note [CUDA cumsum]).
inline bool scan_by_row_threads(const ScanRows& s) {
  const bool neighbours_adjacent = dim_at(s.rows.self_strides, s.rows.dim) != 1;
  return s.rows.n <= 32 || (neighbours_adjacent && s.rows.rows >= 4096);
}

// Item r: row r scanned in order, out = the running sum stored as T.
template <typename T>
struct ScanRowBody {
  const T* in;
  T* out;
  ScanRows s;

  int64_t work_items() const { return s.rows.rows; }
  EMBER_HOST_DEVICE void operator()(int64_t r) const {
    const T* src = in + row_element_offset(s.rows, s.rows.self_strides, r, 0);
    T* dst = out + row_element_offset(s.rows, s.out_strides, r, 0);
    const int64_t si = dim_at(s.rows.self_strides, s.rows.dim);
    const int64_t so = dim_at(s.out_strides, s.rows.dim);
    ScanAcc<T> acc(0);
    for (int64_t j = 0; j < s.rows.n; ++j) {
      acc += static_cast<ScanAcc<T>>(src[j * si]);
      dst[j * so] = static_cast<T>(acc);
    }
  }
};

// Item r: row r's chunk sums [chunks] turned into exclusive prefixes, in order.
template <typename Acc>
struct ScanChunkPrefixBody {
  Acc* chunk_sums;  // [rows, chunks]
  int64_t chunks;
  int64_t rows;

  int64_t work_items() const { return rows; }
  EMBER_HOST_DEVICE void operator()(int64_t r) const {
    Acc running(0);
    for (int64_t c = 0; c < chunks; ++c) {
      const Acc sum = chunk_sums[r * chunks + c];
      chunk_sums[r * chunks + c] = running;
      running += sum;
    }
  }
};

// The value of element (r, j) of the scan's input, as its accumulator type; identity past the
// row's end (chunks load whole tiles).
template <typename T>
EMBER_HOST_DEVICE inline ScanAcc<T> scan_input(const T* in, const ScanRows& s, int64_t r,
                                               int64_t j) {
  if (j >= s.rows.n) return ScanAcc<T>(0);
  return static_cast<ScanAcc<T>>(in[row_element_offset(s.rows, s.rows.self_strides, r, j)]);
}

// ---- nonzero ----
template <typename T>
EMBER_HOST_DEVICE inline bool is_nonzero(T v) {
  if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) {
    return static_cast<float>(v) != 0.0f;
  } else {
    return v != T(0);
  }
}

// Item i (row-major position): flags[i] = self's element i is not zero.
template <typename T>
struct NonzeroFlagBody {
  const T* self;
  uint8_t* flags;
  int ndim;
  DimArray sizes, strides;
  bool contiguous;
  int64_t numel;

  int64_t work_items() const { return numel; }
  EMBER_HOST_DEVICE void operator()(int64_t i) const {
    int64_t off = i;
    if (!contiguous) {
      int64_t u0, u1, u2;
      offsets_of(i, ndim, sizes, strides, strides, strides, &off, &u0, &u1, -1, &u2);
    }
    flags[i] = is_nonzero(self[off]) ? 1 : 0;
  }
};

// Item t: the coordinates of the t-th non-zero element (row-major position positions[t]).
struct NonzeroCoordsBody {
  const int64_t* positions;
  int64_t* coords;  // [count, ndim], contiguous
  int ndim;
  DimArray sizes;
  int64_t count;

  int64_t work_items() const { return count; }
  EMBER_HOST_DEVICE void operator()(int64_t t) const {
    int64_t linear = positions[t];
    int64_t* row = coords + t * ndim;
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
    for (int d = kMaxIndexDims - 1; d >= 0; --d) {
      if (d >= ndim) continue;
      row[d] = linear % sizes.v[d];
      linear /= sizes.v[d];
    }
  }
};

}  // namespace ember::cuda
