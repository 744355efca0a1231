// Tests of the data set types and transforms: TensorDataset (single examples, gathered batches,
// errors), collate, Subset, ConcatDataset (batches across its parts), random_split (disjoint,
// complete, reproducible from a seed or a Generator), a user-defined data set, and the
// transforms (Normalize scalar and per channel, ToTensor, Compose, Lambda, TensorLambda, Stack)
// with batch-wise application equal to per-example application.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "tests/data/data_test_util.h"
#include "tests/support/test_util.h"

namespace ember {
namespace {

using data::DatasetPtr;
using data::Example;
using data::TensorDataset;
using testing::same_tensor;
using testing::throws_with;

// data[i] = [i, 10 i, 100 i] (float32), target[i] = i (int64).
std::shared_ptr<TensorDataset> counting(int64_t n, int64_t offset = 0) {
  std::vector<float> d;
  std::vector<int64_t> t;
  for (int64_t i = 0; i < n; ++i) {
    const auto v = static_cast<float>(i + offset);
    d.insert(d.end(), {v, 10 * v, 100 * v});
    t.push_back(i + offset);
  }
  return std::make_shared<TensorDataset>(tensor(d, {n, 3}), tensor(t));
}

// A user-defined data set: example i is the vector [i, i + 1] with target i % 3.
class PairDataset : public data::Dataset {
 public:
  explicit PairDataset(int64_t n) : n_(n) {}
  int64_t size() const override { return n_; }
  Example<> get(int64_t index) const override {
    return {tensor({static_cast<double>(index), static_cast<double>(index + 1)}),
            scalar_tensor(index % 3, TensorOptions().dtype(kInt64))};
  }

 private:
  int64_t n_;
};

TEST(TensorDataset, GetAndGetBatchGatherRows) {
  auto ds = counting(10);
  EXPECT_EQ(ds->size(), 10);
  Example<> e = ds->get(4);
  EXPECT_TRUE(testing::all_close(e.data, {4, 40, 400}, 0));
  EXPECT_EQ(e.target.item<int64_t>(), 4);
  Example<> b = ds->get_batch({7, 2, 2, 9});
  EXPECT_EQ(b.data.sizes(), IntArrayRef({4, 3}));
  EXPECT_TRUE(testing::all_close(b.data, {7, 70, 700, 2, 20, 200, 2, 20, 200, 9, 90, 900}, 0));
  EXPECT_EQ(b.target.to_vector<int64_t>(), (std::vector<int64_t>{7, 2, 2, 9}));
  // The batch is a copy: writing it leaves the data set alone.
  b.data.fill_(-1);
  EXPECT_TRUE(testing::all_close(ds->get(7).data, {7, 70, 700}, 0));
}

TEST(TensorDataset, NonContiguousDataAndNoTargets) {
  Tensor base = testing::random_tensor({4, 6});
  TensorDataset ds(base.t());  // [6, 4], strided
  Example<> b = ds.get_batch({5, 0});
  EXPECT_FALSE(b.target.defined());
  EXPECT_TRUE(same_tensor(b.data[0], base.t()[5].contiguous()));
  EXPECT_TRUE(same_tensor(b.data[1], base.t()[0].contiguous()));
}

TEST(TensorDataset, BadConstructionAndIndicesAreReported) {
  EXPECT_TRUE(throws_with<ShapeError>(
      [] {
        TensorDataset ds(zeros({5, 2}), zeros({4}));
      },
      {"TensorDataset", "[5, 2]", "5 examples", "[4]", "has 4"}));
  EXPECT_TRUE(throws_with<ShapeError>([] { TensorDataset ds(scalar_tensor(1.0)); },
                                      {"TensorDataset", "zero-dimensional"}));
  auto ds = counting(3);
  EXPECT_TRUE(throws_with<IndexError>([&] { ds->get(3); }, {"index 3", "3 examples"}));
  EXPECT_TRUE(throws_with<IndexError>([&] { ds->get_batch({0, -1}); }, {"get_batch", "index -1"}));
}

TEST(Collate, StacksAndRejectsMixedShapesOrTargets) {
  PairDataset ds(5);
  Example<> b = ds.get_batch({3, 1});
  EXPECT_EQ(b.data.sizes(), IntArrayRef({2, 2}));
  EXPECT_TRUE(testing::all_close(b.data, {3, 4, 1, 2}, 0));
  EXPECT_EQ(b.target.to_vector<int64_t>(), (std::vector<int64_t>{0, 1}));
  EXPECT_TRUE(throws_with<ShapeError>(
      [] {
        data::collate({Example<>(zeros({2}), Tensor()), Example<>(zeros({3}), Tensor())});
      },
      {"collate", "example 1", "[3]", "[2]"}));
  EXPECT_TRUE(throws_with<ValueError>(
      [] {
        data::collate({Example<>(zeros({2}), zeros({})), Example<>(zeros({2}), Tensor())});
      },
      {"collate", "example 1 lacks a target"}));
  EXPECT_TRUE(throws_with<ValueError>([] { data::collate({}); }, {"collate", "none"}));
}

TEST(Subset, MapsIndicesAndChecksThem) {
  auto ds = counting(10);
  data::Subset sub(ds, {9, 3, 3, 0});
  EXPECT_EQ(sub.size(), 4);
  EXPECT_EQ(sub.get(1).target.item<int64_t>(), 3);
  EXPECT_EQ(sub.get_batch({0, 3}).target.to_vector<int64_t>(), (std::vector<int64_t>{9, 0}));
  EXPECT_TRUE(throws_with<IndexError>([&] { data::Subset bad(ds, {10}); }, {"Subset", "index 10"}));
  EXPECT_TRUE(throws_with<IndexError>([&] { sub.get(4); }, {"Subset::get", "index 4"}));
}

TEST(ConcatDataset, BatchesSpanItsPartsInOrder) {
  data::ConcatDataset cat({counting(3), counting(2, 100), counting(4, 200)});
  EXPECT_EQ(cat.size(), 9);
  EXPECT_EQ(cat.get(3).target.item<int64_t>(), 100);
  EXPECT_EQ(cat.get(8).target.item<int64_t>(), 203);
  Example<> b = cat.get_batch({8, 0, 1, 4, 5, 2});
  EXPECT_EQ(b.target.to_vector<int64_t>(), (std::vector<int64_t>{203, 0, 1, 101, 200, 2}));
  EXPECT_TRUE(testing::all_close(b.data[3], {101, 1010, 10100}, 0));
  EXPECT_TRUE(throws_with<IndexError>([&] { cat.get(9); }, {"ConcatDataset", "index 9"}));
  EXPECT_TRUE(throws_with<ValueError>([] { data::ConcatDataset empty({}); }, {"ConcatDataset"}));
}

TEST(RandomSplit, DisjointCompleteAndReproducible) {
  auto ds = counting(50);
  auto parts = data::random_split(ds, {30, 15, 5}, 7);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0]->size(), 30);
  EXPECT_EQ(parts[2]->size(), 5);
  std::set<int64_t> seen;
  for (const auto& p : parts)
    for (int64_t i : p->indices()) EXPECT_TRUE(seen.insert(i).second) << i;
  EXPECT_EQ(seen.size(), 50u);
  // Not the identity order, the same for the same seed, different for another.
  std::vector<int64_t> first(parts[0]->indices());
  std::vector<int64_t> sorted = first;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_NE(first, sorted);
  EXPECT_EQ(data::random_split(ds, {30, 15, 5}, 7)[0]->indices(), first);
  EXPECT_NE(data::random_split(ds, {30, 15, 5}, 8)[0]->indices(), first);
  // From a Generator: the same seed gives the same split, and the generator advances.
  Generator g1(123), g2(123);
  auto a = data::random_split(ds, {25, 25}, g1);
  auto b = data::random_split(ds, {25, 25}, g2);
  EXPECT_EQ(a[0]->indices(), b[0]->indices());
  EXPECT_NE(data::random_split(ds, {25, 25}, g1)[0]->indices(), a[0]->indices());
  EXPECT_TRUE(throws_with<ValueError>(
      [&] {
        data::random_split(ds, {30, 15}, 1);
      },
      {"random_split", "[30, 15]", "sum to 45", "50 examples"}));
}

TEST(Transforms, NormalizeScalarAndPerChannelPerExampleAndPerBatch) {
  // [N, C=2, 3] data.
  Tensor x = testing::random_tensor({5, 2, 3}, kFloat32, 0, 1);
  auto ds = std::make_shared<TensorDataset>(x, testing::range_tensor(5));
  auto scalar = data::map(ds, data::transforms::Normalize<>(0.5, 0.25));
  auto per_channel = data::map(ds, data::transforms::Normalize({0.1, 0.2}, {2.0, 4.0}));
  const std::vector<double> v = x.to_vector<double>();
  for (int64_t i = 0; i < 5; ++i) {
    std::vector<double> want_scalar, want_channel;
    for (int64_t c = 0; c < 2; ++c) {
      for (int64_t k = 0; k < 3; ++k) {
        const double e = v[static_cast<size_t>(i * 6 + c * 3 + k)];
        want_scalar.push_back((e - 0.5) / 0.25);
        want_channel.push_back((e - (c == 0 ? 0.1 : 0.2)) / (c == 0 ? 2.0 : 4.0));
      }
    }
    EXPECT_TRUE(testing::all_close(scalar->get(i).data, want_scalar, 1e-6, 1e-6));
    EXPECT_TRUE(testing::all_close(per_channel->get(i).data, want_channel, 1e-6, 1e-6));
  }
  // Batch-wise equals per-example.
  Example<> b = per_channel->get_batch({4, 1});
  EXPECT_TRUE(same_tensor(b.data[0], per_channel->get(4).data));
  EXPECT_TRUE(same_tensor(b.data[1], per_channel->get(1).data));
  EXPECT_EQ(b.target.to_vector<int64_t>(), (std::vector<int64_t>{4, 1}));
  // Per-feature standardisation of 1-D examples.
  auto table = std::make_shared<TensorDataset>(tensor({{1.0f, 10.0f}, {3.0f, 30.0f}}));
  auto standard = data::map(table, data::transforms::Normalize({2.0, 20.0}, {1.0, 10.0}));
  EXPECT_TRUE(testing::all_close(standard->get_batch({0, 1}).data, {-1, -1, 1, 1}, 0));
  // uint8 data becomes float32.
  auto bytes = std::make_shared<TensorDataset>(tensor(std::vector<uint8_t>{0, 255}, {2, 1}));
  Tensor n = data::map(bytes, data::transforms::Normalize(0.0, 255.0))->get_batch({1}).data;
  EXPECT_EQ(n.dtype(), kFloat32);
  EXPECT_TRUE(testing::all_close(n, {1.0}, 0));
}

TEST(Transforms, NormalizeErrors) {
  EXPECT_TRUE(throws_with<ValueError>(
      [] {
        data::transforms::Normalize({0.1, 0.2}, {1.0});
      },
      {"Normalize", "[0.1, 0.2]", "[1]"}));
  EXPECT_TRUE(throws_with<ValueError>([] { data::transforms::Normalize(0.0, 0.0); },
                                      {"Normalize", "zero"}));
  auto ds = data::map(counting(4), data::transforms::Normalize({0.0, 0.0}, {1.0, 1.0}));
  EXPECT_TRUE(throws_with<ShapeError>([&] { ds->get(0); }, {"Normalize", "2 channels", "[3]"}));
}

TEST(Transforms, ToTensorComposeLambdaTensorLambdaStack) {
  // Two 2x2 RGB uint8 images.
  std::vector<uint8_t> px(2 * 2 * 2 * 3);
  for (size_t i = 0; i < px.size(); ++i) px[i] = static_cast<uint8_t>(i * 10);
  auto images = std::make_shared<TensorDataset>(tensor(px, {2, 2, 2, 3}), testing::range_tensor(2));
  using namespace data::transforms;
  auto ds = data::map(
      images, Compose(ToTensor(), Normalize<>(0.5, 0.5),
                      TensorLambda<>([](Tensor t) { return t * 2; }), Lambda<>([](Example<> e) {
                        e.target = e.target + 10;
                        return e;
                      }),
                      Stack<>()));
  Example<> e = ds->get(1);
  EXPECT_EQ(e.data.sizes(), IntArrayRef({3, 2, 2}));
  EXPECT_EQ(e.target.item<int64_t>(), 11);
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < 2; ++y)
      for (int x = 0; x < 2; ++x) {
        const double raw = px[static_cast<size_t>(12 + (y * 2 + x) * 3 + c)];
        EXPECT_NEAR(testing::value_at(e.data, {c, y, x}), (raw / 255.0 - 0.5) / 0.5 * 2, 1e-6);
      }
  Example<> b = ds->get_batch({1, 0});
  EXPECT_EQ(b.data.sizes(), IntArrayRef({2, 3, 2, 2}));
  EXPECT_TRUE(testing::all_close(b.data[0], e.data, 1e-6));
  EXPECT_EQ(b.target.to_vector<int64_t>(), (std::vector<int64_t>{11, 10}));
  // A batch-wise TensorLambda sees the whole batch.
  auto shapes = std::make_shared<std::vector<int64_t>>();
  auto batchwise = data::map(images, TensorLambda<>(
                                         [shapes](Tensor t) {
                                           shapes->push_back(t.dim());
                                           return t;
                                         },
                                         /*batchwise=*/true));
  batchwise->get_batch({0, 1});
  EXPECT_EQ(*shapes, std::vector<int64_t>{4});
  // A plain lambda through map().
  auto plus = data::map(images, [](Example<> x) {
    x.target = x.target * 3;
    return x;
  });
  EXPECT_EQ(plus->get_batch({1}).target.to_vector<int64_t>(), std::vector<int64_t>{3});
}

TEST(UserDataset, DefaultBatchStacksGet) {
  auto ds = std::make_shared<PairDataset>(7);
  auto sub = data::random_split(ds, {4, 3}, 1);
  Example<> b = sub[1]->get_batch({0, 1, 2});
  for (int64_t i = 0; i < 3; ++i) {
    const int64_t index = sub[1]->indices()[static_cast<size_t>(i)];
    EXPECT_TRUE(testing::all_close(b.data[i], {static_cast<double>(index), index + 1.0}, 0));
    EXPECT_EQ(b.target[i].item<int64_t>(), index % 3);
  }
  // to(CPU) materialises it into a TensorDataset holding the same examples.
  DatasetPtr moved = ds->to(Device(kCPU));
  EXPECT_NE(dynamic_cast<const TensorDataset*>(moved.get()), nullptr);
  EXPECT_TRUE(same_tensor(moved->get_batch({6, 2}).data, ds->get_batch({6, 2}).data));
}

}  // namespace
}  // namespace ember
