// The device word in which Ember's CUDA kernels record the first bad class target or index
// (Note [Bad indices on the GPU] in nn_kernel_support.h): its empty value, and the update, an
// integer atomicMin on the device and a plain min in a CPU test loop. Free of CUDA headers.
#pragma once

#include <cstdint>

#include "ember/core/macros.h"

namespace ember::cuda {

// The value of the word while nothing is recorded.
inline constexpr unsigned long long kNoBadPosition = ~0ull;

// Records position p: the word keeps the lowest position recorded, whatever the order.
EMBER_HOST_DEVICE inline void record_bad_position(unsigned long long* slot, int64_t p) {
#if defined(__CUDA_ARCH__)
  atomicMin(slot, static_cast<unsigned long long>(p));
#else
  if (static_cast<unsigned long long>(p) < *slot) *slot = static_cast<unsigned long long>(p);
#endif
}

}  // namespace ember::cuda
