// Tests of the joining and indexing ops on the CPU (cat, stack, index_select, gather,
// scatter_add, one_hot, nonzero): values against naive reference loops over host copies, for
// every dtype, several dims (negative ones too) and contiguous, transposed, sliced and broadcast
// inputs; dtype promotion; and bad input (dims, indices, shapes, dtypes, devices) with messages.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "tests/core/index_test_support.h"

namespace ember {
namespace {

using testing::all_close;
using testing::all_dtypes;
using testing::fake_cuda_tensor;
using testing::for_each_index;
using testing::host_random;
using testing::host_random_index;
using testing::HostCopy;
using testing::layouts;
using testing::throws_with;
using testing::values;

int64_t wrap(int64_t dim, int64_t ndim) {
  return dim < 0 ? dim + ndim : dim;
}

std::string describe(DType dt, int64_t dim, const std::string& layout) {
  return std::string(dtype_name(dt)) + " dim " + std::to_string(dim) + " " + layout;
}

TensorOptions opts(DType dt) {
  return TensorOptions().dtype(dt);
}

// ---- cat ----

// The reference of cat: each output position read from the input whose slice holds it.
std::vector<double> cat_reference(const std::vector<HostCopy>& inputs, int64_t dim,
                                  std::vector<int64_t>& out_sizes) {
  out_sizes = inputs[0].sizes;
  out_sizes[dim] = 0;
  for (const HostCopy& h : inputs) out_sizes[dim] += h.sizes[dim];
  std::vector<double> ref;
  for_each_index(out_sizes, [&](const std::vector<int64_t>& idx) {
    int64_t p = idx[dim];
    size_t t = 0;
    while (p >= inputs[t].sizes[dim]) p -= inputs[t++].sizes[dim];
    std::vector<int64_t> src = idx;
    src[dim] = p;
    ref.push_back(inputs[t].at(src));
  });
  return ref;
}

TEST(Cat, MatchesReferenceForEveryDTypeDimAndLayout) {
  uint64_t seed = 100;
  for (DType dt : all_dtypes()) {
    for (int64_t dim : {0, 1, 2, -1, -3}) {
      const int64_t d = wrap(dim, 3);
      std::vector<int64_t> a = {3, 4, 5}, b = a, c = a;
      b[d] = 2;
      c[d] = 1;
      const auto la = layouts(a, dt, seed++), lb = layouts(b, dt, seed++),
                 lc = layouts(c, dt, seed++);
      for (size_t i = 0; i < la.size(); ++i) {
        // Each layout of the first input, with the other two in rotating layouts.
        const Tensor& ta = la[i].tensor;
        const Tensor& tb = lb[(i + 1) % lb.size()].tensor;
        const Tensor& tc = lc[(i + 2) % lc.size()].tensor;
        const Tensor out = cat({ta, tb, tc}, dim);
        std::vector<int64_t> want_sizes;
        const auto ref = cat_reference({HostCopy(ta), HostCopy(tb), HostCopy(tc)}, d, want_sizes);
        EXPECT_EQ(out.dtype(), dt);
        EXPECT_EQ(std::vector<int64_t>(out.sizes().begin(), out.sizes().end()), want_sizes);
        EXPECT_TRUE(all_close(values(out), ref, 0.0)) << describe(dt, dim, la[i].name);
      }
    }
  }
}

TEST(Cat, LargeInputsSplitOverThreads) {
  // Blocks larger than one work piece, contiguous and transposed inputs mixed.
  const Tensor a = host_random({3, 200000}, kFloat32, 1);
  const Tensor b = host_random({3, 90000}, kFloat32, 2);
  const Tensor c = host_random({70000, 3}, kFloat32, 3).t();
  std::vector<int64_t> sizes;
  const Tensor out = cat({a, b, c}, 1);
  EXPECT_TRUE(all_close(values(out),
                        cat_reference({HostCopy(a), HostCopy(b), HostCopy(c)}, 1, sizes), 0.0));
  const Tensor rows = cat({a.t(), b.t().contiguous()}, 0);
  EXPECT_TRUE(
      all_close(values(rows), cat_reference({HostCopy(a.t()), HostCopy(b.t())}, 0, sizes), 0.0));
}

TEST(Cat, PromotesDTypesAcrossInputs) {
  struct Case {
    DType a, b, want;
  };
  const Case cases[] = {{kInt32, kFloat32, kFloat32},    {kUInt8, kBool, kUInt8},
                        {kInt64, kFloat16, kFloat16},    {kInt32, kInt64, kInt64},
                        {kBFloat16, kFloat16, kFloat32}, {kFloat32, kFloat64, kFloat64},
                        {kBool, kInt32, kInt32}};
  uint64_t seed = 200;
  for (const Case& c : cases) {
    // Small integers: exact in every dtype involved.
    const Tensor a = host_random({2, 3}, c.a, seed++, 0, 8, true);
    const Tensor b = host_random({1, 3}, c.b, seed++, 0, 8, true);
    const Tensor out = cat({a, b}, 0);
    EXPECT_EQ(out.dtype(), c.want) << dtype_name(c.a) << " + " << dtype_name(c.b);
    std::vector<int64_t> sizes;
    EXPECT_TRUE(all_close(values(out), cat_reference({HostCopy(a), HostCopy(b)}, 0, sizes), 0.0));
  }
}

TEST(Cat, SkipsLegacyEmptyTensorsButKeepsOtherEmptyOnes) {
  const Tensor a = host_random({2, 3}, kFloat32, 7);
  const Tensor legacy = empty({0}, opts(kFloat64));
  const Tensor out = cat({legacy, a, legacy}, 1);
  EXPECT_EQ(out.sizes(), a.sizes());
  EXPECT_EQ(out.dtype(), kFloat64);  // the skipped tensor still takes part in promotion
  EXPECT_TRUE(all_close(values(out), values(a), 0.0));
  const Tensor only_legacy = cat({legacy, legacy}, 0);
  EXPECT_EQ(only_legacy.dim(), 1);
  EXPECT_EQ(only_legacy.numel(), 0);
  // A [2, 0] tensor is not legacy: it takes part (and adds nothing along dim 1).
  const Tensor with_empty = cat({a, empty({2, 0}, opts(kFloat32))}, 1);
  EXPECT_EQ(with_empty.sizes(), a.sizes());
  EXPECT_TRUE(all_close(values(with_empty), values(a), 0.0));
  EXPECT_TRUE(throws_with<ShapeError>(
      [&] {
        cat({a, empty({0, 3}, opts(kFloat32))}, 1);
      },
      {"cat", "dimension 1", "[0, 3]", "[2, 3]", "tensor 1"}));
}

TEST(Cat, RejectsBadInput) {
  const Tensor a = host_random({2, 3}, kFloat32, 8);
  const Tensor b = host_random({2, 3, 4}, kFloat32, 9);
  const Tensor c = host_random({2, 4}, kFloat32, 10);
  const Tensor z = scalar_tensor(1.0);
  EXPECT_TRUE(throws_with<ValueError>([&] { cat(TensorList{}, 0); }, {"cat", "non-empty"}));
  EXPECT_TRUE(throws_with<ShapeError>(
      [&] {
        cat({a, z}, 0);
      },
      {"cat", "tensor 1", "zero-dimensional"}));
  EXPECT_TRUE(throws_with<ShapeError>(
      [&] {
        cat({a, b}, 0);
      },
      {"cat", "tensor 1", "[2, 3, 4]", "[2, 3]", "3 dims"}));
  EXPECT_TRUE(throws_with<ShapeError>(
      [&] {
        cat({a, c}, 0);
      },
      {"cat", "tensor 1", "[2, 4]", "[2, 3]", "dimension 1", "size 4"}));
  EXPECT_TRUE(throws_with<IndexError>([&] { cat({a, a}, 2); }, {"cat", "dimension 2"}));
  EXPECT_TRUE(throws_with<IndexError>([&] { cat({a, a}, -3); }, {"cat", "dimension -3"}));
  EXPECT_TRUE(throws_with<DeviceError>(
      [&] {
        cat({a, fake_cuda_tensor({2, 3}, kFloat32)}, 0);
      },
      {"cat", "tensor 1", "cuda:0", "cpu"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { cat({a, Tensor()}, 0); }, {"cat", "tensor 1"}));
}

// ---- stack ----

TEST(Stack, MatchesReferenceForDimsDTypesAndLayouts) {
  uint64_t seed = 300;
  for (DType dt : {kFloat32, kFloat16, kInt64, kBool}) {
    for (int64_t dim : {0, 1, 2, -1, -3}) {
      const int64_t d = wrap(dim, 3);
      const auto l0 = layouts({3, 4}, dt, seed++), l1 = layouts({3, 4}, dt, seed++);
      for (size_t i = 0; i < l0.size(); ++i) {
        const Tensor& x = l0[i].tensor;
        const Tensor& y = l1[(i + 1) % l1.size()].tensor;
        const Tensor out = stack({x, y, x}, dim);
        const std::vector<HostCopy> in = {HostCopy(x), HostCopy(y), HostCopy(x)};
        std::vector<int64_t> sizes = {3, 4};
        sizes.insert(sizes.begin() + d, 3);
        EXPECT_EQ(std::vector<int64_t>(out.sizes().begin(), out.sizes().end()), sizes);
        std::vector<double> ref;
        for_each_index(sizes, [&](const std::vector<int64_t>& idx) {
          std::vector<int64_t> src = idx;
          src.erase(src.begin() + d);
          ref.push_back(in[static_cast<size_t>(idx[d])].at(src));
        });
        EXPECT_EQ(out.dtype(), dt);
        EXPECT_TRUE(all_close(values(out), ref, 0.0)) << describe(dt, dim, l0[i].name);
      }
    }
  }
  // Zero-dim tensors stack into a vector, promoting their dtypes.
  const Tensor v = stack({scalar_tensor(1.5), scalar_tensor(2, opts(kInt32))}, 0);
  EXPECT_EQ(v.sizes(), IntArrayRef({2}));
  EXPECT_TRUE(all_close(values(v), {1.5, 2.0}, 0.0));
}

TEST(Stack, RejectsBadInput) {
  const Tensor a = host_random({2, 3}, kFloat32, 11);
  const Tensor b = host_random({2, 4}, kFloat32, 12);
  EXPECT_TRUE(throws_with<ValueError>([&] { stack(TensorList{}, 0); }, {"stack", "non-empty"}));
  EXPECT_TRUE(throws_with<ShapeError>(
      [&] {
        stack({a, a, b}, 0);
      },
      {"stack", "tensor 2", "[2, 4]", "[2, 3]"}));
  EXPECT_TRUE(throws_with<IndexError>(
      [&] {
        stack({a, a}, 3);
      },
      {"stack", "dimension 3", "2 dims", "[-3, 2]"}));
  EXPECT_TRUE(throws_with<IndexError>([&] { stack({a, a}, -4); }, {"stack", "dimension -4"}));
  EXPECT_TRUE(throws_with<DeviceError>(
      [&] {
        stack({a, fake_cuda_tensor({2, 3}, kFloat32)}, 0);
      },
      {"stack", "tensor 1", "cuda:0", "cpu"}));
}

// ---- index_select ----

// out[..., j, ...] = self[..., index[j], ...] along dim.
std::vector<double> index_select_reference(const HostCopy& self, int64_t dim,
                                           const std::vector<double>& index) {
  std::vector<int64_t> sizes = self.sizes;
  sizes[dim] = static_cast<int64_t>(index.size());
  std::vector<double> ref;
  for_each_index(sizes, [&](const std::vector<int64_t>& idx) {
    std::vector<int64_t> src = idx;
    src[dim] = static_cast<int64_t>(index[static_cast<size_t>(idx[dim])]);
    ref.push_back(self.at(src));
  });
  return ref;
}

TEST(IndexSelect, MatchesReferenceForEveryDTypeDimLayoutAndIndexForm) {
  uint64_t seed = 400;
  const std::vector<int64_t> sizes = {4, 5, 6};
  for (DType dt : all_dtypes()) {
    for (int64_t dim : {0, 1, 2, -1, -2}) {
      const int64_t d = wrap(dim, 3);
      // Repeated indices, as int64, as int32, and as a strided (sliced) int64 vector.
      const Tensor wide = host_random_index({14}, 0, sizes[d], seed++);
      const Tensor idx64 = wide.slice(0, 0, 7);
      const Tensor forms[] = {idx64, idx64.to(kInt32), wide.slice(0, 0, 14, 2)};
      for (const auto& l : layouts(sizes, dt, seed++)) {
        for (const Tensor& index : forms) {
          const Tensor out = index_select(l.tensor, dim, index);
          EXPECT_EQ(out.dtype(), dt);
          EXPECT_EQ(out.size(d), index.numel());
          EXPECT_TRUE(all_close(values(out),
                                index_select_reference(HostCopy(l.tensor), d, values(index)), 0.0))
              << describe(dt, dim, l.name) << " index " << dtype_name(index.dtype());
        }
      }
    }
  }
}

TEST(IndexSelect, EmptyZeroDimAndLargeInputs) {
  const Tensor self = host_random({5, 3}, kFloat32, 13);
  const Tensor none = index_select(self, 0, empty({0}, opts(kInt64)));
  EXPECT_EQ(none.sizes(), IntArrayRef({0, 3}));
  // A 0-dim index selects one slice; a 0-dim self takes exactly one index and stays 0-dim.
  const Tensor one = index_select(self, 1, scalar_tensor(2, opts(kInt64)));
  EXPECT_EQ(one.sizes(), IntArrayRef({5, 1}));
  EXPECT_TRUE(all_close(values(one), values(self.slice(1, 2, 3)), 0.0));
  const Tensor s = index_select(scalar_tensor(4.5), 0, tensor({0}));
  EXPECT_EQ(s.dim(), 0);
  EXPECT_EQ(s.item<double>(), 4.5);
  // Many rows: split over threads, contiguous and transposed self.
  const Tensor big = host_random({2000, 64}, kFloat32, 14);
  const Tensor index = host_random_index({5000}, 0, 2000, 15);
  EXPECT_TRUE(all_close(values(index_select(big, 0, index)),
                        index_select_reference(HostCopy(big), 0, values(index)), 0.0));
  const Tensor big_t = host_random({64, 2000}, kFloat32, 16).t();
  EXPECT_TRUE(all_close(values(index_select(big_t, 0, index)),
                        index_select_reference(HostCopy(big_t), 0, values(index)), 0.0));
}

TEST(IndexSelect, RejectsBadInput) {
  const Tensor self = host_random({5, 3}, kFloat32, 17);
  EXPECT_TRUE(throws_with<IndexError>(
      [&] {
        index_select(self, 0, tensor({0, 7, 1}));
      },
      {"index_select: index 7 is out of bounds for dimension 0 with size 5"}));
  EXPECT_TRUE(throws_with<IndexError>(
      [&] { index_select(self, 0, tensor({-1})); },
      {"index_select: index -1 is out of bounds for dimension 0 with size 5"}));
  EXPECT_TRUE(throws_with<IndexError>(
      [&] { index_select(self, -1, tensor({3}).to(kInt32)); },
      {"index_select: index 3 is out of bounds for dimension 1 with size 3"}));
  // Out-of-range indices are refused even when self has no elements to copy.
  EXPECT_TRUE(throws_with<IndexError>(
      [&] {
        index_select(empty({0, 3}, opts(kFloat32)), 0, tensor({0}));
      },
      {"index_select", "index 0 is out of bounds for dimension 0 with size 0"}));
  EXPECT_TRUE(throws_with<DTypeError>(
      [&] {
        index_select(self, 0, tensor({0.0, 1.0}));
      },
      {"index_select", "int64", "float32"}));
  EXPECT_TRUE(throws_with<DTypeError>([&] { index_select(self, 0, tensor({true})); },
                                      {"index_select", "bool"}));
  EXPECT_TRUE(throws_with<ShapeError>(
      [&] {
        index_select(self, 0, tensor({{0, 1}, {1, 0}}));
      },
      {"index_select", "[2, 2]"}));
  EXPECT_TRUE(throws_with<IndexError>([&] { index_select(self, 2, tensor({0})); },
                                      {"index_select", "dimension 2"}));
  EXPECT_TRUE(throws_with<ShapeError>(
      [&] {
        index_select(scalar_tensor(1.0), 0, tensor({0, 0}));
      },
      {"index_select", "exactly one index", "2"}));
  EXPECT_TRUE(
      throws_with<DeviceError>([&] { index_select(self, 0, fake_cuda_tensor({2}, kInt64)); },
                               {"index_select", "cuda:0", "cpu"}));
}

// ---- gather ----

// out[i] = self[i with i[dim] replaced by index[i]] for every position i of index.
std::vector<double> gather_reference(const HostCopy& self, int64_t dim, const HostCopy& index) {
  std::vector<double> ref;
  for_each_index(index.sizes, [&](const std::vector<int64_t>& idx) {
    std::vector<int64_t> src = idx;
    src[dim] = static_cast<int64_t>(index.at(idx));
    ref.push_back(self.at(src));
  });
  return ref;
}

// An int64 index of the given sizes with values in [0, bound), contiguous or transposed.
Tensor random_index(std::vector<int64_t> sizes, int64_t bound, uint64_t seed, bool transposed) {
  if (!transposed) return host_random_index(sizes, 0, bound, seed);
  std::swap(sizes.front(), sizes.back());
  return host_random_index(sizes, 0, bound, seed)
      .transpose(0, static_cast<int64_t>(sizes.size()) - 1);
}

TEST(Gather, MatchesReferenceForEveryDTypeDimAndLayout) {
  uint64_t seed = 500;
  const std::vector<int64_t> sizes = {4, 5, 6};
  for (DType dt : all_dtypes()) {
    for (int64_t dim : {0, 1, 2, -1, -2}) {
      const int64_t d = wrap(dim, 3);
      // Smaller than self in the other dims, larger along dim.
      std::vector<int64_t> index_sizes = {3, 4, 5};
      index_sizes[d] = 8;
      for (const auto& l : layouts(sizes, dt, seed++)) {
        for (bool transposed : {false, true}) {
          const Tensor index = random_index(index_sizes, sizes[d], seed++, transposed);
          const Tensor out = gather(l.tensor, dim, index);
          EXPECT_EQ(out.dtype(), dt);
          EXPECT_EQ(out.sizes(), index.sizes());
          EXPECT_TRUE(
              all_close(values(out), gather_reference(HostCopy(l.tensor), d, HostCopy(index)), 0.0))
              << describe(dt, dim, l.name) << (transposed ? " transposed index" : "");
          const Tensor out32 = gather(l.tensor, dim, index.to(kInt32));
          EXPECT_TRUE(all_close(values(out32), values(out), 0.0));
        }
      }
    }
  }
}

TEST(Gather, ZeroDimEmptyAndLargeInputs) {
  const Tensor s = scalar_tensor(2.5);
  const Tensor g0 = gather(s, 0, scalar_tensor(0, opts(kInt64)));
  EXPECT_EQ(g0.dim(), 0);
  EXPECT_EQ(g0.item<double>(), 2.5);
  const Tensor g1 = gather(s, -1, tensor({0, 0, 0}));
  EXPECT_EQ(g1.sizes(), IntArrayRef({3}));
  EXPECT_TRUE(all_close(values(g1), {2.5, 2.5, 2.5}, 0.0));
  const Tensor self = host_random({3, 4}, kFloat32, 18);
  EXPECT_EQ(gather(self, 1, empty({3, 0}, opts(kInt64))).sizes(), IntArrayRef({3, 0}));
  const Tensor big = host_random({300, 500}, kFloat64, 19);
  for (int64_t dim : {0, 1}) {
    const Tensor index = host_random_index({300, 500}, 0, big.size(dim), 20 + dim);
    EXPECT_TRUE(all_close(values(gather(big, dim, index)),
                          gather_reference(HostCopy(big), dim, HostCopy(index)), 0.0));
  }
}

TEST(Gather, RejectsBadInput) {
  const Tensor self = host_random({4, 6}, kFloat32, 21);
  EXPECT_TRUE(throws_with<IndexError>(
      [&] {
        gather(self, 1, tensor({{0, 6}, {1, 2}}));
      },
      {"gather: index 6 is out of bounds for dimension 1 with size 6"}));
  EXPECT_TRUE(throws_with<IndexError>(
      [&] {
        gather(self, 0, tensor({{0, -2}}));
      },
      {"gather: index -2 is out of bounds for dimension 0 with size 4"}));
  EXPECT_TRUE(throws_with<ShapeError>(
      [&] {
        gather(self, 0, tensor({0, 1}));
      },
      {"gather", "[2]", "[4, 6]", "dims"}));
  EXPECT_TRUE(throws_with<ShapeError>(
      [&] {
        gather(self, 1, zeros({5, 2}, opts(kInt64)));
      },
      {"gather", "[5, 2]", "[4, 6]", "dimension 0"}));
  EXPECT_TRUE(throws_with<DTypeError>(
      [&] {
        gather(self, 1, zeros({4, 2}, opts(kFloat32)));
      },
      {"gather", "int64", "float32"}));
  EXPECT_TRUE(throws_with<IndexError>(
      [&] {
        gather(self, -3, zeros({4, 2}, opts(kInt64)));
      },
      {"gather", "dimension -3"}));
  EXPECT_TRUE(throws_with<DeviceError>(
      [&] {
        gather(self, 1, fake_cuda_tensor({4, 2}, kInt64));
      },
      {"gather", "cuda:0", "cpu"}));
}

// ---- scatter_add ----

// The value v after a store into a tensor of dtype dt.
double round_to(double v, DType dt) {
  switch (dt) {
    case kFloat32:
      return static_cast<float>(v);
    case kFloat16:
      return static_cast<float>(Half(static_cast<float>(v)));
    case kBFloat16:
      return static_cast<float>(BFloat16(static_cast<float>(v)));
    case kBool:
      return v != 0 ? 1.0 : 0.0;
    default:
      return v;
  }
}

// self with src added at index along dim, one addition at a time in index order, each result
// rounded to dt (the order a sequential loop accumulates in).
std::vector<double> scatter_add_reference(const HostCopy& self, int64_t dim, const HostCopy& index,
                                          const HostCopy& src, DType dt) {
  std::vector<double> out = self.data;
  for_each_index(index.sizes, [&](const std::vector<int64_t>& idx) {
    std::vector<int64_t> target = idx;
    target[dim] = static_cast<int64_t>(index.at(idx));
    double& o = out[static_cast<size_t>(self.linear(target))];
    o = round_to(o + src.at(idx), dt);
  });
  return out;
}

TEST(ScatterAdd, MatchesSequentialReferenceForEveryDTypeDimAndLayout) {
  uint64_t seed = 600;
  const std::vector<int64_t> sizes = {4, 5, 6};
  for (DType dt : all_dtypes()) {
    for (int64_t dim : {0, 1, -1}) {
      const int64_t d = wrap(dim, 3);
      std::vector<int64_t> index_sizes = {3, 4, 5}, src_sizes = {4, 5, 6};
      index_sizes[d] = 9;  // more indices than positions: repeated targets accumulate
      src_sizes[d] = 10;   // src may be larger than index
      const auto self_layouts = layouts(sizes, dt, seed++);
      const auto src_layouts = layouts(src_sizes, dt, seed++);
      for (size_t i = 0; i < self_layouts.size(); ++i) {
        const Tensor& self = self_layouts[i].tensor;
        const Tensor& src = src_layouts[(i + 1) % src_layouts.size()].tensor;
        const Tensor index = random_index(index_sizes, sizes[d], seed++, i % 2 == 1);
        const Tensor out = scatter_add(self, dim, index, src);
        EXPECT_EQ(out.dtype(), dt);
        EXPECT_EQ(out.sizes(), self.sizes());
        EXPECT_TRUE(all_close(
            values(out),
            scatter_add_reference(HostCopy(self), d, HostCopy(index), HostCopy(src), dt), 0.0))
            << describe(dt, dim, self_layouts[i].name);
      }
    }
  }
}

TEST(ScatterAdd, FloatSumsFollowIndexOrderOnEveryRun) {
  // Many additions per element of values of very different magnitudes, split over threads by
  // row: the result must be exactly the sequential sum in index order.
  const Tensor self = zeros({8, 16}, opts(kFloat32));
  const Tensor index = host_random_index({8, 40000}, 0, 16, 22);
  const Tensor src = host_random({8, 40000}, kFloat32, 23, -20, 20).exp();
  const auto ref =
      scatter_add_reference(HostCopy(self), 1, HostCopy(index), HostCopy(src), kFloat32);
  for (int run = 0; run < 2; ++run)
    EXPECT_TRUE(all_close(values(scatter_add(self, 1, index, src)), ref, 0.0)) << "run " << run;
}

TEST(ScatterAdd, InPlaceWritesThroughViewsAndBumpsTheVersion) {
  const Tensor base = host_random({6, 4}, kFloat64, 24);
  Tensor view = base.t();  // [4, 6], strided
  const Tensor index = host_random_index({4, 9}, 0, 6, 25);
  const Tensor src = host_random({4, 9}, kFloat64, 26);
  const auto ref =
      scatter_add_reference(HostCopy(view), 1, HostCopy(index), HostCopy(src), kFloat64);
  const uint32_t version = base.version();
  Tensor& result = view.scatter_add_(1, index, src);
  EXPECT_EQ(&result, &view);
  EXPECT_GT(base.version(), version);
  EXPECT_TRUE(all_close(values(base.t()), ref, 0.0));
  // Zero-dim self, index and src.
  Tensor s = scalar_tensor(1.5);
  s.scatter_add_(0, scalar_tensor(0, opts(kInt64)), scalar_tensor(2.0));
  EXPECT_EQ(s.item<double>(), 3.5);
}

TEST(ScatterAdd, RejectsBadInputAndLeavesSelfUnchanged) {
  Tensor self = zeros({5, 3}, opts(kFloat32));
  const Tensor src = ones({5, 3}, opts(kFloat32));
  EXPECT_TRUE(throws_with<IndexError>(
      [&] {
        self.scatter_add_(0, tensor({{0, 1, 2}, {3, 4, 5}}), src);
      },
      {"scatter_add: index 5 is out of bounds for dimension 0 with size 5"}));
  EXPECT_TRUE(all_close(values(self), std::vector<double>(15, 0.0), 0.0));  // nothing written
  EXPECT_TRUE(throws_with<IndexError>(
      [&] { scatter_add(self, 1, tensor({{-1}}), src); },
      {"scatter_add: index -1 is out of bounds for dimension 1 with size 3"}));
  EXPECT_TRUE(throws_with<DTypeError>(
      [&] {
        scatter_add(self, 0, tensor({{0}}), ones({5, 3}, opts(kFloat64)));
      },
      {"scatter_add", "float64", "float32"}));
  EXPECT_TRUE(throws_with<DTypeError>([&] { scatter_add(self, 0, tensor({{0.0}}), src); },
                                      {"scatter_add", "int64", "float32"}));
  EXPECT_TRUE(throws_with<ShapeError>(
      [&] {
        scatter_add(self, 0, zeros({6, 4}, opts(kInt64)), ones({7, 4}, opts(kFloat32)));
      },
      {"scatter_add", "[6, 4]", "[5, 3]", "dimension 1"}));
  EXPECT_TRUE(throws_with<ShapeError>(
      [&] {
        scatter_add(self, 0, zeros({4, 3}, opts(kInt64)), ones({3, 3}, opts(kFloat32)));
      },
      {"scatter_add", "[4, 3]", "src [3, 3]", "dimension 0"}));
  EXPECT_TRUE(throws_with<ShapeError>([&] { scatter_add(self, 0, tensor({0}), src); },
                                      {"scatter_add", "[1]", "[5, 3]", "dims"}));
  EXPECT_TRUE(throws_with<IndexError>([&] { scatter_add(self, 2, tensor({{0}}), src); },
                                      {"scatter_add", "dimension 2"}));
  EXPECT_TRUE(throws_with<DeviceError>(
      [&] {
        scatter_add(self, 0, tensor({{0}}), fake_cuda_tensor({5, 3}, kFloat32));
      },
      {"scatter_add", "src", "cuda:0"}));
}

// ---- one_hot ----

std::vector<double> one_hot_reference(const HostCopy& index, int64_t classes) {
  std::vector<double> ref;
  for (double v : index.data)
    for (int64_t c = 0; c < classes; ++c) ref.push_back(static_cast<int64_t>(v) == c ? 1.0 : 0.0);
  return ref;
}

TEST(OneHot, MatchesReference) {
  const Tensor index = host_random_index({3, 4}, 0, 5, 27);
  int64_t max = 0;
  for (double v : values(index)) max = std::max(max, static_cast<int64_t>(v));
  const Tensor inferred = one_hot(index);
  EXPECT_EQ(inferred.dtype(), kInt64);
  EXPECT_EQ(inferred.sizes(), IntArrayRef({3, 4, max + 1}));
  EXPECT_TRUE(all_close(values(inferred), one_hot_reference(HostCopy(index), max + 1), 0.0));
  const Tensor given = one_hot(index.t(), 7);
  EXPECT_EQ(given.sizes(), IntArrayRef({4, 3, 7}));
  EXPECT_TRUE(all_close(values(given), one_hot_reference(HostCopy(index.t()), 7), 0.0));
  EXPECT_TRUE(
      all_close(values(one_hot(index.to(kInt32), 6)), one_hot_reference(HostCopy(index), 6), 0.0));
  const Tensor scalar = one_hot(scalar_tensor(2, opts(kInt64)), 4);
  EXPECT_EQ(scalar.sizes(), IntArrayRef({4}));
  EXPECT_TRUE(all_close(values(scalar), {0, 0, 1, 0}, 0.0));
  EXPECT_EQ(one_hot(empty({0}, opts(kInt64)), 3).sizes(), IntArrayRef({0, 3}));
}

TEST(OneHot, RejectsBadInput) {
  EXPECT_TRUE(throws_with<ValueError>(
      [&] {
        one_hot(tensor({1, -1, 2}));
      },
      {"one_hot", "non-negative", "-1"}));
  EXPECT_TRUE(throws_with<ValueError>(
      [&] {
        one_hot(tensor({1, 5}), 5);
      },
      {"one_hot", "num_classes 5", "got 5"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { one_hot(empty({0}, opts(kInt64))); },
                                      {"one_hot", "empty", "num_classes"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { one_hot(tensor({1}), -2); }, {"one_hot", "-2"}));
  EXPECT_TRUE(throws_with<DTypeError>([&] { one_hot(tensor({1.0})); }, {"one_hot", "float32"}));
}

// ---- nonzero ----

std::vector<double> nonzero_reference(const HostCopy& self) {
  std::vector<double> ref;
  for_each_index(self.sizes, [&](const std::vector<int64_t>& idx) {
    if (self.at(idx) != 0) ref.insert(ref.end(), idx.begin(), idx.end());
  });
  return ref;
}

TEST(Nonzero, MatchesReferenceForEveryDTypeAndLayout) {
  uint64_t seed = 700;
  for (DType dt : all_dtypes()) {
    // Values in {-1, 0, 1}: about a third are zero.
    for (const auto& l : layouts({5, 6, 7}, dt, seed++, -1, 2, true)) {
      const Tensor out = nonzero(l.tensor);
      const auto ref = nonzero_reference(HostCopy(l.tensor));
      EXPECT_EQ(out.dtype(), kInt64);
      EXPECT_EQ(out.sizes(), IntArrayRef({static_cast<int64_t>(ref.size()) / 3, 3}));
      EXPECT_TRUE(all_close(values(out), ref, 0.0)) << dtype_name(dt) << " " << l.name;
    }
  }
}

TEST(Nonzero, SpecialValuesZeroDimEmptyAndLarge) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const Tensor special = tensor({0.0, -0.0, nan, 1.0, 0.0});
  EXPECT_TRUE(all_close(values(nonzero(special)), {2, 3}, 0.0));
  EXPECT_TRUE(all_close(values(nonzero(special.to(kFloat16))), {2, 3}, 0.0));
  EXPECT_EQ(nonzero(scalar_tensor(3.0)).sizes(), IntArrayRef({1, 0}));
  EXPECT_EQ(nonzero(scalar_tensor(0.0)).sizes(), IntArrayRef({0, 0}));
  EXPECT_EQ(nonzero(empty({2, 0, 3}, opts(kFloat32))).sizes(), IntArrayRef({0, 3}));
  // Several counting chunks, strided input.
  const Tensor big = host_random({1000, 300}, kInt32, 28, -1, 2).t();
  EXPECT_TRUE(all_close(values(nonzero(big)), nonzero_reference(HostCopy(big)), 0.0));
}

}  // namespace
}  // namespace ember
