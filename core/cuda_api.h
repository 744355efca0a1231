// ember::cuda: the user-facing questions about GPUs, answered whether or not Ember was built with
// CUDA (a CPU-only build says "no" and why). Like torch::cuda.
#pragma once

#include <cstdint>
#include <string>

#include "ember/core/device_hooks.h"

namespace ember::cuda {

// True when Ember was built with CUDA and at least one GPU answers.
EMBER_API bool is_available();
EMBER_API int device_count();
// Why is_available() is false; empty when it is true.
EMBER_API std::string unavailable_reason();
// Waits for all work queued on the device (the current one by default).
EMBER_API void synchronize(int device = -1);
EMBER_API int current_device();
EMBER_API void set_device(int device);
EMBER_API std::string device_name(int device = -1);
// Caching allocator statistics and release of cached blocks.
EMBER_API DeviceMemoryStats memory_stats(int device = -1);
EMBER_API void reset_peak_memory_stats(int device = -1);
EMBER_API void empty_cache();
// Seeds the default generator of every CUDA device.
EMBER_API void manual_seed_all(uint64_t seed);

}  // namespace ember::cuda
