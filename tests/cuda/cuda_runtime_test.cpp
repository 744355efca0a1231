// The CUDA runtime layer: availability and its reasons (with or without a GPU), the checking
// macros, the device guard, Ember's per-device stream, events and stream ordering, the caching
// device allocator on the GPU (reuse, statistics, out of memory, other streams), pinned memory,
// EMBER_CUDA_SYNC, and device-mismatch errors.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "cuda_test_util.h"

#if defined(EMBER_WITH_CUDA)
#include <cublas_api.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>
#include <nccl.h>

#include "kernels/cuda/cuda_allocator.h"
#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_context.h"
#endif

namespace ember::testing {
namespace {

TEST(CudaAvailability, SaysWhetherAGpuAnswersAndWhyNot) {
  if (cuda::is_available()) {
    EXPECT_GE(cuda::device_count(), 1);
    EXPECT_TRUE(cuda::unavailable_reason().empty());
    EXPECT_FALSE(cuda::device_name(0).empty());
    return;
  }
  EXPECT_EQ(cuda::device_count(), 0);
  const std::string reason = cuda::unavailable_reason();
#if defined(EMBER_WITH_CUDA)
  EXPECT_NE(reason.find("cudaGetDeviceCount"), std::string::npos) << reason;
#else
  EXPECT_NE(reason.find("built without CUDA"), std::string::npos) << reason;
#endif
  EXPECT_TRUE(throws_with<DeviceError>([] { empty({2}, TensorOptions().device(kCUDA)); },
                                       {"cuda", reason}));
  EXPECT_TRUE(throws_with<DeviceError>([] { ones({2}).to(Device(kCUDA, 0)); }, {"cuda:0", reason}));
  EXPECT_TRUE(throws_with<DeviceError>([] { cuda::current_device(); }, {"current_device", reason}));
  // Questions that need no GPU still answer.
  cuda::synchronize();
  cuda::empty_cache();
  EXPECT_EQ(cuda::memory_stats().allocated_bytes, 0u);
}

TEST(CudaAvailability, PinnedMemoryWorksWithOrWithoutAGpu) {
  Tensor p = full({1000}, 2.5, TensorOptions().pinned_memory(true));
  EXPECT_TRUE(p.is_cpu());
  EXPECT_EQ(p.mul(2)[999].item<double>(), 5.0);
#if defined(EMBER_WITH_CUDA)
  EXPECT_EQ(cuda::is_pinned(p.data_ptr()), cuda::is_available());
  EXPECT_FALSE(cuda::is_pinned(ones({1000}).data_ptr()));
#endif
}

#if defined(EMBER_WITH_CUDA)

// ---- checking macros (no GPU needed) ----
TEST(CudaChecks, FailedCudaCallNamesExpressionFileLineAndCudaMessage) {
  const cudaError_t status = cudaSetDevice(-1);
  cudaGetLastError();
  ASSERT_NE(status, cudaSuccess);
  const int line = __LINE__ + 1;
  auto call = [] { EMBER_CUDA_CHECK(cudaSetDevice(-1)); };
  EXPECT_TRUE(throws_with<CudaError>(
      call, {"cudaSetDevice(-1)", "tests/cuda/cuda_runtime_test.cpp:" + std::to_string(line),
             cudaGetErrorString(status), cudaGetErrorName(status)}));
  cudaGetLastError();
}

TEST(CudaChecks, LibraryStatusesNameTheCallAndTheLibrarysMessage) {
  EXPECT_TRUE(
      throws_with<CudaError>([] { EMBER_CUBLAS_CHECK(CUBLAS_STATUS_INVALID_VALUE); },
                             {"cuBLAS", "CUBLAS_STATUS_INVALID_VALUE", "cuda_runtime_test.cpp"}));
  EXPECT_TRUE(throws_with<CudaError>([] { EMBER_CUDNN_CHECK(CUDNN_STATUS_BAD_PARAM); },
                                     {"cuDNN", "CUDNN_STATUS_BAD_PARAM", "cuda_runtime_test.cpp"}));
  EXPECT_TRUE(throws_with<CudaError>([] { EMBER_NCCL_CHECK(ncclInvalidArgument); },
                                     {"NCCL", "ncclInvalidArgument", "invalid argument"}));
  // Success passes through.
  EMBER_CUBLAS_CHECK(CUBLAS_STATUS_SUCCESS);
  EMBER_CUDNN_CHECK(CUDNN_STATUS_SUCCESS);
  EMBER_NCCL_CHECK(ncclSuccess);
}

// ---- devices, streams, events ----
TEST(CudaContext, DevicesAndTheDeviceGuard) {
  EMBER_REQUIRE_CUDA();
  EXPECT_GE(cuda::device_count(), 1);
  EXPECT_FALSE(cuda::device_name(0).empty());
  const int before = cuda::current_device();
  {
    cuda::DeviceGuard guard(cuda::device_count() - 1);
    EXPECT_EQ(cuda::current_device(), cuda::device_count() - 1);
  }
  EXPECT_EQ(cuda::current_device(), before);
  EXPECT_TRUE(throws_with<DeviceError>([] { cuda::DeviceGuard g(99); }, {"99"}));
  EXPECT_TRUE(throws_with<DeviceError>([] { cuda::set_device(99); }, {"set_device", "99"}));
  EXPECT_TRUE(throws_with<DeviceError>([] { ones({2}).to(Device(kCUDA, 99)); }, {"cuda:99"}));
}

TEST(CudaContext, OneNonBlockingStreamPerDeviceForAllEmberWork) {
  EMBER_REQUIRE_CUDA();
  CUstream_st* s = cuda::current_stream(0);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(cuda::current_stream(0), s);
  EXPECT_EQ(cuda::current_stream(), cuda::current_stream(cuda::current_device()));
  unsigned flags = 0;
  ASSERT_EQ(cudaStreamGetFlags(s, &flags), cudaSuccess);
  EXPECT_EQ(flags, static_cast<unsigned>(cudaStreamNonBlocking));
}

TEST(CudaContext, EventsRecordWaitAndTime) {
  EMBER_REQUIRE_CUDA();
  cuda::Event start(/*enable_timing=*/true), end(/*enable_timing=*/true);
  EXPECT_TRUE(end.query());  // nothing recorded yet
  start.record();
  cuda::detail::sleep_on_stream(cuda::current_stream(0), 50'000'000);
  end.record();
  EXPECT_FALSE(end.query()) << "the stream should still be asleep";
  end.synchronize();
  EXPECT_TRUE(end.query());
  EXPECT_GE(start.elapsed_ms(end), 45.0f);
  cuda::Event untimed;
  untimed.record();
  EXPECT_TRUE(throws_with<ValueError>([&] { (void)untimed.elapsed_ms(end); }, {"enable_timing"}));
}

TEST(CudaContext, AnotherStreamWaitsForEmbersStreamThroughAnEvent) {
  EMBER_REQUIRE_CUDA();
  cuda::Stream other(0);
  cuda::detail::sleep_on_stream(cuda::current_stream(0), 100'000'000);
  cuda::Event ember_done;
  ember_done.record(cuda::current_stream(0));
  ember_done.block(other.handle());
  cuda::Event other_done;
  other_done.record(other.handle());
  EXPECT_FALSE(other_done.query()) << "the other stream did not wait for Ember's";
  other_done.synchronize();
  EXPECT_TRUE(ember_done.query());
}

TEST(CudaContext, WorkOnEmbersStreamRunsInOrderAndSynchronizeWaitsForIt) {
  EMBER_REQUIRE_CUDA();
  cuda::detail::sleep_on_stream(cuda::current_stream(0), 50'000'000);
  Tensor x = full({1 << 20}, 2.0, TensorOptions().device(cuda0()));
  for (int i = 0; i < 20; ++i) x = x * 2 - 1;  // 2^(i+1) + 1: exact in float32
  double expected = 2.0;
  for (int i = 0; i < 20; ++i) expected = expected * 2 - 1;
  const Tensor host = x.cpu();
  EXPECT_EQ(host[0].item<float>(), static_cast<float>(expected));
  EXPECT_EQ(host[(1 << 20) - 1].item<float>(), static_cast<float>(expected));
  cuda::detail::sleep_on_stream(cuda::current_stream(0), 50'000'000);
  cuda::Event e;
  e.record();
  cuda::synchronize();
  EXPECT_TRUE(e.query());
}

// ---- the caching device allocator on the GPU ----
TEST(CudaAllocator, FreedBlocksAreReusedAndCounted) {
  EMBER_REQUIRE_CUDA();
  cuda::empty_cache();
  const DeviceMemoryStats s0 = cuda::memory_stats(0);
  void* first = nullptr;
  {
    Tensor a = empty({1000}, TensorOptions().device(cuda0()));  // 4000 bytes: a 4096-byte block
    first = a.data_ptr();
    const DeviceMemoryStats s1 = cuda::memory_stats(0);
    EXPECT_EQ(s1.allocated_bytes, s0.allocated_bytes + 4096);
    EXPECT_GE(s1.reserved_bytes, s1.allocated_bytes);
    EXPECT_GE(s1.peak_allocated_bytes, s1.allocated_bytes);
    EXPECT_EQ(s1.num_allocs, s0.num_allocs + 1);
  }
  const DeviceMemoryStats s2 = cuda::memory_stats(0);
  EXPECT_EQ(s2.allocated_bytes, s0.allocated_bytes);
  Tensor b = empty({1000}, TensorOptions().device(cuda0()));
  const DeviceMemoryStats s3 = cuda::memory_stats(0);
  EXPECT_EQ(b.data_ptr(), first) << "the freed block was not reused";
  EXPECT_EQ(s3.num_cache_hits, s2.num_cache_hits + 1);
  EXPECT_EQ(s3.num_device_allocs, s2.num_device_allocs);
  EXPECT_EQ(s3.reserved_bytes, s2.reserved_bytes);
  {
    Tensor big = empty({30 << 18}, TensorOptions().device(cuda0()));  // 30 MiB
    const DeviceMemoryStats s4 = cuda::memory_stats(0);
    EXPECT_EQ(s4.allocated_bytes, s3.allocated_bytes + (size_t{30} << 20));
    EXPECT_GE(s4.reserved_bytes, s3.reserved_bytes + (size_t{30} << 20));
    cuda::reset_peak_memory_stats(0);
    EXPECT_EQ(cuda::memory_stats(0).peak_allocated_bytes, s4.allocated_bytes);
  }
  EXPECT_EQ(cuda::memory_stats(0).peak_allocated_bytes, s3.allocated_bytes + (size_t{30} << 20));
  cuda::empty_cache();
  const DeviceMemoryStats s5 = cuda::memory_stats(0);
  EXPECT_EQ(s5.allocated_bytes, s3.allocated_bytes);
  EXPECT_LE(s5.reserved_bytes, s3.reserved_bytes);  // b's segment stays
  EXPECT_GT(s5.reserved_bytes, 0u);
}

TEST(CudaAllocator, OutOfMemoryNamesTheBytesAndTheDeviceAndRecovers) {
  EMBER_REQUIRE_CUDA();
  const size_t ooms = cuda::memory_stats(0).num_ooms;
  const int64_t n = int64_t{1} << 42;  // 16 TiB of float32
  EXPECT_TRUE(throws_with<OutOfMemoryError>(
      [&] { empty({n}, TensorOptions().device(cuda0())); },
      {"cuda:0", "tried to allocate", std::to_string(n * 4) + " bytes", "cached"}));
  EXPECT_EQ(cuda::memory_stats(0).num_ooms, ooms + 1);
  const Tensor after = full({1000}, 3.0, TensorOptions().device(cuda0())) + 1;
  EXPECT_EQ(after.cpu()[999].item<double>(), 4.0);
}

TEST(CudaAllocator, BlockUsedOnAnotherStreamWaitsForThatStream) {
  EMBER_REQUIRE_CUDA();
  cuda::empty_cache();
  cuda::Stream other(0);
  Tensor t = empty({1 << 20}, TensorOptions().device(cuda0()));  // 4 MiB
  void* first = t.data_ptr();
  cuda::detail::sleep_on_stream(other.handle(), 200'000'000);
  cuda::record_stream(first, 0, other.handle());
  t = Tensor();
  const Tensor u = empty({1 << 20}, TensorOptions().device(cuda0()));
  EXPECT_NE(u.data_ptr(), first) << "reused while the other stream may still use it";
  other.synchronize();
  const Tensor v = empty({1 << 20}, TensorOptions().device(cuda0()));
  EXPECT_EQ(v.data_ptr(), first) << "not reused once the other stream was done";
  EXPECT_TRUE(throws_with<ValueError>([&] { cuda::record_stream(&other, 0, other.handle()); },
                                      {"record_stream", "cuda:0"}));
}

TEST(CudaAllocator, PinnedHostMemoryIsPageLockedAndCached) {
  EMBER_REQUIRE_CUDA();
  cuda::empty_cache();  // waits for pending copies and starts from fresh segments
  void* first = nullptr;
  {
    const Tensor p = empty({4096}, TensorOptions().pinned_memory(true));
    first = p.data_ptr();
    cudaPointerAttributes attr{};
    ASSERT_EQ(cudaPointerGetAttributes(&attr, p.data_ptr()), cudaSuccess);
    EXPECT_EQ(attr.type, cudaMemoryTypeHost);
    EXPECT_TRUE(cuda::is_pinned(p.data_ptr()));
    EXPECT_GE(cuda::pinned_memory_stats().allocated_bytes, 4096u * 4);
  }
  const Tensor q = empty({4096}, TensorOptions().pinned_memory(true));
  EXPECT_EQ(q.data_ptr(), first);
}

// ---- EMBER_CUDA_SYNC ----
// A kernel that faults reports asynchronously; with EMBER_CUDA_SYNC=1 the op that launched it
// says so. A fault poisons the CUDA context, so each case runs in a child process.
Tensor faulting_exp() {
  // A device pointer that maps nothing: the kernel faults reading it.
  const Tensor bad = from_blob(reinterpret_cast<void*>(uintptr_t{0x1000}), {1 << 20},
                               TensorOptions().device(cuda0()));
  return exp(bad);
}

TEST(CudaSyncDeathTest, WithEmberCudaSyncTheFaultNamesItsOp) {
  EMBER_REQUIRE_CUDA();
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        setenv("EMBER_CUDA_SYNC", "1", 1);
        try {
          faulting_exp();
        } catch (const CudaError& e) {
          std::fprintf(stderr, "%s\n", e.what());
          std::_Exit(3);
        }
        std::_Exit(0);
      },
      ::testing::ExitedWithCode(3),
      "exp: the CUDA kernel failed while running .*EMBER_CUDA_SYNC=1");
}

TEST(CudaSyncDeathTest, WithoutItTheFaultSurfacesAtTheNextSynchronisation) {
  EMBER_REQUIRE_CUDA();
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        unsetenv("EMBER_CUDA_SYNC");
        try {
          faulting_exp();
        } catch (const CudaError&) {
          std::_Exit(1);  // the launch itself must not fail
        }
        try {
          cuda::synchronize();
        } catch (const CudaError& e) {
          std::fprintf(stderr, "%s\n", e.what());
          std::_Exit(4);
        }
        std::_Exit(0);
      },
      ::testing::ExitedWithCode(4), "cudaDeviceSynchronize");
}

// ---- errors ----
TEST(CudaErrors, DeviceMismatchNamesBothDevices) {
  EMBER_REQUIRE_CUDA();
  const Tensor c = ones({2, 3});
  const Tensor g = ones({2, 3}, TensorOptions().device(cuda0()));
  EXPECT_TRUE(throws_with<DeviceError>([&] { add(c, g); }, {"add", "cpu", "cuda:0"}));
  EXPECT_TRUE(throws_with<DeviceError>([&] { mul(g, c); }, {"mul", "cpu", "cuda:0"}));
  EXPECT_TRUE(throws_with<DeviceError>([&] { where(g > 0, c, g); }, {"where", "cpu", "cuda:0"}));
  Tensor out = empty({2, 3});
  EXPECT_TRUE(throws_with<DeviceError>([&] { add_out(out, g, g); }, {"add_out", "cpu", "cuda:0"}));
}

#endif  // EMBER_WITH_CUDA

}  // namespace
}  // namespace ember::testing
