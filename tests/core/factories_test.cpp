// Factories: dtype and device from options, values, nested braced lists, vectors, from_blob,
// *_like, eye, pinned memory requests, and their errors.
#include "support/test_util.h"

namespace ember {
namespace {

using testing::throws_with;
using testing::values;

TEST(Factories, FillsAndOptions) {
  Tensor z = zeros({2, 3});
  EXPECT_EQ(z.dtype(), kFloat32);
  EXPECT_EQ(z.device(), Device(kCPU));
  EXPECT_EQ(values(z), std::vector<double>(6, 0.0));
  EXPECT_EQ(ones({2}, kInt64).dtype(), kInt64);
  EXPECT_EQ(values(ones({2}, kInt64)), (std::vector<double>{1, 1}));
  EXPECT_EQ(full({2}, 7).dtype(), kInt64);  // dtype follows the value
  EXPECT_EQ(full({2}, 7.5).dtype(), kFloat32);
  EXPECT_EQ(full({2}, true).dtype(), kBool);
  EXPECT_EQ(values(full({2}, 2.5, kFloat64)), (std::vector<double>{2.5, 2.5}));
  Tensor e = empty({0, 4});
  EXPECT_EQ(e.numel(), 0);
  EXPECT_EQ(zeros({}).dim(), 0);
  EXPECT_EQ(zeros({}).numel(), 1);
  EXPECT_TRUE(zeros({2}, TensorOptions().requires_grad(true)).requires_grad());
  EXPECT_TRUE(throws_with<ValueError>([] { zeros({2, -1}); }, {"negative", "[2, -1]"}));
  EXPECT_TRUE(
      throws_with<DTypeError>([] { zeros({2}, TensorOptions().dtype(kInt64).requires_grad(true)); },
                              {"requires_grad", "int64"}));
}

TEST(Factories, LikeFactoriesFollowTheirInput) {
  Tensor a = ones({3, 2}, kFloat64);
  EXPECT_EQ(zeros_like(a).dtype(), kFloat64);
  EXPECT_EQ(zeros_like(a).sizes(), IntArrayRef({3, 2}));
  EXPECT_EQ(ones_like(a, kInt32).dtype(), kInt32);
  EXPECT_EQ(values(full_like(a, 4)), std::vector<double>(6, 4.0));
  EXPECT_EQ(empty_like(a.t()).sizes(), IntArrayRef({2, 3}));
}

TEST(Factories, NestedListsAndVectors) {
  Tensor a = tensor({{1, 2, 3}, {4, 5, 6}});
  EXPECT_EQ(a.dtype(), kInt64);
  EXPECT_EQ(a.sizes(), IntArrayRef({2, 3}));
  EXPECT_EQ(values(a), (std::vector<double>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(tensor({1.5, 2}).dtype(), kFloat32);
  EXPECT_EQ(tensor({true, false}).dtype(), kBool);
  EXPECT_EQ(tensor({{1.0}, {2.0}}, kFloat64).dtype(), kFloat64);
  Tensor s = tensor(3.5);
  EXPECT_EQ(s.dim(), 0);
  EXPECT_EQ(s.item<double>(), 3.5);
  EXPECT_TRUE(throws_with<ShapeError>([] { tensor({{1, 2}, {3}}); }, {"tensor", "ragged"}));
  std::vector<float> v{1, 2, 3, 4, 5, 6};
  Tensor fv = tensor(v, {3, 2});
  EXPECT_EQ(fv.dtype(), kFloat32);
  EXPECT_EQ(testing::value_at(fv, {2, 1}), 6.0);
  EXPECT_EQ(tensor(std::vector<int64_t>{4, 5}).dtype(), kInt64);
  EXPECT_EQ(values(tensor(std::vector<bool>{true, false, true})), (std::vector<double>{1, 0, 1}));
  EXPECT_TRUE(throws_with<ShapeError>([&] { tensor(v, {4, 2}); }, {"tensor", "6", "[4, 2]"}));
}

TEST(Factories, FromBlobSharesMemory) {
  std::vector<double> buf{1, 2, 3, 4, 5, 6};
  Tensor t = from_blob(buf.data(), {2, 3}, kFloat64);
  EXPECT_EQ(t.data_ptr(), buf.data());
  t.mul_(2);
  EXPECT_EQ(buf[5], 12.0);
  Tensor strided = from_blob(buf.data(), {3}, {2}, kFloat64);
  EXPECT_EQ(values(strided), (std::vector<double>{2, 6, 10}));
  bool deleted = false;
  {
    Tensor owned = from_blob(
        buf.data(), {6}, [&](void*) { deleted = true; }, kFloat64);
    Tensor view = owned.view({2, 3});
    owned = Tensor();
    EXPECT_FALSE(deleted);  // the view keeps the storage alive
  }
  EXPECT_TRUE(deleted);
}

TEST(Factories, EyeAndItem) {
  EXPECT_EQ(values(eye(3)), (std::vector<double>{1, 0, 0, 0, 1, 0, 0, 0, 1}));
  EXPECT_EQ(values(eye(2, 3, kInt64)), (std::vector<double>{1, 0, 0, 0, 1, 0}));
  EXPECT_EQ(eye(0).numel(), 0);
  EXPECT_TRUE(throws_with<ValueError>([] { ones({2}).item(); }, {"item", "2 elements"}));
  EXPECT_EQ(tensor({{7}}).item<int>(), 7);
  EXPECT_TRUE(throws_with<DTypeError>([] { ones({2}).data_ptr<double>(); },
                                      {"data_ptr", "float64", "float32"}));
}

TEST(Factories, CpuAllocatorReusesLargeBlocks) {
  cpu_allocator_empty_cache();
  const CpuAllocatorStats before = cpu_allocator_stats();
  { Tensor big = empty({1 << 20}); }
  { Tensor again = empty({1 << 20}); }
  const CpuAllocatorStats after = cpu_allocator_stats();
  EXPECT_GE(after.cache_hits, before.cache_hits + 1);
  EXPECT_EQ(after.allocated_bytes, before.allocated_bytes);
  cpu_allocator_empty_cache();
  EXPECT_EQ(cpu_allocator_stats().cached_bytes, 0u);
  // Storage is 64-byte aligned.
  EXPECT_EQ(reinterpret_cast<uintptr_t>(empty({3}).data_ptr()) % 64, 0u);
}

TEST(Devices, ParsingAndErrors) {
  EXPECT_EQ(Device("cpu"), Device(kCPU));
  EXPECT_EQ(Device("cuda:1").index(), 1);
  EXPECT_TRUE(Device("cuda").is_cuda());
  EXPECT_EQ(Device("cuda:0").str(), "cuda:0");
  EXPECT_TRUE(throws_with<ValueError>([] { Device("tpu"); }, {"tpu"}));
  EXPECT_TRUE(throws_with<ValueError>([] { Device("cuda:x"); }, {"cuda:x"}));
  if (!cuda::is_available()) {
    // A CUDA tensor without a GPU says exactly why.
    EXPECT_TRUE(throws_with<DeviceError>([] { zeros({2}, Device(kCUDA)); }, {"cuda"}));
    EXPECT_TRUE(throws_with<DeviceError>([] { ones({2}).to(kCUDA); }, {"cuda"}));
    EXPECT_FALSE(cuda::unavailable_reason().empty());
    EXPECT_EQ(cuda::device_count(), 0);
  }
}

}  // namespace
}  // namespace ember
