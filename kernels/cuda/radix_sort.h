// Stable radix sorts of (key, value) pairs on the device (CUB's DeviceRadixSort), for the CUDA
// sort, topk and scatter_add kernels; defined in sort_kernels.cu so that CUB's sort is compiled
// once. Asynchronous on Ember's stream of `device`, with scratch space from the caching allocator.
#pragma once

#include <cstdint>

namespace ember::cuda {

// Sorts n pairs by the bits [0, end_bit) of their keys, equal keys keeping their input order.
void radix_sort_pairs(const uint32_t* keys_in, uint32_t* keys_out, const int32_t* values_in,
                      int32_t* values_out, int64_t n, int end_bit, int device);
void radix_sort_pairs(const uint64_t* keys_in, uint64_t* keys_out, const int32_t* values_in,
                      int32_t* values_out, int64_t n, int end_bit, int device);

// The number of bits needed to write values up to max_value (at least 1).
inline int bits_for(uint64_t max_value) {
  int bits = 1;
  while (bits < 64 && (max_value >> bits) != 0) ++bits;
  return bits;
}

}  // namespace ember::cuda
