// Tests of DataLoader: the same batches in the same order with 0 to 5 workers and any prefetch
// depth, shuffled and not; reshuffling per epoch and reproducibility from a seed; drop_last and
// size(); abandoning an epoch; set_epoch; a distributed sampler; errors raised while assembling a
// batch (a throwing data set, a corrupt image) reaching the loop with their type and message at
// that batch; destruction in the middle of an epoch with slow workers; pin_memory and device
// options on a machine without a GPU; bad options.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "tests/data/data_test_util.h"
#include "tests/support/test_util.h"

namespace ember {
namespace {

using data::DataLoader;
using data::DataLoaderOptions;
using data::Example;
using testing::collect;
using testing::same_tensor;
using testing::throws_with;

// A user-defined data set: example i is [i, -i] (float32) with target i; optionally slow, and
// throwing IOError at one index ("a corrupt sample").
class Numbers : public data::Dataset {
 public:
  explicit Numbers(int64_t n, int64_t bad_index = -1, int sleep_us = 0)
      : n_(n), bad_index_(bad_index), sleep_us_(sleep_us) {}
  int64_t size() const override { return n_; }
  Example<> get(int64_t index) const override {
    if (sleep_us_ > 0) std::this_thread::sleep_for(std::chrono::microseconds(sleep_us_));
    if (index == bad_index_) {
      throw IOError("Numbers: sample " + std::to_string(index) + " is corrupt");
    }
    gets_++;
    const auto v = static_cast<float>(index);
    return {tensor(std::vector<float>{v, -v}), scalar_tensor(index, TensorOptions().dtype(kInt64))};
  }
  int64_t gets() const { return gets_; }

 private:
  int64_t n_, bad_index_;
  int sleep_us_;
  mutable std::atomic<int64_t> gets_{0};
};

void expect_same_batches(const std::vector<Example<>>& a, const std::vector<Example<>>& b,
                         const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_TRUE(same_tensor(a[i].data, b[i].data)) << what << " batch " << i;
    EXPECT_TRUE(same_tensor(a[i].target, b[i].target)) << what << " batch " << i;
  }
}

TEST(DataLoader, SequentialBatchesHaveTheRightContents) {
  DataLoader loader(std::make_shared<Numbers>(10), DataLoaderOptions(4));
  EXPECT_EQ(loader.size(), 3);
  const auto batches = collect(loader);
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0].target.to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 2, 3}));
  EXPECT_EQ(batches[2].target.to_vector<int64_t>(), (std::vector<int64_t>{8, 9}));
  EXPECT_TRUE(testing::all_close(batches[2].data, {8, -8, 9, -9}, 0));
}

TEST(DataLoader, WorkersYieldTheSameBatchesInTheSameOrder) {
  auto tensors = std::make_shared<data::TensorDataset>(testing::random_tensor({103, 3, 4}),
                                                       testing::range_tensor(103));
  auto transformed = data::map(tensors, data::transforms::Normalize(0.5, 2.0));
  auto user = std::make_shared<Numbers>(57);
  for (const data::DatasetPtr& ds : {data::DatasetPtr(transformed), data::DatasetPtr(user)}) {
    for (bool shuffle : {false, true}) {
      for (bool drop_last : {false, true}) {
        const auto options = DataLoaderOptions(8).shuffle(shuffle).drop_last(drop_last).seed(11);
        DataLoader reference(ds, options);
        const auto expected = collect(reference);
        const auto expected_epoch1 = collect(reference);
        for (int64_t workers : {1, 2, 3, 5}) {
          for (int64_t prefetch : {1, 2, 4}) {
            DataLoader loader(ds, DataLoaderOptions(options).workers(workers).prefetch(prefetch));
            const std::string what = "workers " + std::to_string(workers) + " prefetch " +
                                     std::to_string(prefetch) + (shuffle ? " shuffled" : "") +
                                     (drop_last ? " drop_last" : "");
            expect_same_batches(collect(loader), expected, what);
            expect_same_batches(collect(loader), expected_epoch1, what + " epoch 1");
          }
        }
      }
    }
  }
}

TEST(DataLoader, ShuffleReshufflesEachEpochAndIsReproducible) {
  auto ds = std::make_shared<Numbers>(40);
  DataLoader a(ds, DataLoaderOptions(40).shuffle(true).seed(3));
  const auto a0 = collect(a), a1 = collect(a);
  EXPECT_FALSE(same_tensor(a0[0].target, a1[0].target));
  // The same seed: the same epochs; set_epoch jumps to one.
  DataLoader b(ds, DataLoaderOptions(40).shuffle(true).seed(3).workers(2));
  b.set_epoch(1);
  EXPECT_TRUE(same_tensor(collect(b)[0].target, a1[0].target));
  EXPECT_EQ(b.epoch(), 2);
  // Each epoch visits every example once.
  std::vector<int64_t> seen = a1[0].target.to_vector<int64_t>();
  std::sort(seen.begin(), seen.end());
  for (int64_t i = 0; i < 40; ++i) EXPECT_EQ(seen[static_cast<size_t>(i)], i);
}

TEST(DataLoader, TakesADataSetByValue) {
  DataLoader loader(data::TensorDataset(testing::range_tensor(5).to(kFloat32)), 2);
  const auto batches = collect(loader);
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_TRUE(testing::all_close(batches[1].data, {2, 3}, 0));
  EXPECT_FALSE(batches[1].target.defined());
}

TEST(DataLoader, DropLastAndSize) {
  auto ds = std::make_shared<Numbers>(10);
  DataLoader keep(ds, DataLoaderOptions(3));
  DataLoader drop(ds, DataLoaderOptions(3).drop_last(true).workers(2));
  EXPECT_EQ(keep.size(), 4);
  EXPECT_EQ(drop.size(), 3);
  const auto kept = collect(keep), dropped = collect(drop);
  EXPECT_EQ(kept.size(), 4u);
  EXPECT_EQ(kept.back().data.size(0), 1);
  ASSERT_EQ(dropped.size(), 3u);
  for (const auto& b : dropped) EXPECT_EQ(b.data.size(0), 3);
  DataLoader none(ds, DataLoaderOptions(11).drop_last(true).workers(1));
  EXPECT_EQ(none.size(), 0);
  EXPECT_TRUE(collect(none).empty());
}

TEST(DataLoader, AbandonedEpochRestartsCleanly) {
  auto ds = std::make_shared<Numbers>(30, -1, 200);
  DataLoader loader(ds, DataLoaderOptions(2).workers(3).prefetch(3));
  int seen = 0;
  for (auto& batch : loader) {
    EXPECT_EQ(batch.target[0].item<int64_t>(), 2 * seen);
    if (++seen == 2) break;
  }
  // The next epoch starts from its first batch, with nothing left over from the abandoned one.
  const auto all = collect(loader);
  ASSERT_EQ(all.size(), 15u);
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].target.to_vector<int64_t>(),
              (std::vector<int64_t>{static_cast<int64_t>(2 * i), static_cast<int64_t>(2 * i + 1)}));
  }
}

TEST(DataLoader, ErrorsInWorkersReachTheLoopAtTheirBatch) {
  for (int64_t workers : {0, 1, 3}) {
    auto ds = std::make_shared<Numbers>(20, /*bad_index=*/9);
    DataLoader loader(ds, DataLoaderOptions(4).workers(workers));
    std::vector<int64_t> firsts;
    bool thrown = false;
    try {
      for (auto& batch : loader) firsts.push_back(batch.target[0].item<int64_t>());
    } catch (const IOError& e) {
      thrown = true;
      EXPECT_STREQ(e.what(), "Numbers: sample 9 is corrupt");
    }
    EXPECT_TRUE(thrown) << workers;
    // Batches 0 and 1 arrived; batch 2 (indices 8..11) failed.
    EXPECT_EQ(firsts, (std::vector<int64_t>{0, 4})) << workers;
    // The loader stays usable: the next epoch fails at the same batch again.
    EXPECT_TRUE(throws_with<IOError>([&] { collect(loader); }, {"sample 9 is corrupt"}));
  }
  // An error in the first batch comes out of begin().
  DataLoader first(std::make_shared<Numbers>(8, 0), DataLoaderOptions(4).workers(2));
  EXPECT_TRUE(throws_with<IOError>([&] { first.begin(); }, {"sample 0 is corrupt"}));
}

TEST(DataLoader, IteratingPastAFailedBatchContinues) {
  auto ds = std::make_shared<Numbers>(12, 5);
  DataLoader loader(ds, DataLoaderOptions(4).workers(2));
  auto it = loader.begin();
  EXPECT_EQ((*it).target[0].item<int64_t>(), 0);
  EXPECT_THROW(++it, IOError);
  ++it;  // batch 2
  EXPECT_EQ(it->target[0].item<int64_t>(), 8);
  ++it;
  EXPECT_TRUE(it == loader.end());
}

TEST(DataLoader, CorruptImageInAWorkerNamesTheFile) {
  if (!data::image_decoding_available()) GTEST_SKIP() << "Ember was built without stb_image.h";
  testing::TempDir dir;
  testing::write_text(dir.file("a/0.png"), "not a png");
  testing::write_text(dir.file("a/1.png"), "not a png either");
  // The folder scan reads the first image's header, so give the size explicitly.
  auto folder = std::make_shared<data::ImageFolder>(
      dir.path(), data::ImageFolderOptions().size(8, 8).channels(3));
  DataLoader loader(folder, DataLoaderOptions(2).workers(2));
  EXPECT_TRUE(throws_with<IOError>([&] { collect(loader); }, {"0.png", "cannot decode"}));
}

TEST(DataLoader, DestructionMidEpochJoinsSlowWorkers) {
  auto ds = std::make_shared<Numbers>(400, -1, 2000);
  for (int round = 0; round < 3; ++round) {
    auto loader = std::make_unique<DataLoader>(ds, DataLoaderOptions(4).workers(4).prefetch(2));
    auto it = loader->begin();
    ++it;
    loader.reset();  // workers are busy: the destructor waits for them, then returns
  }
  // Destroyed before any epoch began, and with a failing batch pending.
  { DataLoader idle(ds, DataLoaderOptions(4).workers(3)); }
  {
    DataLoader failing(std::make_shared<Numbers>(40, 30), DataLoaderOptions(4).workers(3));
    failing.begin();
  }
  // Workers did not run ahead of the bound: at most 4 * 2 batches beyond the two taken.
  auto counted = std::make_shared<Numbers>(400, -1, 500);
  {
    DataLoader loader(counted, DataLoaderOptions(4).workers(4).prefetch(2));
    loader.begin();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_LE(counted->gets(), (1 + 8 + 4) * 4);
  }
}

TEST(DataLoader, PinMemoryAndCpuDeviceWithoutAGpuGiveTheSameBatches) {
  auto ds = std::make_shared<Numbers>(25);
  DataLoader plain(ds, DataLoaderOptions(8));
  DataLoader pinned(ds, DataLoaderOptions(8).pin_memory(true).workers(2).device(Device(kCPU)));
  expect_same_batches(collect(pinned), collect(plain), "pin_memory");
  if (!cuda::is_available()) {
    EXPECT_TRUE(throws_with<DeviceError>(
        [&] { DataLoader gpu(ds, DataLoaderOptions(8).device(Device(kCUDA))); }, {"cuda"}));
  }
}

TEST(DataLoader, DistributedSamplerShardsThroughTheLoader) {
  auto ds = std::make_shared<Numbers>(10);
  std::vector<int64_t> all;
  for (int64_t rank = 0; rank < 2; ++rank) {
    auto sampler = std::make_shared<data::samplers::DistributedSampler>(10, 2, rank, true, 4);
    DataLoader loader(ds, sampler, DataLoaderOptions(2).workers(1));
    EXPECT_EQ(loader.size(), 3);
    for (const auto& b : collect(loader)) {
      for (int64_t t : b.target.to_vector<int64_t>()) all.push_back(t);
    }
  }
  std::sort(all.begin(), all.end());
  for (int64_t i = 0; i < 10; ++i) EXPECT_EQ(all[static_cast<size_t>(i)], i);
}

TEST(DataLoader, BadOptionsAreReported) {
  auto ds = std::make_shared<Numbers>(4);
  EXPECT_TRUE(throws_with<ValueError>([&] { DataLoader l(ds, DataLoaderOptions(0)); },
                                      {"batch_size", "0"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { DataLoader l(ds, DataLoaderOptions(2).workers(-1)); },
                                      {"workers", "-1"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { DataLoader l(ds, DataLoaderOptions(2).prefetch(0)); },
                                      {"prefetch", "0"}));
  EXPECT_TRUE(
      throws_with<ValueError>([&] { DataLoader l(ds, DataLoaderOptions(2).device_resident(true)); },
                              {"device_resident", "device"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { DataLoader l(nullptr); }, {"null"}));
}

TEST(DataLoader, DeviceResidentOnTheCpuGathersFromTheMovedDataSet) {
  auto base = std::make_shared<Numbers>(9);
  auto ds = data::map(base, data::transforms::Normalize(1.0, 2.0));
  DataLoader plain(ds, DataLoaderOptions(4).shuffle(true).seed(2));
  DataLoader resident(ds, DataLoaderOptions(4)
                              .shuffle(true)
                              .seed(2)
                              .device(Device(kCPU))
                              .device_resident(true)
                              .workers(2));
  expect_same_batches(collect(resident), collect(plain), "device_resident on the CPU");
  // The user data set was read once into tensors; batches no longer call its get().
  const int64_t gets = base->gets();
  collect(resident);
  EXPECT_EQ(base->gets(), gets);
}

}  // namespace
}  // namespace ember
