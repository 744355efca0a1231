// The CPU allocator: 64-byte aligned memory, with blocks above 4 KiB kept in a size-class cache so that
// a fresh large output reuses pages that are already mapped instead of page-faulting on every
// first touch (the cost that dominates PyTorch's `x + y` on 16M elements), and small blocks kept
// in per-thread free lists so that the many tiny tensors of overhead-bound code (scalars, small
// MLPs at batch 1) skip posix_memalign's slow path.
#include <cstdlib>
#include <map>
#include <mutex>

#include "ember/core/allocator.h"
#include "ember/core/check.h"

namespace ember {
namespace {

constexpr size_t kAlignment = 64;
constexpr size_t kMaxCachedBytes = size_t{2} << 30;  // keep at most 2 GiB cached
constexpr size_t kSmallLimit = 4096;                 // small blocks: up to 4 KiB
constexpr size_t kSmallClasses = kSmallLimit / kAlignment;  // one class per 64 bytes
constexpr size_t kSmallPerClass = 64;                // blocks kept per class and thread

// Per-thread free lists of small blocks. A block freed by another thread than the one that made
// it simply joins that thread's lists; all blocks of a class are interchangeable.
class SmallBlockCache {
 public:
  ~SmallBlockCache() {
    for (auto& list : lists_)
      for (size_t i = 0; i < list.count; ++i) std::free(list.blocks[i]);
  }
  void* take(size_t cls) {
    List& l = lists_[cls];
    return l.count ? l.blocks[--l.count] : nullptr;
  }
  bool give(size_t cls, void* p) {
    List& l = lists_[cls];
    if (l.count == kSmallPerClass) return false;
    l.blocks[l.count++] = p;
    return true;
  }

 private:
  struct List {
    void* blocks[kSmallPerClass];
    size_t count = 0;
  };
  List lists_[kSmallClasses];
};

SmallBlockCache& small_cache() {
  thread_local SmallBlockCache cache;
  return cache;
}

size_t small_class(size_t nbytes) { return (nbytes - 1) / kAlignment; }

// Rounds up to one of four classes per power of two (at most 25% waste).
size_t size_class(size_t n) {
  size_t p = 1;
  while (p * 2 <= n) p *= 2;
  for (size_t k = 0; k <= 4; ++k) {
    size_t c = p + k * (p / 4);
    if (c >= n) return c;
  }
  return p * 2;
}

class CpuCachingAllocator final : public Allocator {
 public:
  void* allocate(size_t nbytes, Device) override {
    if (nbytes == 0) return nullptr;
    if (nbytes <= kSmallLimit) {
      const size_t cls = small_class(nbytes);
      if (void* p = small_cache().take(cls)) return p;
      return raw_allocate((cls + 1) * kAlignment, nbytes);
    }
    size_t cls = size_class(nbytes);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = free_.find(cls);
      if (it != free_.end()) {
        void* p = it->second;
        free_.erase(it);
        stats_.cached_bytes -= cls;
        stats_.allocated_bytes += cls;
        ++stats_.cache_hits;
        return p;
      }
      ++stats_.cache_misses;
    }
    void* p = nullptr;
    if (posix_memalign(&p, kAlignment, cls) != 0 || p == nullptr) {
      empty_cache();  // give cached blocks back to the system, then try once more
      p = raw_allocate(cls, nbytes);
    }
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.allocated_bytes += cls;
    return p;
  }

  void deallocate(void* ptr, size_t nbytes, Device) override {
    if (ptr == nullptr) return;
    if (nbytes <= kSmallLimit) {
      if (!small_cache().give(small_class(nbytes), ptr)) std::free(ptr);
      return;
    }
    size_t cls = size_class(nbytes);
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.allocated_bytes -= cls;
    if (stats_.cached_bytes + cls > kMaxCachedBytes) {
      std::free(ptr);
      return;
    }
    free_.emplace(cls, ptr);
    stats_.cached_bytes += cls;
  }

  CpuAllocatorStats stats() {
    std::lock_guard<std::mutex> lock(mutex_);
    return stats_;
  }

  void empty_cache() {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& [cls, p] : free_) std::free(p);
    free_.clear();
    stats_.cached_bytes = 0;
  }

 private:
  static void* raw_allocate(size_t bytes, size_t requested) {
    void* p = nullptr;
    if (posix_memalign(&p, kAlignment, bytes) != 0 || p == nullptr) {
      EMBER_FAIL(OutOfMemory, "CPU allocator: out of memory allocating {} bytes ({:.1f} MiB)",
                 requested, static_cast<double>(requested) / (1 << 20));
    }
    return p;
  }

  std::mutex mutex_;
  std::multimap<size_t, void*> free_;
  CpuAllocatorStats stats_;
};

CpuCachingAllocator& cpu_allocator() {
  // Never destroyed: storages may be released by static destructors after main returns.
  static auto* a = new CpuCachingAllocator();
  return *a;
}

Allocator* g_allocators[kNumDeviceTypes] = {};
Allocator* g_pinned = nullptr;

}  // namespace

Allocator* get_allocator(DeviceType type) {
  if (type == DeviceType::CPU) return g_allocators[0] ? g_allocators[0] : &cpu_allocator();
  Allocator* a = g_allocators[static_cast<int>(type)];
  EMBER_CHECK(a != nullptr, Device,
              "no allocator for device type '{}': Ember was built without CUDA "
              "(configure with EMBER_WITH_CUDA=ON), so tensors can only live on the CPU",
              device_type_name(type));
  return a;
}

void set_allocator(DeviceType type, Allocator* allocator) {
  g_allocators[static_cast<int>(type)] = allocator;
}

Allocator* get_pinned_host_allocator() {
  return g_pinned ? g_pinned : &cpu_allocator();
}
void set_pinned_host_allocator(Allocator* allocator) {
  g_pinned = allocator;
}

CpuAllocatorStats cpu_allocator_stats() {
  return cpu_allocator().stats();
}
void cpu_allocator_empty_cache() {
  cpu_allocator().empty_cache();
}

}  // namespace ember
