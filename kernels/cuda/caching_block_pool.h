// CachingBlockPool: the bookkeeping of Ember's caching allocators, written against a small
// RawMemory interface (allocate, free, stream events) so that its logic is unit-tested on the CPU
// with a test double in place of cudaMalloc (tests/cuda/caching_block_pool_test.cpp). The CUDA
// device allocator and the pinned host allocator (kernels/cuda/cuda_allocator.cpp) each run one.
// Header-only and free of CUDA headers so that the test builds with or without CUDA.
//
// Note [Caching allocator]
// - Sizes: requests are rounded up to 512 bytes. Requests up to 1 MiB come from 2 MiB segments
//   (the small pool); larger ones from 20 MiB segments when under 10 MiB, else from a segment of
//   the request rounded up to 2 MiB (the large pool). A free block larger than a request is split
//   (small pool: when at least 512 bytes remain; large pool: when more than 1 MiB remains) and
//   neighbouring free blocks of a segment merge again when freed.
// - Reuse: a freed block returns to the pool of the stream it was allocated on and is handed out
//   again, without any raw free, to the next request on that stream: work on one stream runs in
//   order, so the new owner's work cannot start before the old owner's ends. A block also used on
//   other streams (record_stream) is not reused until events recorded on those streams at its
//   free have completed.
// - Out of memory: when a raw allocation fails, every cached segment that is entirely free is
//   released (after waiting for pending events) and the allocation is tried once more; if it
//   fails again allocate() returns nullptr and the caller throws, naming requested, allocated and
//   cached bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <vector>

#include "ember/core/device_hooks.h"

namespace ember::cuda {

// The raw memory a pool manages and the stream events it needs to reuse blocks safely.
class RawMemory {
 public:
  using Stream = void*;   // cudaStream_t for the CUDA allocators
  using EventId = void*;  // cudaEvent_t for the CUDA allocators
  virtual ~RawMemory() = default;
  // nbytes of fresh memory, or nullptr when there is not enough left (never throws for that).
  virtual void* raw_allocate(size_t nbytes) = 0;
  virtual void raw_free(void* ptr, size_t nbytes) = 0;
  // An event that completes once the work queued on stream so far has completed.
  virtual EventId record_event(Stream stream) = 0;
  // Whether the event has completed (does not wait).
  virtual bool event_done(EventId event) = 0;
  // Waits on the host until the event has completed.
  virtual void wait_event(EventId event) = 0;
  virtual void release_event(EventId event) = 0;
};

class CachingBlockPool {
 public:
  using Stream = RawMemory::Stream;

  static constexpr size_t kRounding = 512;
  static constexpr size_t kSmallRequest = size_t{1} << 20;  // 1 MiB
  static constexpr size_t kSmallSegment = size_t{2} << 20;  // 2 MiB
  static constexpr size_t kMidRequest = size_t{10} << 20;   // 10 MiB
  static constexpr size_t kMidSegment = size_t{20} << 20;   // 20 MiB
  static constexpr size_t kLargeRounding = size_t{2} << 20;

  explicit CachingBlockPool(RawMemory* raw) : raw_(raw) {}
  // Owners keep their pools for the whole process; a pool destroyed earlier (a test) returns
  // every segment, handed out or not.
  ~CachingBlockPool() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::set<Block*> blocks(small_free_.begin(), small_free_.end());
    blocks.insert(large_free_.begin(), large_free_.end());
    for (auto& [p, b] : allocated_) blocks.insert(b);
    for (const Event& e : events_) {
      blocks.insert(e.block);
      raw_->release_event(e.id);
    }
    for (Block* b : blocks) {
      if (b->prev != nullptr) continue;
      size_t segment = 0;
      for (Block* n = b; n != nullptr; n = n->next) segment += n->size;
      raw_->raw_free(b->ptr, segment);
    }
    for (Block* b : blocks) delete b;
  }
  CachingBlockPool(const CachingBlockPool&) = delete;
  CachingBlockPool& operator=(const CachingBlockPool&) = delete;

  static size_t round_size(size_t nbytes) {
    return nbytes < kRounding ? kRounding : (nbytes + kRounding - 1) / kRounding * kRounding;
  }
  static size_t segment_size(size_t rounded) {
    if (rounded <= kSmallRequest) return kSmallSegment;
    if (rounded < kMidRequest) return kMidSegment;
    return (rounded + kLargeRounding - 1) / kLargeRounding * kLargeRounding;
  }

  // A block of at least nbytes for work on stream, or nullptr when memory is exhausted even after
  // releasing the cache. nbytes == 0 gives nullptr.
  void* allocate(size_t nbytes, Stream stream) {
    if (nbytes == 0) return nullptr;
    std::lock_guard<std::mutex> lock(mutex_);
    process_events(/*wait=*/false);
    const size_t size = round_size(nbytes);
    const bool small = size <= kSmallRequest;
    Block* block = take_free_block(small ? small_free_ : large_free_, size, stream);
    if (block != nullptr) {
      ++stats_.num_cache_hits;
    } else {
      const size_t seg = segment_size(size);
      void* p = raw_->raw_allocate(seg);
      if (p == nullptr) {
        ++stats_.num_ooms;
        release_cached();
        p = raw_->raw_allocate(seg);
        if (p == nullptr) return nullptr;
      }
      block = new Block(p, seg, stream, small);
      stats_.reserved_bytes += seg;
      ++stats_.num_device_allocs;
    }
    maybe_split(block, size);
    block->allocated = true;
    allocated_.emplace(addr(block->ptr), block);
    stats_.allocated_bytes += block->size;
    if (stats_.allocated_bytes > stats_.peak_allocated_bytes)
      stats_.peak_allocated_bytes = stats_.allocated_bytes;
    ++stats_.num_allocs;
    return block->ptr;
  }

  // Returns a block from allocate(); false when ptr is not one of this pool's blocks.
  bool free(void* ptr) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = allocated_.find(addr(ptr));
    if (it == allocated_.end()) return false;
    Block* block = it->second;
    allocated_.erase(it);
    block->allocated = false;
    stats_.allocated_bytes -= block->size;
    if (!block->other_streams.empty()) {
      for (Stream s : block->other_streams) {
        events_.push_back(Event{raw_->record_event(s), block});
        ++block->pending_events;
      }
      block->other_streams.clear();
      return true;
    }
    return_to_pool(block);
    return true;
  }

  // Marks the allocated block holding ptr (which may point inside it) as used by work on stream,
  // so that it is not reused before that work completes. False when no block holds ptr.
  bool record_stream(const void* ptr, Stream stream) {
    std::lock_guard<std::mutex> lock(mutex_);
    Block* block = find_containing(ptr);
    if (block == nullptr) return false;
    if (stream == block->stream) return true;
    for (Stream s : block->other_streams)
      if (s == stream) return true;
    block->other_streams.push_back(stream);
    return true;
  }

  // Whether ptr points into a block handed out by this pool.
  bool owns(const void* ptr) {
    std::lock_guard<std::mutex> lock(mutex_);
    return find_containing(ptr) != nullptr;
  }

  // Waits for pending events, then releases every cached segment that is entirely free.
  void empty_cache() {
    std::lock_guard<std::mutex> lock(mutex_);
    release_cached();
  }

  DeviceMemoryStats stats() {
    std::lock_guard<std::mutex> lock(mutex_);
    return stats_;
  }
  void reset_peak() {
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.peak_allocated_bytes = stats_.allocated_bytes;
  }
  // Bytes held in free blocks (reserved minus allocated).
  size_t cached_bytes() {
    std::lock_guard<std::mutex> lock(mutex_);
    return stats_.reserved_bytes - stats_.allocated_bytes;
  }

 private:
  struct Block {
    Block(void* p, size_t n, Stream s, bool is_small)
        : ptr(p), size(n), stream(s), small(is_small) {}
    void* ptr;
    size_t size;
    Stream stream;  // the stream it was allocated for; its pool
    bool small;
    bool allocated = false;
    int pending_events = 0;             // events to complete before it may be reused
    std::vector<Stream> other_streams;  // streams that used it besides `stream`
    Block* prev = nullptr;              // neighbours within the same raw segment
    Block* next = nullptr;
  };
  struct Event {
    RawMemory::EventId id;
    Block* block;
  };
  // Free blocks ordered by stream, then size, then address: best fit on one stream.
  struct BlockLess {
    bool operator()(const Block* a, const Block* b) const {
      if (a->stream != b->stream) return addr(a->stream) < addr(b->stream);
      if (a->size != b->size) return a->size < b->size;
      return addr(a->ptr) < addr(b->ptr);
    }
  };
  using FreeSet = std::set<Block*, BlockLess>;

  static uintptr_t addr(const void* p) { return reinterpret_cast<uintptr_t>(p); }
  bool is_free(const Block* b) const {
    return b != nullptr && !b->allocated && b->pending_events == 0;
  }
  FreeSet& pool_of(const Block* b) { return b->small ? small_free_ : large_free_; }

  Block* take_free_block(FreeSet& pool, size_t size, Stream stream) {
    Block key(nullptr, size, stream, false);
    auto it = pool.lower_bound(&key);
    if (it == pool.end() || (*it)->stream != stream) return nullptr;
    Block* b = *it;
    pool.erase(it);
    return b;
  }

  void maybe_split(Block* block, size_t size) {
    const size_t remaining = block->size - size;
    const bool split = block->small ? remaining >= kRounding : remaining > kSmallRequest;
    if (!split) return;
    Block* rest =
        new Block(static_cast<char*>(block->ptr) + size, remaining, block->stream, block->small);
    rest->prev = block;
    rest->next = block->next;
    if (block->next != nullptr) block->next->prev = rest;
    block->next = rest;
    block->size = size;
    pool_of(rest).insert(rest);
  }

  // Merges a now-free block with its free neighbours and files it in its pool.
  void return_to_pool(Block* block) {
    FreeSet& pool = pool_of(block);
    if (is_free(block->prev)) {
      Block* prev = block->prev;
      pool.erase(prev);
      prev->size += block->size;
      prev->next = block->next;
      if (block->next != nullptr) block->next->prev = prev;
      delete block;
      block = prev;
    }
    if (is_free(block->next)) {
      Block* next = block->next;
      pool.erase(next);
      block->size += next->size;
      block->next = next->next;
      if (next->next != nullptr) next->next->prev = block;
      delete next;
    }
    pool.insert(block);
  }

  // Returns blocks whose events have completed to their pools; with wait, waits for all.
  void process_events(bool wait) {
    for (size_t i = 0; i < events_.size();) {
      Event e = events_[i];
      if (wait) {
        raw_->wait_event(e.id);
      } else if (!raw_->event_done(e.id)) {
        ++i;
        continue;
      }
      raw_->release_event(e.id);
      events_.erase(events_.begin() + static_cast<std::ptrdiff_t>(i));
      if (--e.block->pending_events == 0) return_to_pool(e.block);
    }
  }

  void release_cached() {
    process_events(/*wait=*/true);
    for (FreeSet* pool : {&small_free_, &large_free_}) {
      for (auto it = pool->begin(); it != pool->end();) {
        Block* b = *it;
        if (b->prev == nullptr && b->next == nullptr) {  // a whole segment
          it = pool->erase(it);
          stats_.reserved_bytes -= b->size;
          raw_->raw_free(b->ptr, b->size);
          delete b;
        } else {
          ++it;
        }
      }
    }
  }

  Block* find_containing(const void* ptr) {
    auto it = allocated_.upper_bound(addr(ptr));
    if (it == allocated_.begin()) return nullptr;
    --it;
    Block* b = it->second;
    return addr(ptr) < addr(b->ptr) + b->size ? b : nullptr;
  }

  RawMemory* raw_;
  std::mutex mutex_;
  FreeSet small_free_, large_free_;
  std::map<uintptr_t, Block*> allocated_;  // by address, for free() and interior lookups
  std::vector<Event> events_;
  DeviceMemoryStats stats_;
};

}  // namespace ember::cuda
