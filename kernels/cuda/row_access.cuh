// How the threads of a row group (kernels/cuda/group_reduce.cuh) walk one contiguous row: thread
// `lane` of kGroup takes elements lane, lane + kGroup, ... or, when kVec > 1 (the row length a
// multiple of kVec and every row pointer 16-byte aligned), whole 16-byte vectors of kVec
// elements, so each load and store is one 128-bit access. GPU-only.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "kernels/cuda/elementwise_body.h"

namespace ember::cuda {

// Elements per 16-byte vector of T.
template <typename T>
inline constexpr int kVec16 = static_cast<int>(16 / sizeof(T));

// Whether rows of n elements starting at p (and every n elements after it) are 16-byte vectors.
template <typename T>
inline bool rows_vectorizable(const void* p, int64_t n) {
  return n % kVec16<T> == 0 && reinterpret_cast<uintptr_t>(p) % 16 == 0;
}

// f(i, x[i]) for the elements of a row of n that thread `lane` owns, in increasing i.
template <int kGroup, int kVec, typename T, typename F>
__device__ inline void for_each_owned(const T* row, int64_t n, int lane, F&& f) {
  if constexpr (kVec > 1) {
    const int64_t vectors = n / kVec;
#pragma unroll 4
    for (int64_t v = lane; v < vectors; v += kGroup) {
      const auto x = load_vector<AlignedVector<T, kVec>>(row + v * kVec);
#pragma unroll
      for (int j = 0; j < kVec; ++j) f(v * kVec + j, x.v[j]);
    }
  } else {
    for (int64_t i = lane; i < n; i += kGroup) f(i, row[i]);
  }
}

// out[i] = f(i, a[i]) over the elements thread `lane` owns.
template <int kGroup, int kVec, typename T, typename F>
__device__ inline void transform_owned(const T* a, T* out, int64_t n, int lane, F&& f) {
  if constexpr (kVec > 1) {
    const int64_t vectors = n / kVec;
#pragma unroll 4
    for (int64_t v = lane; v < vectors; v += kGroup) {
      const auto x = load_vector<AlignedVector<T, kVec>>(a + v * kVec);
      AlignedVector<T, kVec> y;
#pragma unroll
      for (int j = 0; j < kVec; ++j) y.v[j] = f(v * kVec + j, x.v[j]);
      store_vector(out + v * kVec, y);
    }
  } else {
    for (int64_t i = lane; i < n; i += kGroup) out[i] = f(i, a[i]);
  }
}

// out[i] = f(i, a[i], b[i]) over the elements thread `lane` owns.
template <int kGroup, int kVec, typename T, typename F>
__device__ inline void transform_owned2(const T* a, const T* b, T* out, int64_t n, int lane,
                                        F&& f) {
  if constexpr (kVec > 1) {
    const int64_t vectors = n / kVec;
#pragma unroll 4
    for (int64_t v = lane; v < vectors; v += kGroup) {
      const auto x = load_vector<AlignedVector<T, kVec>>(a + v * kVec);
      const auto z = load_vector<AlignedVector<T, kVec>>(b + v * kVec);
      AlignedVector<T, kVec> y;
#pragma unroll
      for (int j = 0; j < kVec; ++j) y.v[j] = f(v * kVec + j, x.v[j], z.v[j]);
      store_vector(out + v * kVec, y);
    }
  } else {
    for (int64_t i = lane; i < n; i += kGroup) out[i] = f(i, a[i], b[i]);
  }
}

// f(i, a[i], b[i]) over the elements thread `lane` owns (two inputs read together).
template <int kGroup, int kVec, typename T, typename F>
__device__ inline void for_each_owned2(const T* a, const T* b, int64_t n, int lane, F&& f) {
  if constexpr (kVec > 1) {
    const int64_t vectors = n / kVec;
#pragma unroll 4
    for (int64_t v = lane; v < vectors; v += kGroup) {
      const auto x = load_vector<AlignedVector<T, kVec>>(a + v * kVec);
      const auto z = load_vector<AlignedVector<T, kVec>>(b + v * kVec);
#pragma unroll
      for (int j = 0; j < kVec; ++j) f(v * kVec + j, x.v[j], z.v[j]);
    }
  } else {
    for (int64_t i = lane; i < n; i += kGroup) f(i, a[i], b[i]);
  }
}

// Launch shape of a row kernel: one warp per row (8 rows per block) for rows up to
// kWarpRowLimit elements, one block of kBlockGroup threads per row above.
inline constexpr int64_t kWarpRowLimit = 1024;
inline constexpr int kWarpRowsPerBlock = 8;
inline constexpr int kBlockGroup = 256;

// The compile-time shape of a row kernel: threads per row and elements per vector access.
template <int kGroup, int kVec>
struct RowConfig {
  static constexpr int group = kGroup;
  static constexpr int vec = kVec;
};

// Calls f(RowConfig<...>{}, grid, block) with the launch shape for `rows` rows of n elements
// (a warp per row up to kWarpRowLimit elements, else a block per row), vectorised or not.
template <typename T, typename F>
inline void with_row_config(int64_t rows, int64_t n, bool vectorizable, const F& f) {
  if (n <= kWarpRowLimit) {
    const dim3 block(32, kWarpRowsPerBlock);
    const dim3 grid(static_cast<unsigned>((rows + kWarpRowsPerBlock - 1) / kWarpRowsPerBlock));
    if (vectorizable) {
      f(RowConfig<32, kVec16<T>>{}, grid, block);
    } else {
      f(RowConfig<32, 1>{}, grid, block);
    }
  } else {
    const dim3 block(kBlockGroup), grid(static_cast<unsigned>(rows));
    if (vectorizable) {
      f(RowConfig<kBlockGroup, kVec16<T>>{}, grid, block);
    } else {
      f(RowConfig<kBlockGroup, 1>{}, grid, block);
    }
  }
}

// The row of the group the calling thread belongs to (see with_row_config).
template <int kGroup>
__device__ inline int64_t group_row() {
  return kGroup == 32 ? static_cast<int64_t>(blockIdx.x) * blockDim.y + threadIdx.y
                      : static_cast<int64_t>(blockIdx.x);
}

}  // namespace ember::cuda
