// A libtorch data pipeline, ported by changing its include and `torch::` to `ember::`: MNIST with
// Normalize and Stack, make_data_loader with a SequentialSampler and workers, the default
// RandomSampler from a plain batch size, dataset.size().value(), batch.data and batch.target, a
// user-defined libtorch-style data set with a non-const get(), TensorLambda and Lambda. The files
// are small IDX files this test writes (any count, as libtorch's reader does not allow).
#include <gtest/gtest.h>

#include <atomic>

#include "ember/data/libtorch_compat.h"
#include "ember/ember.h"
#include "tests/data/data_test_util.h"

namespace {

// A user data set written as for libtorch (torch:: -> ember::).
class CustomDataset : public ember::data::datasets::Dataset<CustomDataset> {
 public:
  explicit CustomDataset(int64_t n) : n_(n) {}
  CustomDataset(const CustomDataset& other) : n_(other.n_), calls_(other.calls_.load()) {}
  ember::data::Example<> get(size_t index) override {
    ++calls_;  // non-const state, as libtorch allows (atomic: workers call get() at once)
    return {ember::full({2}, static_cast<double>(index)),
            ember::scalar_tensor(static_cast<int64_t>(index % 2), ember::kInt64)};
  }
  ember::optional<size_t> size() const override { return static_cast<size_t>(n_); }

 private:
  int64_t n_;
  std::atomic<int64_t> calls_{0};
};

TEST(LibtorchCompat, MnistPipelinePortsUnchanged) {
  ember::testing::TempDir dir;
  ember::data::write_idx(dir.file("train-images-idx3-ubyte.gz"),
                         ember::testing::pattern_images(130, 28, 28));
  std::vector<uint8_t> labels(130);
  for (size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<uint8_t>(i % 10);
  ember::data::write_idx(dir.file("train-labels-idx1-ubyte.gz"), ember::tensor(labels));
  const std::string kDataRoot = dir.path();
  const int64_t kTrainBatchSize = 64;

  // ---- the libtorch program, with torch:: changed to ember:: ----
  auto train_dataset = ember::data::datasets::MNIST(kDataRoot)
                           .map(ember::data::transforms::Normalize<>(0.1307, 0.3081))
                           .map(ember::data::transforms::Stack<>());
  const size_t train_dataset_size = train_dataset.size().value();
  auto train_loader = ember::data::make_data_loader<ember::data::samplers::SequentialSampler>(
      std::move(train_dataset), ember::data::DataLoaderOptions(kTrainBatchSize).workers(2));
  size_t seen = 0;
  int batches = 0;
  for (auto& batch : *train_loader) {
    auto data = batch.data.to(ember::kCPU), targets = batch.target.to(ember::kCPU);
    EXPECT_EQ(data.dim(), 4);
    EXPECT_EQ(data.size(1), 1);
    EXPECT_EQ(data.size(2), 28);
    EXPECT_EQ(targets.dtype(), ember::kInt64);
    // Sequential: the first target of batch b is (64 b) % 10.
    EXPECT_EQ(targets[0].item<int64_t>(), (64 * batches) % 10);
    seen += static_cast<size_t>(data.size(0));
    ++batches;
  }
  // ---- end of the libtorch program ----

  EXPECT_EQ(train_dataset_size, 130u);
  EXPECT_EQ(seen, 130u);
  EXPECT_EQ(batches, 3);
  EXPECT_EQ(train_loader->size(), 3);

  // Values: (pixel / 255 - 0.1307) / 0.3081, as libtorch computes them.
  auto test_dataset =
      ember::data::datasets::MNIST(kDataRoot, ember::data::datasets::MNIST::Mode::kTrain)
          .map(ember::data::transforms::Normalize<>(0.1307, 0.3081));
  EXPECT_TRUE(test_dataset.dataset().is_train());
  ember::Tensor raw = ember::testing::pattern_images(130, 28, 28);
  ember::Tensor x = test_dataset.get(7).data;
  const auto want = raw[7].to_vector<double>();
  const auto got = x.to_vector<double>();
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); i += 97) {
    EXPECT_NEAR(got[i], (want[i] / 255.0 - 0.1307) / 0.3081, 1e-5);
  }

  // make_data_loader(dataset, 64): libtorch's default RandomSampler (every example once).
  auto shuffled = ember::data::make_data_loader(
      ember::data::datasets::MNIST(kDataRoot).map(ember::data::transforms::Stack<>()), 64);
  std::vector<int64_t> counts(10, 0);
  for (auto& batch : *shuffled)
    for (int64_t t : batch.target.to_vector<int64_t>()) counts[static_cast<size_t>(t)]++;
  for (int64_t c = 0; c < 10; ++c) EXPECT_EQ(counts[static_cast<size_t>(c)], 13);
}

TEST(LibtorchCompat, UserDatasetLambdasAndSamplerObjects) {
  auto dataset =
      CustomDataset(9)
          .map(ember::data::transforms::TensorLambda<>([](ember::Tensor t) { return t + 1; }))
          .map(
              ember::data::transforms::Lambda<ember::data::Example<>>([](ember::data::Example<> e) {
                e.target = e.target * 10;
                return e;
              }))
          .map(ember::data::transforms::Stack<>());
  EXPECT_EQ(dataset.size().value(), 9u);
  auto loader = ember::data::make_data_loader(
      std::move(dataset), ember::data::samplers::DistributedSequentialSampler(9, 3, 1),
      ember::data::DataLoaderOptions().batch_size(2).workers(2));
  std::vector<int64_t> firsts, targets;
  for (auto& batch : *loader) {
    for (double v : batch.data.select(1, 0).to_vector<double>())
      firsts.push_back(static_cast<int64_t>(v));
    for (int64_t t : batch.target.to_vector<int64_t>()) targets.push_back(t);
  }
  // Rank 1 of 3 takes 1, 4, 7; data is index + 1, target (index % 2) * 10.
  EXPECT_EQ(firsts, (std::vector<int64_t>{2, 5, 8}));
  EXPECT_EQ(targets, (std::vector<int64_t>{10, 0, 10}));
}

}  // namespace
