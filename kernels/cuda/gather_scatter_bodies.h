// The bodies of Ember's CUDA gathers and deterministic scatter-adds (embedding forward and
// backward, max_pool2d backward) as __host__ __device__ functions of explicit indices, run one
// thread each by gather_scatter_kernels.cu and in plain CPU loops by tests/cuda/nn_body_test.cpp.
// Free of CUDA headers.
//
// Note [Scatter-add by sorting]
// A backward that adds rows of a gradient into the rows their indices name (embedding) or
// gradients into the input elements their argmax indices name (max_pool2d) would need float
// atomics where indices repeat, and atomics add in whatever order threads arrive. Instead:
//   1. each position i becomes a key (its destination row; an out-of-range index becomes a
//      sentinel key past the end and is recorded, Note [Bad indices on the GPU]) and a value i;
//   2. CUB's radix sort orders the pairs by key, stably, so equal keys keep increasing i;
//   3. the first position of each run of equal keys sums the run's source rows in that order and
//      writes its destination row (every destination row was zeroed first).
// The sums run in the CPU kernels' order (increasing position, starting from zero, in the
// tensor's dtype), so the results equal the CPU's bit for bit, from run to run.
#pragma once

#include <cstdint>

#include "ember/core/macros.h"
#include "kernels/cuda/bad_position.h"

namespace ember::cuda {

// out[i, :] = weight[indices[i], :] for one element (i, j); bad indices are recorded.
// Elements are copied as raw words of their size (any floating dtype).
template <typename Word>
struct EmbeddingForwardBody {
  Word* out;
  const Word* weight;
  const int64_t* indices;
  int64_t dim, num_weights;
  unsigned long long* bad;
  EMBER_HOST_DEVICE void operator()(int64_t i, int64_t j) const {
    const int64_t r = indices[i];
    if (r < 0 || r >= num_weights) {
      if (j == 0) record_bad_position(bad, i);
      return;
    }
    out[i * dim + j] = weight[r * dim + j];
  }
};

// Step 1 of Note [Scatter-add by sorting]: position i's destination key and its value i.
// Destination of position i: group_base(i) + index, the index valid in [0, limit); the group
// of position i is i / group_size (max_pool2d: one group per plane; embedding: one group).
struct ScatterKeysBody {
  const int64_t* indices;
  unsigned long long* keys;
  int64_t* values;
  int64_t limit;                // indices must lie in [0, limit)
  int64_t group_size;           // positions per group
  int64_t group_stride;         // destination keys per group
  unsigned long long sentinel;  // key of a bad index: past every destination
  unsigned long long* bad;
  EMBER_HOST_DEVICE void operator()(int64_t i) const {
    const int64_t r = indices[i];
    values[i] = i;
    if (r < 0 || r >= limit) {
      record_bad_position(bad, i);
      keys[i] = sentinel;
      return;
    }
    keys[i] = static_cast<unsigned long long>((i / group_size) * group_stride + r);
  }
};

// Step 3: for sorted position k and column j, the run that starts at k (if one does) sums
// src[values[m] * dim + j] over the run into dst[key * dim + j]. Runs of the sentinel key and of
// skip_key (embedding's padding_idx, or -1 for none) write nothing.
template <typename T>
struct SortedSegmentSumBody {
  T* dst;
  const T* src;
  const unsigned long long* keys;  // sorted
  const int64_t* values;           // positions, in key order (stably)
  int64_t count, dim;
  unsigned long long sentinel;
  int64_t skip_key;
  EMBER_HOST_DEVICE void operator()(int64_t k, int64_t j) const {
    const unsigned long long key = keys[k];
    if (k > 0 && keys[k - 1] == key) return;  // not the first of its run
    if (key == sentinel || static_cast<int64_t>(key) == skip_key) return;
    T sum = T(0);
    for (int64_t m = k; m < count && keys[m] == key; ++m) sum += src[values[m] * dim + j];
    dst[static_cast<int64_t>(key) * dim + j] = sum;
  }
};

// Bits a radix sort must look at for keys up to and including max_key.
EMBER_HOST_DEVICE inline int key_bits(unsigned long long max_key) {
  int bits = 1;
  while (bits < 64 && (max_key >> bits) != 0) ++bits;
  return bits;
}

}  // namespace ember::cuda
