// Ember's CUDA allocators (see Note [Caching allocator] in caching_block_pool.h): the caching
// device allocator registered for kCUDA, and the caching pinned-host allocator registered with
// set_pinned_host_allocator. Internal to Ember; free of CUDA headers.
#pragma once

#include <cstddef>

#include "ember/core/device_hooks.h"
#include "ember/core/macros.h"

struct CUstream_st;

namespace ember::cuda {

// Statistics of the device allocator on one device (all zero before its first allocation).
EMBER_API DeviceMemoryStats device_memory_stats(int device);
EMBER_API void reset_device_peak_memory(int device);
// Releases every cached block, device and pinned, that no tensor uses.
EMBER_API void empty_all_caches();

// Marks the device block holding ptr (on `device`) as used by work on `stream`, a stream other
// than Ember's, so that it is not reused before that work completes (like torch's record_stream).
EMBER_API void record_stream(const void* ptr, int device, CUstream_st* stream);

// Whether ptr is page-locked host memory: from Ember's pinned allocator or registered with CUDA.
EMBER_API bool is_pinned(const void* ptr);
// Keeps the pinned block holding ptr from reuse until the work queued on stream so far has
// completed (an asynchronous copy reads or writes it). False when ptr is not Ember's pinned memory.
EMBER_API bool record_pinned_use(const void* ptr, CUstream_st* stream);
EMBER_API DeviceMemoryStats pinned_memory_stats();

}  // namespace ember::cuda
