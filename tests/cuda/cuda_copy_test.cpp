// CUDA copies (the CUDA row of `copy`): host->device, device->host and device->device for every
// pair of dtypes and for contiguous, transposed, sliced and broadcast sources and destinations,
// exact against the CPU copy; large transfers; non_blocking copies through pinned memory that
// really run asynchronously; pageable copies that synchronise; .cuda(), .cpu(), .to().
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cuda_test_util.h"

#if defined(EMBER_WITH_CUDA)
#include "kernels/cuda/cuda_allocator.h"
#include "kernels/cuda/cuda_context.h"
#endif

namespace ember::testing {
namespace {

enum class Direction { HostToDevice, DeviceToHost, DeviceToDevice };

const char* direction_name(Direction d) {
  switch (d) {
    case Direction::HostToDevice:
      return "host->device";
    case Direction::DeviceToHost:
      return "device->host";
    case Direction::DeviceToDevice:
      return "device->device";
  }
  return "";
}

// Source and destination layouts of one copy: the destination is a view of a zeroed base.
struct CopyLayout {
  const char* name;
  std::vector<int64_t> src_base;
  Tensor (*src_view)(const Tensor&);
  std::vector<int64_t> dst_base;
  Tensor (*dst_view)(const Tensor&);
};

Tensor same(const Tensor& t) {
  return t;
}
Tensor transposed(const Tensor& t) {
  return t.t();
}
Tensor every_other_column(const Tensor& t) {
  return t.slice(1, 0, 106, 2);
}
Tensor broadcast_rows(const Tensor& t) {
  return t.expand({37, 53});
}
Tensor misaligned(const Tensor& t) {
  return t.slice(0, 1).view({37, 53});
}

const CopyLayout kCopyLayouts[] = {
    {"contiguous", {37, 53}, same, {37, 53}, same},
    {"strided source", {53, 37}, transposed, {37, 53}, same},
    {"strided destination", {37, 53}, same, {53, 37}, transposed},
    {"both sliced", {37, 106}, every_other_column, {37, 106}, every_other_column},
    {"broadcast source", {1, 53}, broadcast_rows, {53, 37}, transposed},
    {"misaligned", {1962}, misaligned, {1962}, misaligned},
};

TEST(CudaCopy, EveryDtypePairDirectionAndLayoutMatchesTheCpuCopy) {
  EMBER_REQUIRE_CUDA();
  FreshRandom random;
  for (DType from : all_dtypes()) {
    for (DType to : all_dtypes()) {
      for (const CopyLayout& layout : kCopyLayouts) {
        // Values every dtype holds (0 to 100, fractional for floating sources).
        const Tensor src_base = random.uniform(layout.src_base, from, 0, 100);
        const Tensor src_cpu = layout.src_view(src_base);
        Tensor expected = layout.dst_view(zeros(layout.dst_base, TensorOptions().dtype(to)));
        expected.copy_(src_cpu);
        const Tensor src_cuda = layout.src_view(src_base.to(cuda0()));
        for (Direction dir :
             {Direction::HostToDevice, Direction::DeviceToHost, Direction::DeviceToDevice}) {
          SCOPED_TRACE(std::string(dtype_name(from)) + " -> " + std::string(dtype_name(to)) + ", " +
                       direction_name(dir) + ", " + layout.name);
          const bool dst_on_gpu = dir != Direction::DeviceToHost;
          const Tensor dst_base =
              zeros(layout.dst_base, TensorOptions().dtype(to).device(dst_on_gpu ? cuda0() : kCPU));
          Tensor dst = layout.dst_view(dst_base);
          dst.copy_(dir == Direction::HostToDevice ? src_cpu : src_cuda);
          EXPECT_EQ(dst.is_cuda(), dst_on_gpu);
          EXPECT_TRUE(identical(dst, expected));
          // Elements of the base outside the view stay untouched.
          Tensor expected_base = zeros(layout.dst_base, TensorOptions().dtype(to));
          layout.dst_view(expected_base).copy_(src_cpu);
          EXPECT_TRUE(identical(dst_base, expected_base));
        }
      }
    }
  }
}

TEST(CudaCopy, LargeTransfersInEveryDirection) {
  EMBER_REQUIRE_CUDA();
  FreshRandom random;
  const Tensor host = random.uniform({3, 1 << 21}, kFloat32);  // 24 MiB
  const Tensor device = host.to(cuda0());
  const Tensor device_copy = device.clone();
  EXPECT_TRUE(identical(device_copy.cpu(), host));
  Tensor pinned = empty({3, 1 << 21}, TensorOptions().pinned_memory(true));
  pinned.copy_(device_copy);
  EXPECT_TRUE(identical(pinned, host));
  const Tensor back = pinned.to(cuda0(), kFloat16).to(Device(kCPU), kFloat64);
  EXPECT_TRUE(identical(back, host.to(kFloat16).to(kFloat64)));
}

TEST(CudaCopy, ToCudaAndCpuConvenienceForms) {
  EMBER_REQUIRE_CUDA();
  FreshRandom random;
  const Tensor a = random.uniform({4, 5}, kFloat64);
  const Tensor g = a.cuda();
  EXPECT_EQ(g.device(), cuda0());
  EXPECT_EQ(g.dtype(), kFloat64);
  EXPECT_TRUE(g.to(cuda0()).is_same(g));  // nothing to do: the tensor itself
  EXPECT_FALSE(g.to(cuda0(), false, /*copy=*/true).is_same(g));
  EXPECT_TRUE(identical(g.cpu(), a));
  const Tensor gi = a.to(Device(kCUDA), kInt32);  // the current device when no index is given
  EXPECT_EQ(gi.device(), cuda0());
  EXPECT_TRUE(identical(gi.cpu(), a.to(kInt32)));
  EXPECT_TRUE(identical(a.to(TensorOptions().device(kCUDA).dtype(kFloat16)).cpu(), a.to(kFloat16)));
  // Empty tensors copy without touching the device.
  EXPECT_EQ(empty({0, 3}).cuda().numel(), 0);
  EXPECT_EQ(empty({0, 3}).cuda().cpu().sizes().vec(), (std::vector<int64_t>{0, 3}));
}

#if defined(EMBER_WITH_CUDA)

constexpr uint64_t kSleepNs = 200'000'000;  // 200 ms: long beside any host-side step

TEST(CudaCopy, NonBlockingThroughPinnedMemoryRunsAsynchronously) {
  EMBER_REQUIRE_CUDA();
  FreshRandom random;
  const Tensor values_host = random.uniform({1 << 16}, kFloat32, 1, 2);
  const Tensor device = values_host.to(cuda0());
  Tensor pinned = zeros({1 << 16}, TensorOptions().pinned_memory(true));
  ASSERT_TRUE(cuda::is_pinned(pinned.data_ptr()));
  // Device to pinned host: returns while the stream is still asleep, so nothing has landed yet.
  cuda::detail::sleep_on_stream(cuda::current_stream(0), kSleepNs);
  pinned.copy_(device, /*non_blocking=*/true);
  EXPECT_EQ(pinned[0].item<float>(), 0.0f) << "a non_blocking copy into pinned memory waited";
  cuda::synchronize();
  EXPECT_TRUE(identical(pinned, values_host));
  // Pinned host to device, non_blocking: the result is right once the stream has run.
  cuda::detail::sleep_on_stream(cuda::current_stream(0), kSleepNs / 4);
  const Tensor up = pinned.to(cuda0(), /*non_blocking=*/true);
  EXPECT_TRUE(identical(up.cpu(), values_host));
}

TEST(CudaCopy, CopiesIntoPageableMemorySynchronise) {
  EMBER_REQUIRE_CUDA();
  FreshRandom random;
  const Tensor values_host = random.uniform({64, 48}, kFloat32, 1, 2);
  const Tensor device = values_host.to(cuda0());
  // non_blocking has no effect on pageable memory: the values are there on return.
  cuda::detail::sleep_on_stream(cuda::current_stream(0), kSleepNs);
  Tensor dense = zeros({64, 48});
  dense.copy_(device, /*non_blocking=*/true);
  EXPECT_TRUE(identical(dense, values_host));
  cuda::detail::sleep_on_stream(cuda::current_stream(0), kSleepNs);
  Tensor strided = zeros({48, 64}).t();
  strided.copy_(device.to(kFloat64), /*non_blocking=*/true);
  EXPECT_TRUE(identical(strided, values_host));
}

TEST(CudaCopy, PinnedBlockIsNotReusedBeforeItsCopyCompletes) {
  EMBER_REQUIRE_CUDA();
  const Tensor device = ones({1 << 18}, TensorOptions().device(cuda0()));
  cuda::detail::sleep_on_stream(cuda::current_stream(0), kSleepNs);
  Tensor pinned = empty({1 << 18}, TensorOptions().pinned_memory(true));
  void* first = pinned.data_ptr();
  pinned.copy_(device, /*non_blocking=*/true);
  pinned = Tensor();  // released while the copy into it is still queued
  const Tensor again = empty({1 << 18}, TensorOptions().pinned_memory(true));
  EXPECT_NE(again.data_ptr(), first) << "pinned memory reused while a copy still writes into it";
  cuda::synchronize();
}

TEST(CudaCopy, StridedPinnedSourceAndMixedDtypesNonBlocking) {
  EMBER_REQUIRE_CUDA();
  FreshRandom random;
  Tensor pinned = empty({53, 37}, TensorOptions().pinned_memory(true).dtype(kInt32));
  pinned.copy_(random.uniform({53, 37}, kInt32, -1000, 1000));
  const Tensor g = empty({37, 53}, TensorOptions().device(cuda0()).dtype(kFloat64));
  Tensor gv = g;
  gv.copy_(pinned.t(), /*non_blocking=*/true);
  EXPECT_TRUE(identical(g.cpu(), pinned.t().to(kFloat64)));
}

TEST(CudaCopy, BetweenTwoGpus) {
  EMBER_REQUIRE_CUDA();
  if (cuda::device_count() < 2) GTEST_SKIP() << "needs two GPUs, found " << cuda::device_count();
  FreshRandom random;
  const Tensor a = random.uniform({53, 37}, kFloat32);
  const Tensor g0 = a.to(cuda0());
  const Tensor g1 = g0.to(Device(kCUDA, 1));
  EXPECT_EQ(g1.device(), Device(kCUDA, 1));
  EXPECT_TRUE(identical(g1.cpu(), a));
  Tensor strided = empty({37, 53}, TensorOptions().device(Device(kCUDA, 1)).dtype(kFloat16));
  strided.copy_(g0.t());
  EXPECT_TRUE(identical(strided.cpu(), a.t().to(kFloat16)));
}

#endif  // EMBER_WITH_CUDA

}  // namespace
}  // namespace ember::testing
