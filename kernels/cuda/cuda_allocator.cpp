// The caching CUDA device allocator and the caching pinned-host allocator: CachingBlockPool
// (see Note [Caching allocator]) over cudaMalloc and over cudaHostAlloc, registered at load time.
#include "kernels/cuda/cuda_allocator.h"

#include <cuda_runtime_api.h>

#include <atomic>
#include <mutex>
#include <vector>

#include "ember/core/allocator.h"
#include "ember/core/check.h"
#include "kernels/cuda/caching_block_pool.h"
#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_context.h"

namespace ember::cuda {
namespace {

std::string format_bytes(size_t n) {
  const double v = static_cast<double>(n);
  if (n >= (size_t{1} << 30)) return fmt::format("{:.2f} GiB", v / (1 << 30));
  if (n >= (size_t{1} << 20)) return fmt::format("{:.2f} MiB", v / (1 << 20));
  if (n >= (size_t{1} << 10)) return fmt::format("{:.2f} KiB", v / (1 << 10));
  return fmt::format("{} bytes", n);
}

// ---- raw memory: cudaMalloc on one device, with a recycled set of events ----
class DeviceRawMemory final : public RawMemory {
 public:
  explicit DeviceRawMemory(int device) : device_(device) {}

  void* raw_allocate(size_t nbytes) override {
    DeviceGuard guard(device_);
    void* p = nullptr;
    const cudaError_t status = cudaMalloc(&p, nbytes);
    if (status == cudaErrorMemoryAllocation) {
      cudaGetLastError();  // out of memory is not sticky: the pool empties its cache and retries
      return nullptr;
    }
    EMBER_CUDA_CHECK(status);
    return p;
  }
  void raw_free(void* ptr, size_t) override {
    DeviceGuard guard(device_);
    EMBER_CUDA_CHECK(cudaFree(ptr));
  }
  EventId record_event(Stream stream) override {
    DeviceGuard guard(device_);
    cudaEvent_t e = nullptr;
    if (!spare_events_.empty()) {
      e = spare_events_.back();
      spare_events_.pop_back();
    } else {
      EMBER_CUDA_CHECK(cudaEventCreateWithFlags(&e, cudaEventDisableTiming));
    }
    EMBER_CUDA_CHECK(cudaEventRecord(e, static_cast<cudaStream_t>(stream)));
    return e;
  }
  bool event_done(EventId event) override { return query(static_cast<cudaEvent_t>(event)); }
  void wait_event(EventId event) override {
    EMBER_CUDA_CHECK(cudaEventSynchronize(static_cast<cudaEvent_t>(event)));
  }
  void release_event(EventId event) override {
    spare_events_.push_back(static_cast<cudaEvent_t>(event));  // called under the pool's lock
  }

  static bool query(cudaEvent_t e) {
    const cudaError_t status = cudaEventQuery(e);
    if (status == cudaErrorNotReady) {
      cudaGetLastError();
      return false;
    }
    EMBER_CUDA_CHECK(status);
    return true;
  }

 private:
  int device_;
  std::vector<cudaEvent_t> spare_events_;
};

// ---- raw memory: page-locked host memory; events on whichever device's stream used it ----
class PinnedRawMemory final : public RawMemory {
 public:
  void* raw_allocate(size_t nbytes) override {
    void* p = nullptr;
    const cudaError_t status = cudaHostAlloc(&p, nbytes, cudaHostAllocPortable);
    if (status == cudaErrorMemoryAllocation) {
      cudaGetLastError();
      return nullptr;
    }
    EMBER_CUDA_CHECK(status);
    return p;
  }
  void raw_free(void* ptr, size_t) override { EMBER_CUDA_CHECK(cudaFreeHost(ptr)); }
  EventId record_event(Stream stream) override {
    int device = 0;
    EMBER_CUDA_CHECK(cudaStreamGetDevice(static_cast<cudaStream_t>(stream), &device));
    DeviceGuard guard(device);
    cudaEvent_t e = nullptr;
    EMBER_CUDA_CHECK(cudaEventCreateWithFlags(&e, cudaEventDisableTiming));
    EMBER_CUDA_CHECK(cudaEventRecord(e, static_cast<cudaStream_t>(stream)));
    return e;
  }
  bool event_done(EventId event) override {
    return DeviceRawMemory::query(static_cast<cudaEvent_t>(event));
  }
  void wait_event(EventId event) override {
    EMBER_CUDA_CHECK(cudaEventSynchronize(static_cast<cudaEvent_t>(event)));
  }
  void release_event(EventId event) override { cudaEventDestroy(static_cast<cudaEvent_t>(event)); }
};

// ---- the device allocator: one pool per device, created on first use ----
constexpr int kMaxDevices = 64;

struct DevicePool {
  DeviceRawMemory raw;
  CachingBlockPool pool;
  explicit DevicePool(int device) : raw(device), pool(&raw) {}
};

std::atomic<DevicePool*> g_pools[kMaxDevices] = {};
std::mutex g_pools_mutex;

int index_of(Device device) {
  return device.has_index() ? device.index() : get_device();
}

DevicePool* find_pool(int device) {
  return device >= 0 && device < kMaxDevices ? g_pools[device].load(std::memory_order_acquire)
                                             : nullptr;
}

DevicePool& pool_for(int device) {
  DevicePool* p = find_pool(device);
  if (EMBER_LIKELY(p != nullptr)) return *p;
  EMBER_CHECK(device >= 0 && device < visible_device_count() && device < kMaxDevices, Device,
              "CUDA allocator: there is no CUDA device {} ({} visible)", device,
              visible_device_count());
  std::lock_guard<std::mutex> lock(g_pools_mutex);
  p = g_pools[device].load(std::memory_order_acquire);
  if (p == nullptr) {
    p = new DevicePool(device);  // never destroyed: storages are released during static teardown
    g_pools[device].store(p, std::memory_order_release);
  }
  return *p;
}

class CudaCachingAllocator final : public Allocator {
 public:
  void* allocate(size_t nbytes, Device device) override {
    if (nbytes == 0) return nullptr;
    const int index = index_of(device);
    DevicePool& p = pool_for(index);
    void* ptr = p.pool.allocate(nbytes, current_stream(index));
    if (EMBER_UNLIKELY(ptr == nullptr)) throw_out_of_memory(nbytes, index, p.pool.stats());
    return ptr;
  }

  void deallocate(void* ptr, size_t, Device device) override {
    if (ptr == nullptr) return;
    if (DevicePool* p = find_pool(index_of(device))) p->pool.free(ptr);
  }

 private:
  [[noreturn]] static void throw_out_of_memory(size_t nbytes, int device,
                                               const DeviceMemoryStats& s) {
    size_t free_bytes = 0, total_bytes = 0;
    {
      DeviceGuard guard(device);
      if (cudaMemGetInfo(&free_bytes, &total_bytes) != cudaSuccess) cudaGetLastError();
    }
    EMBER_FAIL(OutOfMemory,
               "CUDA out of memory on cuda:{}: tried to allocate {} ({} bytes, a segment of {}); "
               "Ember's tensors hold {} ({} bytes) and {} ({} bytes) more were cached, released "
               "before one retry; the device has {} free of {}. Free tensors you no longer need "
               "or use smaller batches",
               device, format_bytes(nbytes), nbytes,
               format_bytes(CachingBlockPool::segment_size(CachingBlockPool::round_size(nbytes))),
               format_bytes(s.allocated_bytes), s.allocated_bytes,
               format_bytes(s.reserved_bytes - s.allocated_bytes),
               s.reserved_bytes - s.allocated_bytes, format_bytes(free_bytes),
               format_bytes(total_bytes));
  }
};

// ---- the pinned host allocator (the plain CPU allocator when no GPU answers) ----
class PinnedHostAllocator final : public Allocator {
 public:
  void* allocate(size_t nbytes, Device device) override {
    if (nbytes == 0) return nullptr;
    if (visible_device_count() == 0) return get_allocator(kCPU)->allocate(nbytes, device);
    void* ptr = pool_.allocate(nbytes, nullptr);
    if (EMBER_UNLIKELY(ptr == nullptr)) {
      const DeviceMemoryStats s = pool_.stats();
      EMBER_FAIL(OutOfMemory,
                 "pinned host allocator: out of page-locked memory allocating {} ({} bytes); "
                 "pinned tensors hold {} and {} more were cached, released before one retry. "
                 "Use fewer or smaller pinned buffers",
                 format_bytes(nbytes), nbytes, format_bytes(s.allocated_bytes),
                 format_bytes(s.reserved_bytes - s.allocated_bytes));
    }
    return ptr;
  }

  void deallocate(void* ptr, size_t nbytes, Device device) override {
    if (ptr == nullptr) return;
    if (!pool_.free(ptr)) get_allocator(kCPU)->deallocate(ptr, nbytes, device);
  }

  CachingBlockPool& pool() { return pool_; }

 private:
  PinnedRawMemory raw_;
  CachingBlockPool pool_{&raw_};
};

CudaCachingAllocator& device_allocator() {
  static auto* a = new CudaCachingAllocator();
  return *a;
}
PinnedHostAllocator& pinned_allocator() {
  static auto* a = new PinnedHostAllocator();
  return *a;
}

// Registered at load time, whether or not a GPU answers: without one, creating a CUDA tensor
// fails earlier (resolve_device) with the reason.
[[maybe_unused]] const bool g_registered = [] {
  set_allocator(kCUDA, &device_allocator());
  set_pinned_host_allocator(&pinned_allocator());
  return true;
}();

}  // namespace

DeviceMemoryStats device_memory_stats(int device) {
  DevicePool* p = find_pool(device);
  return p ? p->pool.stats() : DeviceMemoryStats{};
}

void reset_device_peak_memory(int device) {
  if (DevicePool* p = find_pool(device)) p->pool.reset_peak();
}

void empty_all_caches() {
  for (int d = 0; d < kMaxDevices; ++d)
    if (DevicePool* p = find_pool(d)) p->pool.empty_cache();
  if (visible_device_count() > 0) pinned_allocator().pool().empty_cache();
}

void record_stream(const void* ptr, int device, CUstream_st* stream) {
  DevicePool* p = find_pool(device);
  EMBER_CHECK(p != nullptr && p->pool.record_stream(ptr, stream), Value,
              "record_stream: {} is not memory of Ember's CUDA allocator on cuda:{}", ptr, device);
}

bool is_pinned(const void* ptr) {
  if (ptr == nullptr || visible_device_count() == 0) return false;
  if (pinned_allocator().pool().owns(ptr)) return true;
  cudaPointerAttributes attr{};
  if (cudaPointerGetAttributes(&attr, ptr) != cudaSuccess) {
    cudaGetLastError();
    return false;
  }
  return attr.type == cudaMemoryTypeHost;
}

bool record_pinned_use(const void* ptr, CUstream_st* stream) {
  if (visible_device_count() == 0) return false;
  return pinned_allocator().pool().record_stream(ptr, stream);
}

DeviceMemoryStats pinned_memory_stats() {
  return visible_device_count() > 0 ? pinned_allocator().pool().stats() : DeviceMemoryStats{};
}

}  // namespace ember::cuda
