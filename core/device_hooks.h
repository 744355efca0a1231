// DeviceHooks: what core asks of an accelerator backend it cannot include (availability, device
// count, synchronisation, memory statistics). The CUDA backend registers its hooks at load time;
// without them every answer says why there is no GPU (built without CUDA, or none found).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "ember/core/device.h"
#include "ember/core/macros.h"

namespace ember {

struct DeviceMemoryStats {
  size_t allocated_bytes = 0;       // in tensors now
  size_t reserved_bytes = 0;        // held from the driver (allocated + cached)
  size_t peak_allocated_bytes = 0;  // high-water mark of allocated_bytes
  size_t num_allocs = 0;            // allocations served
  size_t num_cache_hits = 0;        // served from the cache, without cudaMalloc
  size_t num_device_allocs = 0;     // cudaMalloc calls
  size_t num_ooms = 0;              // out-of-memory retries
};

class EMBER_API DeviceHooks {
 public:
  virtual ~DeviceHooks() = default;
  virtual bool is_available() const = 0;
  virtual int device_count() const = 0;
  // Why is_available() is false ("Ember was built without CUDA", "no CUDA GPU: <reason>").
  virtual std::string unavailable_reason() const = 0;
  virtual int current_device() const = 0;
  virtual void set_device(int index) const = 0;
  virtual void synchronize(int index) const = 0;
  virtual DeviceMemoryStats memory_stats(int index) const = 0;
  virtual void reset_peak_memory_stats(int index) const = 0;
  virtual void empty_cache() const = 0;
  // "NVIDIA H100 80GB HBM3" and the like.
  virtual std::string device_name(int index) const = 0;
};

// The CUDA hooks, or a stand-in that reports "built without CUDA".
EMBER_API const DeviceHooks& cuda_hooks();
EMBER_API void set_cuda_hooks(const DeviceHooks* hooks);

// Fills in the index of a CUDA device given without one (the current device) and checks that it
// exists; throws DeviceError saying why not.
EMBER_API Device resolve_device(Device device);

}  // namespace ember
