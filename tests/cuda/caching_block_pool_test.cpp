// The caching allocator's pooling logic (kernels/cuda/caching_block_pool.h) against a test double
// of cudaMalloc and of stream events: size classes, splitting and merging, reuse without raw
// frees, stream-aware reuse, events of other streams, out-of-memory retry, statistics. Runs on
// the CPU in every build, with or without CUDA and a GPU.
#include <gtest/gtest.h>

#include <cstdlib>
#include <iterator>
#include <map>
#include <random>
#include <vector>

#include "kernels/cuda/caching_block_pool.h"

namespace ember::cuda {
namespace {

constexpr size_t kMiB = size_t{1} << 20;

// Raw memory with a capacity, counting calls; streams are plain tags; an event completes when the
// test says that the work of its stream has finished.
class FakeRawMemory final : public RawMemory {
 public:
  explicit FakeRawMemory(size_t capacity) : capacity_(capacity) {}
  ~FakeRawMemory() override {
    for (auto& [p, n] : live_) std::free(p);
  }

  void* raw_allocate(size_t nbytes) override {
    ++mallocs;
    if (used_ + nbytes > capacity_) {
      ++failed_mallocs;
      return nullptr;
    }
    void* p = std::malloc(nbytes);
    live_[p] = nbytes;
    used_ += nbytes;
    return p;
  }
  void raw_free(void* ptr, size_t nbytes) override {
    ++frees;
    auto it = live_.find(ptr);
    ASSERT_NE(it, live_.end()) << "raw_free of memory not from raw_allocate";
    EXPECT_EQ(it->second, nbytes) << "raw_free with another size than allocated";
    used_ -= it->second;
    std::free(ptr);
    live_.erase(it);
  }
  EventId record_event(Stream stream) override {
    const uintptr_t id = ++next_event_;
    events_[id] = Pending{stream, finished_[stream] + pending_work_[stream]};
    return reinterpret_cast<EventId>(id);
  }
  bool event_done(EventId e) override {
    const Pending& p = events_.at(reinterpret_cast<uintptr_t>(e));
    return finished_[p.stream] >= p.work;
  }
  void wait_event(EventId e) override {
    ++waits;
    Pending& p = events_.at(reinterpret_cast<uintptr_t>(e));
    finish(p.stream);
  }
  void release_event(EventId e) override {
    ASSERT_EQ(events_.erase(reinterpret_cast<uintptr_t>(e)), 1u) << "event released twice";
  }

  // Work queued on a stream, and its completion.
  void queue_work(Stream s) { ++pending_work_[s]; }
  void finish(Stream s) {
    finished_[s] += pending_work_[s];
    pending_work_[s] = 0;
  }

  size_t used() const { return used_; }
  size_t live_events() const { return events_.size(); }
  int mallocs = 0, failed_mallocs = 0, frees = 0, waits = 0;

 private:
  struct Pending {
    Stream stream;
    int64_t work;
  };
  size_t capacity_;
  size_t used_ = 0;
  std::map<void*, size_t> live_;
  uintptr_t next_event_ = 0;
  std::map<uintptr_t, Pending> events_;
  std::map<Stream, int64_t> finished_, pending_work_;
};

RawMemory::Stream stream_tag(uintptr_t i) {
  return reinterpret_cast<RawMemory::Stream>(i);
}
const RawMemory::Stream kS1 = stream_tag(0x10);
const RawMemory::Stream kS2 = stream_tag(0x20);

uintptr_t addr(const void* p) {
  return reinterpret_cast<uintptr_t>(p);
}

TEST(CachingBlockPool, RoundsRequestsAndPicksSegmentSizes) {
  EXPECT_EQ(CachingBlockPool::round_size(1), 512u);
  EXPECT_EQ(CachingBlockPool::round_size(512), 512u);
  EXPECT_EQ(CachingBlockPool::round_size(513), 1024u);
  EXPECT_EQ(CachingBlockPool::segment_size(512), 2 * kMiB);
  EXPECT_EQ(CachingBlockPool::segment_size(kMiB), 2 * kMiB);
  EXPECT_EQ(CachingBlockPool::segment_size(kMiB + 512), 20 * kMiB);
  EXPECT_EQ(CachingBlockPool::segment_size(9 * kMiB), 20 * kMiB);
  EXPECT_EQ(CachingBlockPool::segment_size(10 * kMiB), 10 * kMiB);
  EXPECT_EQ(CachingBlockPool::segment_size(10 * kMiB + 512), 12 * kMiB);
  EXPECT_EQ(CachingBlockPool::segment_size(33 * kMiB), 34 * kMiB);
}

TEST(CachingBlockPool, ZeroBytesGivesNullWithoutAllocating) {
  FakeRawMemory raw(64 * kMiB);
  CachingBlockPool pool(&raw);
  EXPECT_EQ(pool.allocate(0, kS1), nullptr);
  EXPECT_EQ(raw.mallocs, 0);
  EXPECT_EQ(pool.stats().num_allocs, 0u);
}

TEST(CachingBlockPool, SmallRequestsShareOneSegmentSplitAt512Bytes) {
  FakeRawMemory raw(64 * kMiB);
  CachingBlockPool pool(&raw);
  void* a = pool.allocate(100, kS1);
  void* b = pool.allocate(600, kS1);
  void* c = pool.allocate(512, kS1);
  EXPECT_EQ(raw.mallocs, 1);
  EXPECT_EQ(addr(b), addr(a) + 512);
  EXPECT_EQ(addr(c), addr(b) + 1024);
  const DeviceMemoryStats s = pool.stats();
  EXPECT_EQ(s.allocated_bytes, 512u + 1024u + 512u);
  EXPECT_EQ(s.reserved_bytes, 2 * kMiB);
  EXPECT_EQ(s.num_device_allocs, 1u);
  EXPECT_EQ(s.num_allocs, 3u);
  EXPECT_EQ(s.num_cache_hits, 2u);  // b and c came from the split rest of a's segment
}

TEST(CachingBlockPool, FreedBlockIsReusedWithoutRawCalls) {
  FakeRawMemory raw(64 * kMiB);
  CachingBlockPool pool(&raw);
  void* a = pool.allocate(3000, kS1);
  ASSERT_TRUE(pool.free(a));
  void* b = pool.allocate(3000, kS1);
  EXPECT_EQ(a, b);
  EXPECT_EQ(raw.mallocs, 1);
  EXPECT_EQ(raw.frees, 0);
  EXPECT_EQ(pool.stats().allocated_bytes, 3072u);
}

TEST(CachingBlockPool, NeighboursMergeSoALargerRequestFitsTheSegmentAgain) {
  FakeRawMemory raw(64 * kMiB);
  CachingBlockPool pool(&raw);
  void* a = pool.allocate(kMiB / 2, kS1);
  void* b = pool.allocate(kMiB / 2, kS1);
  void* c = pool.allocate(kMiB, kS1);
  EXPECT_EQ(raw.mallocs, 1);
  // Free the middle first, then its neighbours: the three pieces merge back into one block.
  pool.free(b);
  pool.free(a);
  pool.free(c);
  void* whole = pool.allocate(kMiB, kS1);
  EXPECT_EQ(whole, a);
  void* rest = pool.allocate(kMiB, kS1);
  EXPECT_EQ(addr(rest), addr(a) + kMiB);
  EXPECT_EQ(raw.mallocs, 1);
}

TEST(CachingBlockPool, LargeRequestsUseTheLargePoolAndSplitOnlyBigRemainders) {
  FakeRawMemory raw(256 * kMiB);
  CachingBlockPool pool(&raw);
  void* a = pool.allocate(2 * kMiB, kS1);  // a 20 MiB segment, 18 MiB left over
  void* b = pool.allocate(2 * kMiB, kS1);
  EXPECT_EQ(raw.mallocs, 1);
  EXPECT_EQ(addr(b), addr(a) + 2 * kMiB);
  // A small request never takes a piece of a large segment.
  void* s = pool.allocate(4096, kS1);
  EXPECT_EQ(raw.mallocs, 2);
  EXPECT_EQ(pool.stats().reserved_bytes, 22 * kMiB);
  // A remainder of at most 1 MiB stays with the block instead of becoming a sliver.
  pool.free(a);
  pool.free(b);
  void* c = pool.allocate(19 * kMiB + kMiB / 2, kS1);  // fits the merged 20 MiB block
  EXPECT_EQ(c, a);
  EXPECT_EQ(pool.stats().allocated_bytes, 20 * kMiB + 4096);
  pool.free(s);
}

TEST(CachingBlockPool, BlocksAreReusedOnlyOnTheirOwnStream) {
  FakeRawMemory raw(64 * kMiB);
  CachingBlockPool pool(&raw);
  void* a = pool.allocate(4096, kS1);
  pool.free(a);
  void* b = pool.allocate(4096, kS2);
  EXPECT_NE(a, b);
  EXPECT_EQ(raw.mallocs, 2);
  void* c = pool.allocate(4096, kS1);
  EXPECT_EQ(c, a);
}

TEST(CachingBlockPool, NoStreamTakesAnotherStreamsBlockWhateverTheirOrder) {
  FakeRawMemory raw(64 * kMiB);
  CachingBlockPool pool(&raw);
  void* b = pool.allocate(4096, kS2);
  pool.free(b);  // the only free memory belongs to S2
  void* a = pool.allocate(4096, kS1);
  EXPECT_NE(a, b);
  EXPECT_EQ(raw.mallocs, 2);
}

TEST(CachingBlockPool, BlockUsedOnAnotherStreamWaitsForThatStreamsEvent) {
  FakeRawMemory raw(64 * kMiB);
  CachingBlockPool pool(&raw);
  void* a = pool.allocate(8192, kS1);
  raw.queue_work(kS2);  // S2 still reads a when it is freed
  ASSERT_TRUE(pool.record_stream(static_cast<char*>(a) + 100, kS2));  // interior pointer
  pool.free(a);
  EXPECT_EQ(raw.live_events(), 1u);
  EXPECT_EQ(pool.stats().allocated_bytes, 0u);
  void* b = pool.allocate(8192, kS1);
  EXPECT_NE(b, a) << "reused a block that work on another stream may still use";
  raw.finish(kS2);
  pool.free(b);
  void* c = pool.allocate(8192, kS1);
  void* d = pool.allocate(8192, kS1);
  EXPECT_TRUE(c == a || d == a) << "the block was not returned once its event completed";
  EXPECT_EQ(raw.live_events(), 0u);
}

TEST(CachingBlockPool, RecordStreamOfTheOwnStreamOrUnknownPointer) {
  FakeRawMemory raw(64 * kMiB);
  CachingBlockPool pool(&raw);
  void* a = pool.allocate(1000, kS1);
  EXPECT_TRUE(pool.record_stream(a, kS1));
  pool.free(a);
  EXPECT_EQ(raw.live_events(), 0u);  // its own stream needs no event
  int x = 0;
  EXPECT_FALSE(pool.record_stream(&x, kS2));
  EXPECT_FALSE(pool.free(&x));
  EXPECT_FALSE(pool.owns(&x));
  void* b = pool.allocate(1000, kS1);
  EXPECT_TRUE(pool.owns(static_cast<char*>(b) + 999));
  EXPECT_FALSE(pool.owns(static_cast<char*>(b) + 1024));  // past the block (512-rounded)
}

TEST(CachingBlockPool, OutOfMemoryReleasesTheCacheAndRetriesOnce) {
  FakeRawMemory raw(40 * kMiB);
  CachingBlockPool pool(&raw);
  void* a = pool.allocate(20 * kMiB, kS1);
  void* b = pool.allocate(12 * kMiB, kS1);
  pool.free(a);  // 20 MiB cached, 12 MiB in use
  EXPECT_EQ(pool.cached_bytes(), 20 * kMiB);
  void* c = pool.allocate(24 * kMiB, kS1);  // does not fit beside the cache
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(raw.failed_mallocs, 1);
  EXPECT_EQ(raw.frees, 1);
  DeviceMemoryStats s = pool.stats();
  EXPECT_EQ(s.num_ooms, 1u);
  EXPECT_EQ(s.reserved_bytes, 36 * kMiB);
  EXPECT_EQ(s.allocated_bytes, 36 * kMiB);
  // Nothing left to release: the retry fails too and the pool says so with nullptr.
  EXPECT_EQ(pool.allocate(8 * kMiB, kS1), nullptr);
  EXPECT_EQ(raw.failed_mallocs, 3);
  s = pool.stats();
  EXPECT_EQ(s.num_ooms, 2u);
  EXPECT_EQ(s.allocated_bytes, 36 * kMiB);
  pool.free(b);
  pool.free(c);
}

TEST(CachingBlockPool, OutOfMemoryWaitsForPendingEventsBeforeReleasing) {
  FakeRawMemory raw(24 * kMiB);
  CachingBlockPool pool(&raw);
  void* a = pool.allocate(20 * kMiB, kS1);
  raw.queue_work(kS2);
  pool.record_stream(a, kS2);
  pool.free(a);  // pending on S2's event
  void* b = pool.allocate(12 * kMiB, kS2);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(raw.waits, 1);
  EXPECT_EQ(raw.frees, 1);
  EXPECT_EQ(raw.live_events(), 0u);
}

TEST(CachingBlockPool, EmptyCacheKeepsSegmentsThatHoldLiveBlocks) {
  FakeRawMemory raw(256 * kMiB);
  CachingBlockPool pool(&raw);
  void* small1 = pool.allocate(1000, kS1);
  void* small2 = pool.allocate(1000, kS1);
  void* large = pool.allocate(30 * kMiB, kS1);
  pool.free(small2);
  pool.free(large);
  EXPECT_EQ(pool.stats().reserved_bytes, 32 * kMiB);
  pool.empty_cache();
  const DeviceMemoryStats s = pool.stats();
  EXPECT_EQ(s.reserved_bytes, 2 * kMiB);  // small1's segment stays
  EXPECT_EQ(s.allocated_bytes, 1024u);
  EXPECT_EQ(raw.frees, 1);
  EXPECT_EQ(raw.used(), 2 * kMiB);
  pool.free(small1);
  pool.empty_cache();
  EXPECT_EQ(pool.stats().reserved_bytes, 0u);
  EXPECT_EQ(raw.used(), 0u);
}

TEST(CachingBlockPool, PeakFollowsAllocationsAndResets) {
  FakeRawMemory raw(256 * kMiB);
  CachingBlockPool pool(&raw);
  void* a = pool.allocate(12 * kMiB, kS1);  // a segment of exactly 12 MiB
  void* b = pool.allocate(4096, kS1);
  EXPECT_EQ(pool.stats().peak_allocated_bytes, 12 * kMiB + 4096);
  pool.free(a);
  EXPECT_EQ(pool.stats().peak_allocated_bytes, 12 * kMiB + 4096);
  pool.reset_peak();
  EXPECT_EQ(pool.stats().peak_allocated_bytes, 4096u);
  pool.free(b);
}

TEST(CachingBlockPool, DestroyingThePoolReturnsEverySegment) {
  FakeRawMemory raw(256 * kMiB);
  {
    CachingBlockPool pool(&raw);
    pool.allocate(1000, kS1);
    void* b = pool.allocate(1000, kS1);
    pool.allocate(3 * kMiB, kS2);
    pool.free(b);
    void* c = pool.allocate(50 * kMiB, kS1);
    raw.queue_work(kS2);
    pool.record_stream(c, kS2);
    pool.free(c);
  }
  EXPECT_EQ(raw.used(), 0u);
  EXPECT_EQ(raw.live_events(), 0u);
}

// Many random allocations and frees on two streams: blocks never overlap, statistics add up.
TEST(CachingBlockPool, RandomWorkloadKeepsBlocksDisjointAndStatsConsistent) {
  FakeRawMemory raw(size_t{1} << 34);
  CachingBlockPool pool(&raw);
  std::mt19937_64 rng(std::random_device{}());
  std::map<uintptr_t, size_t> live;  // address -> rounded size
  std::vector<std::pair<void*, size_t>> order;
  for (int step = 0; step < 4000; ++step) {
    if (order.empty() || rng() % 2 == 0) {
      const size_t n = (rng() % 16 == 0) ? 1 + rng() % (40 * kMiB) : 1 + rng() % 200000;
      void* p = pool.allocate(n, (rng() & 1) ? kS1 : kS2);
      ASSERT_NE(p, nullptr);
      const size_t size = CachingBlockPool::round_size(n);
      auto next = live.lower_bound(addr(p));
      if (next != live.end()) {
        ASSERT_LE(addr(p) + size, next->first) << "overlaps the next block";
      }
      if (next != live.begin()) {
        auto prev = std::prev(next);
        ASSERT_LE(prev->first + prev->second, addr(p)) << "overlaps the previous block";
      }
      live[addr(p)] = size;
      order.emplace_back(p, size);
    } else {
      const size_t i = rng() % order.size();
      ASSERT_TRUE(pool.free(order[i].first));
      live.erase(addr(order[i].first));
      order.erase(order.begin() + static_cast<std::ptrdiff_t>(i));
    }
    size_t in_use = 0;
    for (auto& [a, s] : live) in_use += s;
    const DeviceMemoryStats s = pool.stats();
    ASSERT_GE(s.allocated_bytes, in_use);  // blocks may keep a remainder too small to split
    ASSERT_LE(s.allocated_bytes, s.reserved_bytes);
    ASSERT_EQ(s.reserved_bytes, raw.used());
  }
}

}  // namespace
}  // namespace ember::cuda
