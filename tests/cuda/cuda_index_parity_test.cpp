// The CUDA joining, indexing, sorting and scan ops against their CPU results on fresh random
// inputs: cat, index_select, gather, scatter_add, nonzero, sort, topk and cumsum, over dims,
// dtypes and contiguous, strided and broadcast layouts (exact for everything but floating cumsum,
// whose chunks associate differently); bounds errors with the CPU's IndexError and message, and an
// untouched output after a bad scatter_add; determinism.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "cuda_test_util.h"

namespace ember::testing {
namespace {

const bool kRegistered = register_parity_tested(
    {"cat", "index_select", "gather", "scatter_add", "nonzero", "sort", "topk", "cumsum"});

const std::vector<DType> kAll = all_dtypes();

// A tensor on the GPU with the layout of a CPU view: the same view of a copy of its base.
struct Pair {
  Tensor cpu, cuda;
};

// [a, b, c] reached as contiguous, permuted (strided) or sliced with a step.
std::vector<Pair> layouts_of(FreshRandom& random, std::vector<int64_t> sizes, DType dtype,
                             double lo = -3, double hi = 3) {
  std::vector<Pair> out;
  const Tensor c = random.uniform(sizes, dtype, lo, hi);
  out.push_back({c, c.to(cuda0())});
  const Tensor p = random.uniform({sizes[2], sizes[0], sizes[1]}, dtype, lo, hi);
  out.push_back({p.permute({1, 2, 0}), p.to(cuda0()).permute({1, 2, 0})});
  const Tensor s = random.uniform({sizes[0], sizes[1], 2 * sizes[2]}, dtype, lo, hi);
  out.push_back({s.slice(2, 0, 2 * sizes[2], 2), s.to(cuda0()).slice(2, 0, 2 * sizes[2], 2)});
  return out;
}

Tensor random_index(FreshRandom& random, IntArrayRef sizes, int64_t hi) {
  return random.uniform(sizes, kInt64, 0, static_cast<double>(hi));
}

TEST(IndexParity, Cat) {
  EMBER_REQUIRE_CUDA();
  FreshRandom random;
  for (DType dtype : kAll) {
    for (int64_t dim = 0; dim < 3; ++dim) {
      SCOPED_TRACE(std::string(dtype_name(dtype)) + " dim " + std::to_string(dim));
      std::vector<Tensor> cpu, gpu;
      for (int64_t k : {3, 1, 7}) {
        std::vector<int64_t> sizes{5, 6, 4};
        sizes[dim] = k;
        for (const Pair& p : layouts_of(random, sizes, dtype)) {
          cpu.push_back(p.cpu);
          gpu.push_back(p.cuda);
        }
      }
      EXPECT_TRUE(identical(cat(gpu, dim), cat(cpu, dim)));
    }
  }
  // More inputs than one launch takes, odd byte counts (2-byte words), mixed dtypes, a legacy
  // empty tensor and a broadcast input.
  std::vector<Tensor> cpu, gpu;
  for (int i = 0; i < 70; ++i) {
    const Tensor t = random.uniform({3, 1 + i % 5}, kFloat16);
    cpu.push_back(t);
    gpu.push_back(t.to(cuda0()));
  }
  EXPECT_TRUE(identical(cat(gpu, 1), cat(cpu, 1)));
  const Tensor i32 = random.uniform({4, 3}, kInt32), f = random.uniform({4, 2}, kFloat32);
  const Tensor b = random.uniform({4, 1}, kFloat64).expand({4, 5});
  const Tensor e = empty({0});
  const Tensor out = cat({i32.to(cuda0()), e.to(cuda0()), f.to(cuda0()), b.to(cuda0())}, 1);
  EXPECT_TRUE(matches(out, cat({i32, e, f, b}, 1)));
}

TEST(IndexParity, IndexSelect) {
  EMBER_REQUIRE_CUDA();
  FreshRandom random;
  for (DType dtype : kAll) {
    for (const Pair& p : layouts_of(random, {6, 7, 9}, dtype)) {
      for (int64_t dim = 0; dim < 3; ++dim) {
        SCOPED_TRACE(std::string(dtype_name(dtype)) + " dim " + std::to_string(dim));
        const Tensor index = random_index(random, {24}, p.cpu.size(dim)).slice(0, 0, 24, 2);
        EXPECT_TRUE(identical(index_select(p.cuda, dim, index.to(cuda0())),
                              index_select(p.cpu, dim, index)));
        const Tensor idx32 = index.to(kInt32);
        EXPECT_TRUE(identical(index_select(p.cuda, dim, idx32.to(cuda0())),
                              index_select(p.cpu, dim, idx32)));
      }
    }
  }
  // Embedding-like: many rows, long inner rows.
  const Tensor table = random.uniform({5000, 300}, kFloat32);
  const Tensor ids = random_index(random, {4096}, 5000);
  EXPECT_TRUE(
      identical(index_select(table.to(cuda0()), 0, ids.to(cuda0())), index_select(table, 0, ids)));
}

TEST(IndexParity, Gather) {
  EMBER_REQUIRE_CUDA();
  FreshRandom random;
  for (DType dtype : kAll) {
    for (const Pair& p : layouts_of(random, {6, 7, 9}, dtype)) {
      for (int64_t dim = 0; dim < 3; ++dim) {
        SCOPED_TRACE(std::string(dtype_name(dtype)) + " dim " + std::to_string(dim));
        std::vector<int64_t> isizes{5, 6, 8};
        isizes[dim] = 11;
        const Tensor index = random_index(random, isizes, p.cpu.size(dim))
                                 .transpose(0, 2)
                                 .contiguous()
                                 .transpose(0, 2);
        EXPECT_TRUE(identical(gather(p.cuda, dim, index.to(cuda0())), gather(p.cpu, dim, index)));
      }
    }
  }
}

TEST(IndexParity, ScatterAddIsBitIdentical) {
  EMBER_REQUIRE_CUDA();
  FreshRandom random;
  for (DType dtype : kAll) {
    for (const Pair& p : layouts_of(random, {6, 7, 9}, dtype)) {
      for (int64_t dim = 0; dim < 3; ++dim) {
        SCOPED_TRACE(std::string(dtype_name(dtype)) + " dim " + std::to_string(dim));
        std::vector<int64_t> isizes{5, 6, 8};
        isizes[dim] = 40;  // many sources per target: the order of adds shows in floats
        const Tensor index = random_index(random, isizes, p.cpu.size(dim));
        std::vector<int64_t> ssizes{6, 7, 9};
        ssizes[dim] = 41;
        const Tensor s = random.uniform(ssizes, dtype).transpose(0, 2).contiguous().transpose(0, 2);
        const Tensor want = scatter_add(p.cpu, dim, index, s);
        const Tensor got = scatter_add(p.cuda, dim, index.to(cuda0()), s.to(cuda0()));
        EXPECT_TRUE(same_bits(got, want));
        // In place on a strided self.
        Tensor self = p.cpu.clone(), gself = p.cuda.clone();
        self.scatter_add_(dim, index, s);
        gself.scatter_add_(dim, index.to(cuda0()), s.to(cuda0()));
        EXPECT_TRUE(same_bits(gself, self));
      }
    }
  }
  // one_hot (scatter_add_ of ones into zeros) on the GPU.
  const Tensor labels = random_index(random, {1000}, 10);
  EXPECT_TRUE(identical(one_hot(labels.to(cuda0()), 10), one_hot(labels, 10)));
}

TEST(IndexParity, Nonzero) {
  EMBER_REQUIRE_CUDA();
  FreshRandom random;
  for (DType dtype : kAll) {
    SCOPED_TRACE(std::string(dtype_name(dtype)));
    for (const Pair& p : layouts_of(random, {6, 7, 9}, dtype, -1, 2)) {
      EXPECT_TRUE(identical(nonzero(p.cuda), nonzero(p.cpu)));
    }
  }
  const Tensor big = random.uniform({1 << 20}, kFloat32, -1, 1).gt(0.9);
  EXPECT_TRUE(identical(nonzero(big.to(cuda0())), nonzero(big)));
  EXPECT_TRUE(identical(nonzero(zeros({5, 3}).to(cuda0())), nonzero(zeros({5, 3}))));
  EXPECT_TRUE(identical(nonzero(scalar_tensor(2.0).to(cuda0())), nonzero(scalar_tensor(2.0))));
  EXPECT_TRUE(identical(nonzero(empty({0, 4}).to(cuda0())), nonzero(empty({0, 4}))));
}

// Floats with NaNs, infinities, both zeros and many repeats (ties).
Tensor special_values(FreshRandom& random, IntArrayRef sizes, DType dtype) {
  if (!is_floating_point(dtype)) return random.uniform(sizes, dtype, -4, 4);
  // Halves: -3, -2.5, ..., 2.5 (truncated), so values repeat.
  Tensor t = random.uniform(sizes, kFloat64, -6, 6).to(kInt64).to(kFloat64).div(2);
  Tensor flat = t.view({-1});
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const double specials[] = {nan, -inf, inf, -0.0, 0.0};
  for (int64_t i = 0; i < flat.numel(); i += 7) flat.select(0, i).fill_(specials[(i / 7) % 5]);
  return t.to(dtype);
}

TEST(SortParity, SortIsExactAndStable) {
  EMBER_REQUIRE_CUDA();
  FreshRandom random;
  for (DType dtype : kAll) {
    const Tensor base = special_values(random, {13, 37, 5}, dtype);
    for (const Tensor& x : {base, base.permute({2, 0, 1})}) {
      const Tensor gx = x.to(cuda0());
      for (int64_t dim = 0; dim < 3; ++dim) {
        for (bool descending : {false, true}) {
          SCOPED_TRACE(std::string(dtype_name(dtype)) + " dim " + std::to_string(dim) +
                       (descending ? " descending" : ""));
          const auto [v, i] = sort(gx, dim, descending);
          const auto [ev, ei] = sort(x, dim, descending);
          EXPECT_TRUE(same_bits(v, ev));
          EXPECT_TRUE(identical(i, ei));
        }
      }
    }
  }
  // One long row, and many short rows.
  const Tensor row = special_values(random, {(1 << 20) + 3}, kFloat32);
  EXPECT_TRUE(identical(std::get<1>(sort(row.to(cuda0()))), std::get<1>(sort(row))));
  const Tensor rows = random.uniform({20000, 17}, kInt32, -5, 5);
  EXPECT_TRUE(
      identical(std::get<1>(sort(rows.to(cuda0()), 1, true)), std::get<1>(sort(rows, 1, true))));
  // randperm: random keys (bit-identical) sorted (exact) gives the CPU's permutation.
  Generator g1(42), g2(42);
  EXPECT_TRUE(identical(randperm(1000, &g1, TensorOptions().device(cuda0())), randperm(1000, &g2)));
}

TEST(SortParity, Topk) {
  EMBER_REQUIRE_CUDA();
  FreshRandom random;
  for (DType dtype : kAll) {
    const Tensor x = special_values(random, {11, 29, 4}, dtype);
    const Tensor gx = x.to(cuda0());
    for (int64_t dim = 0; dim < 3; ++dim) {
      for (bool largest : {true, false}) {
        for (bool sorted : {true, false}) {
          for (int64_t k : {int64_t{1}, x.size(dim) / 2, x.size(dim)}) {
            SCOPED_TRACE(std::string(dtype_name(dtype)) + " dim " + std::to_string(dim) + " k " +
                         std::to_string(k) + (largest ? " largest" : "") +
                         (sorted ? " sorted" : ""));
            const auto [v, i] = topk(gx, k, dim, largest, sorted);
            const auto [ev, ei] = topk(x, k, dim, largest, sorted);
            EXPECT_TRUE(same_bits(v, ev));
            EXPECT_TRUE(identical(i, ei));
          }
        }
      }
    }
  }
}

TEST(ScanParity, Cumsum) {
  EMBER_REQUIRE_CUDA();
  FreshRandom random;
  for (DType dtype : kAll) {
    for (const Pair& p : layouts_of(random, {6, 7, 9}, dtype)) {
      for (int64_t dim = 0; dim < 3; ++dim) {
        SCOPED_TRACE(std::string(dtype_name(dtype)) + " dim " + std::to_string(dim));
        // Short rows take the per-row path: the CPU's arithmetic, bit for bit.
        EXPECT_TRUE(same_bits(cumsum(p.cuda, dim), cumsum(p.cpu, dim)));
      }
    }
  }
  // Long rows and few long columns take the chunked path.
  for (DType dtype : {kFloat32, kFloat64, kInt32, kFloat16}) {
    SCOPED_TRACE(std::string(dtype_name(dtype)));
    const Tensor rows = random.uniform({3, 100003}, dtype, -2, 2);
    const Tensor columns = random.uniform({50001, 2}, dtype, -2, 2);
    const double rtol = dtype == kFloat16 ? 1e-2 : 1e-6;
    const double atol = dtype == kFloat16 ? 1.0 : 1e-4;  // partial sums cross zero
    const bool exact = !is_floating_point(dtype);
    for (const auto& [x, dim] : {std::pair<Tensor, int64_t>{rows, 1}, {columns, 0}}) {
      const Tensor got = cumsum(x.to(cuda0()), dim);
      const Tensor want = cumsum(x, dim);
      EXPECT_TRUE(exact ? identical(got, want)
                        : all_close(host_values(got), host_values(want), rtol, atol));
    }
  }
  // A dtype argument, and determinism of the chunked path.
  const Tensor x = random.uniform({2, 70001}, kFloat32).to(cuda0());
  EXPECT_TRUE(same_bits(cumsum(x, 1), cumsum(x, 1)));
  const Tensor b = random.uniform({40, 30}, kBool);
  EXPECT_TRUE(identical(cumsum(b.to(cuda0()), 0, kInt32), cumsum(b, 0, kInt32)));
}

TEST(IndexErrors, BadIndicesRaiseTheCpusIndexError) {
  EMBER_REQUIRE_CUDA();
  const Tensor self = arange(42, TensorOptions().dtype(kFloat32)).view({6, 7}).to(cuda0());
  const Tensor bad = tensor(std::vector<int64_t>{1, 3, 9, 2, -1}).to(cuda0());
  EXPECT_TRUE(throws_with<IndexError>([&] { index_select(self, 1, bad); },
                                      {"index_select", "index 9", "dimension 1", "size 7"}));
  // An empty result still checks the indices.
  EXPECT_TRUE(throws_with<IndexError>(
      [&] { index_select(self.slice(0, 0, 0), 1, bad); },
      {"index_select", "index 9 is out of bounds for dimension 1 with size 7"}));
  const Tensor gidx = tensor(std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, -3}, {2, 4}).to(cuda0());
  EXPECT_TRUE(throws_with<IndexError>([&] { gather(self, 0, gidx); },
                                      {"gather", "index 6", "dimension 0", "size 6"}));
  Tensor target = zeros({6, 7}).to(cuda0());
  const Tensor before = target.clone();
  EXPECT_TRUE(throws_with<IndexError>(
      [&] {
        target.scatter_add_(1, gidx, ones({2, 4}).to(cuda0()));
      },
      {"scatter_add", "index -3", "dimension 1", "size 7"}));
  EXPECT_TRUE(same_bits(target, before));
  // The stream is usable afterwards.
  EXPECT_TRUE(
      identical(index_select(self, 1, tensor(std::vector<int64_t>{6, 0}).to(cuda0())),
                index_select(self.to(Device(kCPU)), 1, tensor(std::vector<int64_t>{6, 0}))));
}

}  // namespace
}  // namespace ember::testing
