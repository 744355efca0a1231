// The bodies of the CUDA joining and indexing kernels (kernels/cuda/index_body.h) run by plain CPU
// loops, item by item, against the CPU kernels: cat's batched word copies, index_select, gather
// and scatter_add (its keys, a stable sort standing in for CUB's radix sort, and the ordered adds:
// bit-identical to the CPU), on contiguous and strided layouts, and the recording of the first bad
// index. Runs in every build, without a GPU.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <vector>

#include "cuda_test_util.h"
#include "kernels/cuda/index_body.h"
#include "kernels/dtype_dispatch.h"

namespace ember::cuda {
namespace {

using ::ember::testing::FreshRandom;
using ::ember::testing::identical;

DimArray dims_of(IntArrayRef values) {
  DimArray a{};
  for (size_t d = 0; d < values.size(); ++d) a.v[d] = values[d];
  return a;
}

template <typename Body>
void run_all(const Body& body) {
  for (int64_t i = 0; i < body.work_items(); ++i) body(i);
}

// Random int64 indices in [lo, hi) of the given shape.
Tensor random_index(FreshRandom& random, IntArrayRef sizes, int64_t lo, int64_t hi) {
  return random.uniform(sizes, kInt64, static_cast<double>(lo), static_cast<double>(hi));
}

template <typename Word>
void check_cat_words(const std::vector<Tensor>& inputs, int64_t dim) {
  const Tensor expected = cat(inputs, dim);
  Tensor out = empty(expected.sizes(), TensorOptions().dtype(expected.dtype()));
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < dim; ++d) outer *= out.size(d);
  for (int64_t d = dim + 1; d < out.dim(); ++d) inner *= out.size(d);
  const int64_t elem = static_cast<int64_t>(out.element_size()), w = sizeof(Word);
  CatBody<Word> body;
  body.out = static_cast<Word*>(out.data_ptr());
  body.out_row = out.size(dim) * inner * elem / w;
  body.count = static_cast<int>(inputs.size());
  int64_t items = 0, offset = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    body.src[i] = static_cast<const Word*>(inputs[i].data_ptr());
    body.row_words[i] = inputs[i].size(dim) * inner * elem / w;
    body.out_offset[i] = offset * inner * elem / w;
    body.first[i] = items;
    items += outer * body.row_words[i];
    offset += inputs[i].size(dim);
  }
  body.first[inputs.size()] = items;
  run_all(body);
  EXPECT_TRUE(identical(out, expected));
}

TEST(IndexBody, CatCopiesEachInputsRowsAsWords) {
  FreshRandom random;
  std::vector<Tensor> floats;
  for (int64_t k : {3, 1, 8, 5}) floats.push_back(random.uniform({4, k, 6}, kFloat32));
  check_cat_words<uint32_t>(floats, 1);  // rows of 6 floats: 4-byte words
  check_cat_words<uint8_t>(floats, 1);
  std::vector<Tensor> doubles;
  for (int64_t k : {2, 7, 1}) doubles.push_back(random.uniform({k, 4}, kFloat64));
  check_cat_words<uint64_t>(doubles, 0);
  check_cat_words<uint16_t>(doubles, 0);
  std::vector<Tensor> halves;
  for (int64_t k : {8, 16}) halves.push_back(random.uniform({3, k}, kFloat16));
  check_cat_words<uint64_t>(halves, 1);  // 16 and 32 bytes per row
}

TEST(IndexBody, IndexSelectOnContiguousAndStridedSelf) {
  FreshRandom random;
  const Tensor base = random.uniform({6, 7, 8}, kFloat32);
  const Tensor index = random_index(random, {22}, 0, 7).slice(0, 0, 22, 2);  // stride 2
  for (const Tensor& self : {base, base.permute({2, 1, 0}).contiguous().permute({2, 1, 0})}) {
    const Tensor expected = index_select(self, 1, index);
    Tensor out = empty(expected.sizes());
    unsigned long long bad = kNoBadIndex;
    IndexSelectBody<float> body{};
    body.out = static_cast<float*>(out.data_ptr());
    body.self = static_cast<const float*>(self.data_ptr());
    body.index = index.data_ptr<int64_t>();
    body.index_stride = index.stride(0);
    body.num_indices = index.numel();
    body.inner = 8;
    body.dim_size = 7;
    body.bad = &bad;
    body.ndim = 3;
    body.dim = 1;
    body.self_contiguous = self.is_contiguous();
    body.sizes = dims_of(self.sizes());
    body.strides = dims_of(self.strides());
    body.numel = out.numel();
    run_all(body);
    EXPECT_EQ(bad, kNoBadIndex);
    EXPECT_TRUE(identical(out, expected));
    // Bad values at positions 4 and 9: the first is recorded, nothing is read through them.
    Tensor bad_index = index.clone();
    bad_index.select(0, 9).fill_(-1);
    bad_index.select(0, 4).fill_(7);
    body.index = bad_index.data_ptr<int64_t>();
    body.index_stride = 1;
    run_all(body);
    EXPECT_EQ(bad, 4u);
  }
}

TEST(IndexBody, IndexCheckRecordsTheFirstBadPosition) {
  Tensor index =
      tensor(std::vector<int64_t>{0, 3, 5, 2, -4, 9}, {2, 3}).t();  // row-major: 0 2 3 -4 5 9
  unsigned long long bad = kNoBadIndex;
  IndexCheckBody body{};
  body.index = index.data_ptr<int64_t>();
  body.ndim = 2;
  body.sizes = dims_of(index.sizes());
  body.strides = dims_of(index.strides());
  body.size = 5;
  body.bad = &bad;
  body.numel = 6;
  run_all(body);
  EXPECT_EQ(bad, 3u);  // -4, the first in row-major order of the transposed view
}

TEST(IndexBody, GatherAlongEachDim) {
  FreshRandom random;
  const Tensor self =
      random.uniform({5, 9, 4}, kFloat64).transpose(0, 2).contiguous().transpose(0, 2);
  for (int dim = 0; dim < 3; ++dim) {
    SCOPED_TRACE("dim " + std::to_string(dim));
    std::vector<int64_t> isizes{4, 6, 3};
    const Tensor index = random_index(random, isizes, 0, self.size(dim));
    const Tensor expected = gather(self, dim, index);
    Tensor out = empty(index.sizes(), TensorOptions().dtype(kFloat64));
    unsigned long long bad = kNoBadIndex;
    GatherBody<double> body{};
    body.out = static_cast<double*>(out.data_ptr());
    body.self = static_cast<const double*>(self.data_ptr());
    body.index = index.data_ptr<int64_t>();
    body.dim_size = self.size(dim);
    body.bad = &bad;
    body.ndim = 3;
    body.dim = dim;
    body.sizes = dims_of(index.sizes());
    body.index_strides = dims_of(index.strides());
    body.self_strides = dims_of(self.strides());
    body.out_strides = dims_of(out.strides());
    body.numel = index.numel();
    run_all(body);
    EXPECT_EQ(bad, kNoBadIndex);
    EXPECT_TRUE(identical(out, expected));
    Tensor bad_index = index.clone();
    bad_index.view({-1}).select(0, 17).fill_(self.size(dim));
    body.index = bad_index.data_ptr<int64_t>();
    run_all(body);
    EXPECT_EQ(bad, 17u);
  }
}

// scatter_add as the CUDA row runs it: keys, a stable sort by key, ordered adds.
template <typename T>
void emulate_scatter_add(const Tensor& out, int64_t dim, const Tensor& index, const Tensor& src,
                         unsigned long long* bad) {
  const int64_t n = index.numel();
  std::vector<uint64_t> keys(static_cast<size_t>(n));
  std::vector<int32_t> positions(static_cast<size_t>(n));
  ScatterKeysBody<uint64_t> keys_body{};
  keys_body.index = index.data_ptr<int64_t>();
  keys_body.dim_size = out.size(dim);
  keys_body.bad = bad;
  keys_body.keys = keys.data();
  keys_body.positions = positions.data();
  keys_body.ndim = static_cast<int>(index.dim());
  keys_body.dim = static_cast<int>(dim);
  keys_body.sizes = dims_of(index.sizes());
  keys_body.index_strides = dims_of(index.strides());
  keys_body.out_strides = dims_of(out.strides());
  keys_body.numel = n;
  run_all(keys_body);
  if (*bad != kNoBadIndex) return;
  std::vector<size_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return keys[a] < keys[b]; });
  std::vector<uint64_t> sorted_keys;
  std::vector<int32_t> sorted_positions;
  for (size_t i : order) {
    sorted_keys.push_back(keys[i]);
    sorted_positions.push_back(positions[i]);
  }
  ScatterAddBody<T, uint64_t> body{};
  body.out = static_cast<T*>(out.data_ptr());
  body.src = static_cast<const T*>(src.data_ptr());
  body.keys = sorted_keys.data();
  body.positions = sorted_positions.data();
  body.ndim = keys_body.ndim;
  body.sizes = keys_body.sizes;
  body.src_strides = dims_of(src.strides());
  body.numel = n;
  run_all(body);
}

TEST(IndexBody, ScatterAddMatchesCpuBitForBit) {
  FreshRandom random;
  for (DType dtype : {kFloat32, kFloat16, kInt64, kBool}) {
    for (int dim = 0; dim < 2; ++dim) {
      SCOPED_TRACE(std::string(dtype_name(dtype)) + " dim " + std::to_string(dim));
      const Tensor self = random.uniform({6, 7}, dtype);
      // Many repeats per target: the order of adds matters for floats.
      const Tensor index =
          random_index(random, {dim == 0 ? 40 : 5, dim == 0 ? 6 : 30}, 0, self.size(dim));
      const Tensor src = random.uniform({45, 33}, dtype).t().contiguous().t();  // strided src
      const Tensor expected = scatter_add(self, dim, index, src);
      Tensor out = self.t().contiguous().t();  // a strided copy of self
      unsigned long long bad = kNoBadIndex;
      dispatch_dtype<TypeList<float, Half, int64_t, bool>>(dtype, "test", [&](auto tag) {
        emulate_scatter_add<typename decltype(tag)::type>(out, dim, index, src, &bad);
      });
      EXPECT_EQ(bad, kNoBadIndex);
      EXPECT_TRUE(identical(out, expected));
    }
  }
  // A bad index is recorded before anything is added.
  const Tensor self = zeros({3, 4});
  Tensor index = zeros({2, 4}, TensorOptions().dtype(kInt64));
  index.view({-1}).select(0, 6).fill_(3);
  Tensor out = self.clone();
  unsigned long long bad = kNoBadIndex;
  emulate_scatter_add<float>(out, 0, index, ones({2, 4}), &bad);
  EXPECT_EQ(bad, 6u);
  EXPECT_TRUE(identical(out, self));
}

}  // namespace
}  // namespace ember::cuda
