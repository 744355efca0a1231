// The bodies of Ember's CUDA joining and indexing kernels (index_kernels.cu): cat, index_select,
// gather and scatter_add, as __host__ __device__ functions of an explicit work item, with the
// index arithmetic of kernels/index_math.h. The thin __global__ wrapper of elementwise_launch.cuh
// runs them on the GPU; tests/cuda/index_body_test.cpp runs them in plain CPU loops against the
// CPU kernels. Free of CUDA headers.
//
// Note [CUDA index bounds]
// A kernel that reads an index value checks it against its dim's size; a bad one is not used
// (nothing is read or written through it) and its row-major position in the index tensor is
// recorded with an atomic minimum in a device word (IndexBoundsCheck, index_checks.h). After the
// launch the op copies that word back, which waits for the kernel (a synchronisation, as for
// PyTorch's .item()), and throws the CPU's IndexError for the first bad position. scatter_add
// checks in its first kernel and waits before touching its output, so a bad index leaves the
// output untouched, as on the CPU.
#pragma once

#include <cstdint>
#include <type_traits>

#include "ember/core/macros.h"
#include "kernels/functors.h"
#include "kernels/index_math.h"

namespace ember::cuda {

// Dims of the tensors an index kernel takes at most (more are refused with an error).
inline constexpr int kMaxIndexDims = 16;
// The "no bad index" value of a bounds word.
inline constexpr unsigned long long kNoBadIndex = ~0ull;

struct DimArray {
  int64_t v[kMaxIndexDims];
};

// a.v[i] for an index known only at run time, read as a select over constant indices (a kernel
// parameter array indexed at run time could be copied to local memory).
EMBER_HOST_DEVICE inline int64_t dim_at(const DimArray& a, int i) {
  int64_t value = 0;
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
  for (int d = 0; d < kMaxIndexDims; ++d) {
    if (d == i) value = a.v[d];
  }
  return value;
}

// Lowers *slot to position (an atomic minimum on the GPU).
EMBER_HOST_DEVICE inline void record_bad_index(unsigned long long* slot, int64_t position) {
#if defined(__CUDA_ARCH__)
  atomicMin(slot, static_cast<unsigned long long>(position));
#else
  if (static_cast<unsigned long long>(position) < *slot)
    *slot = static_cast<unsigned long long>(position);
#endif
}

// Offsets in up to three tensors of the row-major position `linear` over `sizes` (ndim dims).
// Unrolled to the fixed bound so that kernel parameters are read at constant indices.
EMBER_HOST_DEVICE inline void offsets_of(int64_t linear, int ndim, const DimArray& sizes,
                                         const DimArray& s0, const DimArray& s1, const DimArray& s2,
                                         int64_t* o0, int64_t* o1, int64_t* o2, int skip_dim,
                                         int64_t* skipped_index) {
  int64_t a = 0, b = 0, c = 0;
  *skipped_index = 0;
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
  for (int d = kMaxIndexDims - 1; d >= 0; --d) {
    if (d >= ndim) continue;
    const int64_t idx = linear % sizes.v[d];
    linear /= sizes.v[d];
    if (d == skip_dim) *skipped_index = idx;
    a += idx * s0.v[d];
    b += idx * s1.v[d];
    c += idx * s2.v[d];
  }
  *o0 = a;
  *o1 = b;
  *o2 = c;
}

// ---- cat ----
// Contiguous inputs into a contiguous output, a batch of up to kCatBatch inputs per launch,
// copied as Words (the widest of 16, 8, 4, 2, 1 bytes dividing every row, offset and pointer).
// Output row o (the outer index) holds each input's row of row_words words at out_offset words.
inline constexpr int kCatBatch = 32;

template <typename Word>
struct CatBody {
  Word* out = nullptr;
  int64_t out_row = 0;  // words per outer index in out
  int count = 0;        // inputs in this batch
  const Word* src[kCatBatch] = {};
  int64_t row_words[kCatBatch] = {};
  int64_t out_offset[kCatBatch] = {};  // words from the start of an out row
  int64_t first[kCatBatch + 1] = {};   // first work item of each input; first[count] = total

  int64_t work_items() const { return first[count]; }

  EMBER_HOST_DEVICE void operator()(int64_t w) const {
    // The input whose items hold w: the last with first[i] <= w (binary search).
    int lo = 0, hi = count - 1;
    while (lo < hi) {
      const int mid = (lo + hi + 1) / 2;
      if (first[mid] <= w) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    const int64_t local = w - first[lo];
    const int64_t o = local / row_words[lo], k = local % row_words[lo];
    out[o * out_row + out_offset[lo] + k] = src[lo][local];
  }
};

// ---- index_select ----
// out is contiguous [outer, num_indices, inner]; element (o, j, k) copies element
// (o, index[j], k) of self. Items are out's elements; a bad index[j] is recorded at position j.
template <typename T>
struct IndexSelectBody {
  T* out;
  const T* self;
  const int64_t* index;
  int64_t index_stride;
  int64_t num_indices, inner, dim_size;
  unsigned long long* bad;
  int ndim, dim;
  bool self_contiguous;
  DimArray sizes, strides;  // self's
  int64_t numel;

  int64_t work_items() const { return numel; }

  EMBER_HOST_DEVICE void operator()(int64_t i) const {
    const int64_t k = i % inner;
    const int64_t oj = i / inner;
    const int64_t j = oj % num_indices, o = oj / num_indices;
    const int64_t v = index[j * index_stride];
    if (!index_math::index_in_bounds(v, dim_size)) {
      record_bad_index(bad, j);
      return;
    }
    int64_t src;
    if (self_contiguous) {
      src = (o * dim_size + v) * inner + k;
    } else {
      // self's offset of (o, v, k): o over dims [0, dim), k over dims (dim, ndim).
      src = v * dim_at(strides, dim);
      int64_t rem_k = k, rem_o = o;
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
      for (int d = kMaxIndexDims - 1; d >= 0; --d) {
        if (d >= ndim || d == dim) continue;
        int64_t& rem = d > dim ? rem_k : rem_o;
        src += (rem % sizes.v[d]) * strides.v[d];
        rem /= sizes.v[d];
      }
    }
    out[i] = self[src];
  }
};

// Checks the values of an index tensor against [0, size), recording the first bad position
// (index_select with an empty output still checks, as on the CPU).
struct IndexCheckBody {
  const int64_t* index;
  int ndim;
  DimArray sizes, strides;
  int64_t size;
  unsigned long long* bad;
  int64_t numel;

  int64_t work_items() const { return numel; }
  EMBER_HOST_DEVICE void operator()(int64_t p) const {
    int64_t off, unused0, unused1, unused2;
    offsets_of(p, ndim, sizes, strides, strides, strides, &off, &unused0, &unused1, -1, &unused2);
    if (!index_math::index_in_bounds(index[off], size)) record_bad_index(bad, p);
  }
};

// ---- gather ----
// out[..., j, ...] = self[..., index[..., j, ...], ...] along dim; items are index's elements in
// row-major order (out has index's shape).
template <typename T>
struct GatherBody {
  T* out;
  const T* self;
  const int64_t* index;
  int64_t dim_size;
  unsigned long long* bad;
  int ndim, dim;
  DimArray sizes;  // index's (and out's)
  DimArray index_strides, self_strides, out_strides;
  int64_t numel;

  int64_t work_items() const { return numel; }

  EMBER_HOST_DEVICE void operator()(int64_t p) const {
    int64_t i_off, s_off, o_off, j;
    offsets_of(p, ndim, sizes, index_strides, self_strides, out_strides, &i_off, &s_off, &o_off,
               dim, &j);
    const int64_t v = index[i_off];
    if (!index_math::index_in_bounds(v, dim_size)) {
      record_bad_index(bad, p);
      return;
    }
    // s_off holds j * stride along dim; self is read at position v instead.
    out[o_off] = self[s_off + (v - j) * dim_at(self_strides, dim)];
  }
};

// ---- scatter_add ----
// Deterministic without float atomics: the first kernel gives each index element p its target,
// the element offset in out (the sort key), and its position p; a stable radix sort by key groups
// the elements of each target in increasing p; the second kernel lets the first element of each
// run of equal keys add the run's sources in that order. That is the CPU's order (each target
// accumulates in index order) with the same rounding after every add, so results match the CPU
// bit for bit.
template <typename Key>
struct ScatterKeysBody {
  const int64_t* index;
  int64_t dim_size;
  unsigned long long* bad;
  Key* keys;
  int32_t* positions;
  int ndim, dim;
  DimArray sizes;  // index's
  DimArray index_strides, out_strides;
  int64_t numel;

  int64_t work_items() const { return numel; }

  EMBER_HOST_DEVICE void operator()(int64_t p) const {
    int64_t i_off, o_off, unused, j;
    offsets_of(p, ndim, sizes, index_strides, out_strides, out_strides, &i_off, &o_off, &unused,
               dim, &j);
    const int64_t v = index[i_off];
    Key key = 0;
    if (index_math::index_in_bounds(v, dim_size)) {
      key = static_cast<Key>(o_off + (v - j) * dim_at(out_strides, dim));
    } else {
      record_bad_index(bad, p);
    }
    keys[p] = key;
    positions[p] = static_cast<int32_t>(p);
  }
};

template <typename T, typename Key>
struct ScatterAddBody {
  T* out;
  const T* src;
  const Key* keys;           // sorted
  const int32_t* positions;  // index positions in the keys' sorted order
  int ndim;
  DimArray sizes;  // index's
  DimArray src_strides;
  int64_t numel;

  int64_t work_items() const { return numel; }

  EMBER_HOST_DEVICE void operator()(int64_t t) const {
    const Key key = keys[t];
    if (t > 0 && keys[t - 1] == key) return;  // not the first of its run
    using Acc = opmath_t<T>;
    T acc = out[key];
    for (int64_t u = t; u < numel && keys[u] == key; ++u) {
      int64_t s_off, unused0, unused1, unused2;
      offsets_of(positions[u], ndim, sizes, src_strides, src_strides, src_strides, &s_off, &unused0,
                 &unused1, -1, &unused2);
      if constexpr (std::is_same_v<T, bool>) {
        acc = acc || src[s_off];
      } else {
        acc = static_cast<T>(static_cast<Acc>(acc) + static_cast<Acc>(src[s_off]));
      }
    }
    out[key] = acc;
  }
};

}  // namespace ember::cuda
