// Allocator: where a Storage's bytes come from. One allocator per device type is registered
// (the CPU's in core, CUDA's by kernels/cuda); core never includes a CUDA header.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ember/core/device.h"
#include "ember/core/macros.h"

namespace ember {

class EMBER_API Allocator {
 public:
  virtual ~Allocator() = default;
  // Returns at least nbytes on device (never null for nbytes > 0; throws on failure).
  virtual void* allocate(size_t nbytes, Device device) = 0;
  // Returns memory obtained from allocate() with the same nbytes.
  virtual void deallocate(void* ptr, size_t nbytes, Device device) = 0;
};

// The allocator of a device type; throws ember::DeviceError naming the device when none is
// registered (a CUDA tensor in a build without CUDA, or with no GPU).
EMBER_API Allocator* get_allocator(DeviceType type);
EMBER_API void set_allocator(DeviceType type, Allocator* allocator);

// Page-locked host memory for fast, asynchronous copies to a GPU; the plain CPU allocator
// when no CUDA backend is present.
EMBER_API Allocator* get_pinned_host_allocator();
EMBER_API void set_pinned_host_allocator(Allocator* allocator);

// Statistics of the caching CPU allocator.
struct CpuAllocatorStats {
  size_t allocated_bytes = 0;  // handed out and not yet returned
  size_t cached_bytes = 0;     // returned and kept for reuse
  size_t cache_hits = 0;
  size_t cache_misses = 0;
};
EMBER_API CpuAllocatorStats cpu_allocator_stats();
// Returns every cached CPU block to the system.
EMBER_API void cpu_allocator_empty_cache();

}  // namespace ember
