// Views share storage and compute the right geometry: view/reshape (and when reshape copies),
// transpose/permute/slice/select/expand/squeeze/unsqueeze/flatten/unflatten/split/chunk/unbind,
// as_strided, contiguous/clone, and errors for impossible views.
#include "support/test_util.h"

namespace ember {
namespace {

using testing::throws_with;
using testing::values;

Tensor iota(IntArrayRef sizes, DType dt = kFloat32) {
  int64_t n = 1;
  for (int64_t s : sizes) n *= s;
  std::vector<float> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = static_cast<float>(i);
  return tensor(v, sizes).to(dt);
}

bool shares_storage(const Tensor& a, const Tensor& b) {
  return a.storage().get() == b.storage().get();
}

TEST(View, ViewAndReshapeShareStorageWhenTheyCan) {
  Tensor a = iota({2, 3, 4});
  Tensor v = a.view({6, 4});
  EXPECT_TRUE(shares_storage(a, v));
  EXPECT_EQ(v.sizes(), IntArrayRef({6, 4}));
  EXPECT_EQ(a.view({-1}).sizes(), IntArrayRef({24}));
  EXPECT_EQ(a.view({4, -1}).sizes(), IntArrayRef({4, 6}));
  // A write through the view is seen by the base.
  v.select(0, 1).fill_(-1);
  EXPECT_EQ(values(a.select(0, 0).select(0, 1)), (std::vector<double>{-1, -1, -1, -1}));
  // Transposed: view fails, reshape copies.
  Tensor t = a.transpose(1, 2);
  EXPECT_TRUE(throws_with<ShapeError>([&] { t.view({24}); }, {"view", "reshape"}));
  Tensor r = t.reshape({24});
  EXPECT_FALSE(shares_storage(r, a));
  EXPECT_EQ(values(r), values(t.contiguous()));
  // Splitting a dim of a non-contiguous tensor is still a view.
  Tensor s = a.transpose(0, 2).view({2, 2, 3, 2});
  EXPECT_TRUE(shares_storage(s, a));
  EXPECT_TRUE(throws_with<ShapeError>([&] { a.view({5, 5}); }, {"view", "[5, 5]", "24"}));
  EXPECT_TRUE(throws_with<ShapeError>([&] { a.view({-1, -1}); }, {"view", "one dimension"}));
}

TEST(View, TransposePermuteT) {
  Tensor a = iota({2, 3, 4});
  Tensor p = a.permute({2, 0, 1});
  EXPECT_EQ(p.sizes(), IntArrayRef({4, 2, 3}));
  EXPECT_EQ(p.strides(), IntArrayRef({1, 12, 4}));
  EXPECT_EQ(testing::value_at(p, {3, 1, 2}), testing::value_at(a, {1, 2, 3}));
  EXPECT_FALSE(p.is_contiguous());
  EXPECT_TRUE(p.contiguous().is_contiguous());
  EXPECT_EQ(values(p.contiguous()), values(p));
  Tensor m = iota({2, 3});
  EXPECT_EQ(values(m.t()), (std::vector<double>{0, 3, 1, 4, 2, 5}));
  EXPECT_TRUE(throws_with<ShapeError>([&] { a.t(); }, {"t", "3-D"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { a.permute({0, 0, 1}); }, {"permute", "repeats"}));
  EXPECT_TRUE(throws_with<IndexError>([&] { a.transpose(0, 3); }, {"transpose", "3", "range"}));
}

TEST(View, SliceNarrowSelectIndex) {
  Tensor a = iota({5, 4});
  EXPECT_EQ(values(a.slice(0, 1, 4, 2)), (std::vector<double>{4, 5, 6, 7, 12, 13, 14, 15}));
  EXPECT_EQ(values(a.slice(1, -2)), (std::vector<double>{2, 3, 6, 7, 10, 11, 14, 15, 18, 19}));
  EXPECT_EQ(a.slice(0, 10, 20).size(0), 0);  // clamped like Python slicing
  EXPECT_EQ(values(a.narrow(1, 1, 2).select(0, 4)), (std::vector<double>{17, 18}));
  EXPECT_EQ(a[2][3].item<float>(), 11.0f);
  EXPECT_EQ(a.select(1, -1).sizes(), IntArrayRef({5}));
  EXPECT_TRUE(shares_storage(a.slice(0, 1, 3), a));
  EXPECT_TRUE(throws_with<IndexError>([&] { a.select(0, 5); }, {"select", "5", "size 5"}));
  EXPECT_TRUE(throws_with<IndexError>([&] { a.narrow(0, 3, 3); }, {"narrow", "3"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { a.slice(0, 0, 2, 0); }, {"slice", "step"}));
}

TEST(View, ExpandSqueezeUnsqueeze) {
  Tensor a = iota({3, 1});
  Tensor e = a.expand({2, 3, 4});
  EXPECT_EQ(e.sizes(), IntArrayRef({2, 3, 4}));
  EXPECT_EQ(e.strides(), IntArrayRef({0, 1, 0}));
  EXPECT_EQ(testing::value_at(e, {1, 2, 3}), 2.0);
  EXPECT_EQ(a.expand({-1, 5}).sizes(), IntArrayRef({3, 5}));
  EXPECT_TRUE(throws_with<ShapeError>([&] { a.expand({4, 4}); }, {"expand", "4", "3"}));
  EXPECT_EQ(a.unsqueeze(0).sizes(), IntArrayRef({1, 3, 1}));
  EXPECT_EQ(a.unsqueeze(-1).sizes(), IntArrayRef({3, 1, 1}));
  EXPECT_EQ(a.squeeze().sizes(), IntArrayRef({3}));
  EXPECT_EQ(a.squeeze(0).sizes(), IntArrayRef({3, 1}));
  EXPECT_EQ(a.squeeze(1).sizes(), IntArrayRef({3}));
  EXPECT_EQ(iota({1}).squeeze().dim(), 0);
  EXPECT_TRUE(throws_with<IndexError>([&] { a.unsqueeze(3); }, {"unsqueeze", "3"}));
}

TEST(View, FlattenUnflattenSplitChunkUnbind) {
  Tensor a = iota({2, 3, 4});
  EXPECT_EQ(a.flatten().sizes(), IntArrayRef({24}));
  EXPECT_EQ(a.flatten(1).sizes(), IntArrayRef({2, 12}));
  EXPECT_EQ(a.flatten(0, 1).sizes(), IntArrayRef({6, 4}));
  EXPECT_EQ(a.unflatten(2, {2, 2}).sizes(), IntArrayRef({2, 3, 2, 2}));
  EXPECT_EQ(a.unflatten(1, {-1, 1}).sizes(), IntArrayRef({2, 3, 1, 4}));
  auto parts = a.split(3, 2);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].sizes(), IntArrayRef({2, 3, 3}));
  EXPECT_EQ(parts[1].sizes(), IntArrayRef({2, 3, 1}));
  auto sized = a.split_with_sizes({1, 2}, 1);
  EXPECT_EQ(sized[1].sizes(), IntArrayRef({2, 2, 4}));
  auto chunks = iota({10}).chunk(4);
  ASSERT_EQ(chunks.size(), 4u);  // sizes 3, 3, 3, 1 like PyTorch
  EXPECT_EQ(chunks[3].numel(), 1);
  auto rows = a.unbind(1);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(values(rows[2].select(0, 1)), (std::vector<double>{20, 21, 22, 23}));
  EXPECT_TRUE(throws_with<ShapeError>(
      [&] {
        a.split_with_sizes({1, 1}, 1);
      },
      {"split_with_sizes", "2", "3"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { a.chunk(0); }, {"chunk"}));
}

TEST(View, AsStridedAndBounds) {
  Tensor a = iota({9});
  Tensor m = a.as_strided({3, 3}, {3, 1}, 0);
  EXPECT_EQ(values(m.t()), (std::vector<double>{0, 3, 6, 1, 4, 7, 2, 5, 8}));
  Tensor diag = a.as_strided({3}, {4}, 0);
  EXPECT_EQ(values(diag), (std::vector<double>{0, 4, 8}));
  EXPECT_TRUE(throws_with<ShapeError>(
      [&] {
        a.as_strided({3, 3}, {3, 2}, 0);
      },
      {"as_strided", "storage"}));
}

TEST(View, CloneContiguousCopy) {
  Tensor a = iota({3, 4});
  Tensor c = a.clone();
  EXPECT_FALSE(shares_storage(a, c));
  c.fill_(0);
  EXPECT_EQ(a.sum().item<double>(), 66.0);
  Tensor t = a.t();
  EXPECT_TRUE(a.contiguous().is_same(a));
  EXPECT_FALSE(t.contiguous().is_same(t));
  Tensor dst = zeros({4, 3}, kFloat64);
  dst.copy_(t);
  EXPECT_EQ(values(dst), values(t));
  Tensor row = zeros({3, 4}, kInt32);
  row.copy_(tensor({1, 2, 3, 4}));  // broadcast copy with conversion
  EXPECT_EQ(values(row.select(0, 2)), (std::vector<double>{1, 2, 3, 4}));
  EXPECT_TRUE(throws_with<ShapeError>([&] { row.copy_(ones({5})); }, {"expand"}));
}

}  // namespace
}  // namespace ember
