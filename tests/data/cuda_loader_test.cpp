// The loader's GPU paths (skipped without a GPU): pinned batches copied asynchronously to the
// device, and the device-resident mode that gathers batches on the GPU. Both must give exactly
// the batches of the plain CPU loader, in the same order, with workers or without.
#include <gtest/gtest.h>

#include <vector>

#include "ember/core/dispatch.h"
#include "tests/data/data_test_util.h"
#include "tests/support/test_util.h"

namespace ember {
namespace {

using data::DataLoader;
using data::DataLoaderOptions;
using testing::collect;
using testing::same_tensor;

data::DatasetPtr mnist_like(int64_t n) {
  auto images = testing::pattern_images(n, 28, 28).to(kFloat32).div_(255.0).unsqueeze(1);
  std::vector<int64_t> labels(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) labels[static_cast<size_t>(i)] = i % 10;
  auto base = std::make_shared<data::TensorDataset>(images, tensor(labels));
  return data::map(base, data::transforms::Normalize<>(0.1307, 0.3081));
}

void expect_same(const std::vector<data::Example<>>& a, const std::vector<data::Example<>>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_TRUE(testing::all_close(a[i].data, b[i].data, 1e-6)) << "batch " << i;
    EXPECT_TRUE(same_tensor(a[i].target, b[i].target)) << "batch " << i;
  }
}

TEST(CudaLoader, PinnedBatchesReachTheGpuUnchanged) {
  EMBER_REQUIRE_CUDA();
  auto ds = mnist_like(300);
  DataLoader cpu(ds, DataLoaderOptions(64).shuffle(true).seed(5));
  const auto expected = collect(cpu);
  for (int64_t workers : {0, 2}) {
    DataLoader gpu(
        ds, DataLoaderOptions(64).shuffle(true).seed(5).workers(workers).pin_memory(true).device(
                Device(kCUDA, 0)));
    std::vector<data::Example<>> got;
    for (auto& batch : gpu) {
      EXPECT_TRUE(batch.data.is_cuda());
      EXPECT_TRUE(batch.target.is_cuda());
      // Compute on the batch while the next one is copied: the values must still be right.
      got.emplace_back((batch.data * 1).cpu(), batch.target.cpu());
    }
    expect_same(got, expected);
  }
}

TEST(CudaLoader, DeviceResidentGathersOnTheGpu) {
  EMBER_REQUIRE_CUDA();
  if (!has_kernel(OpId::index_select, DeviceType::CUDA))
    GTEST_SKIP() << "index_select has no CUDA kernel yet; the device-resident gather needs it";
  auto ds = mnist_like(300);
  DataLoader cpu(ds, DataLoaderOptions(64).shuffle(true).seed(9).drop_last(true));
  const auto expected = collect(cpu);
  DataLoader resident(ds, DataLoaderOptions(64)
                              .shuffle(true)
                              .seed(9)
                              .drop_last(true)
                              .device(Device(kCUDA, 0))
                              .device_resident(true));
  EXPECT_TRUE(resident.dataset() != ds);
  std::vector<data::Example<>> got;
  for (auto& batch : resident) {
    EXPECT_TRUE(batch.data.is_cuda());
    got.emplace_back(batch.data.cpu(), batch.target.cpu());
  }
  expect_same(got, expected);
  // A second epoch reshuffles on the device too, as the CPU loader does.
  expect_same(collect(resident), collect(cpu));
}

}  // namespace
}  // namespace ember
