// Tests of sort, argsort, topk and cumsum on the CPU: values and indices against naive reference
// loops (a stable insertion sort, a running sum in double) for every dtype, several dims and
// layouts; stability with ties; where NaN goes; both directions of topk; int and bool cumsum to
// int64; and bad input (dims, k, dtypes) with message checks.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "tests/core/index_test_support.h"

namespace ember {
namespace {

using testing::all_close;
using testing::all_dtypes;
using testing::for_each_index;
using testing::host_random;
using testing::HostCopy;
using testing::layouts;
using testing::throws_with;
using testing::values;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

int64_t wrap(int64_t dim, int64_t ndim) {
  return dim < 0 ? dim + ndim : dim;
}

std::string describe(DType dt, int64_t dim, const std::string& layout) {
  return std::string(dtype_name(dt)) + " dim " + std::to_string(dim) + " " + layout;
}

TensorOptions opts(DType dt) {
  return TensorOptions().dtype(dt);
}

// The order PyTorch sorts in: NaN above everything, NaNs equal to each other.
bool less_nan_last(double a, double b) {
  if (std::isnan(a)) return false;
  if (std::isnan(b)) return true;
  return a < b;
}

// Positions of a row in stable sorted order, by insertion: each element moves in front of
// earlier ones only when it strictly sorts before them.
std::vector<int64_t> stable_order(const std::vector<double>& row, bool descending) {
  std::vector<int64_t> order;
  for (int64_t j = 0; j < static_cast<int64_t>(row.size()); ++j) {
    size_t pos = order.size();
    while (pos > 0) {
      const double prev = row[static_cast<size_t>(order[pos - 1])];
      const bool before = descending ? less_nan_last(prev, row[j]) : less_nan_last(row[j], prev);
      if (!before) break;
      --pos;
    }
    order.insert(order.begin() + static_cast<std::ptrdiff_t>(pos), j);
  }
  return order;
}

// Calls fn(positions) for every row of `sizes` along dim, rows in row-major order of the other
// dims; positions are the row's multi-indices in order along dim.
void for_each_row(const std::vector<int64_t>& sizes, int64_t dim,
                  const std::function<void(const std::vector<std::vector<int64_t>>&)>& fn) {
  std::vector<int64_t> outer = sizes;
  outer[dim] = 1;
  for_each_index(outer, [&](const std::vector<int64_t>& idx) {
    std::vector<std::vector<int64_t>> row;
    for (int64_t j = 0; j < sizes[dim]; ++j) {
      row.push_back(idx);
      row.back()[dim] = j;
    }
    fn(row);
  });
}

// Reference values and indices of sort (first k of each row when k >= 0), laid out row-major in
// the output's shape.
void sort_reference(const HostCopy& self, int64_t dim, bool descending, int64_t k,
                    std::vector<double>& ref_values, std::vector<double>& ref_indices) {
  std::vector<int64_t> out_sizes = self.sizes;
  if (k >= 0) out_sizes[dim] = k;
  int64_t out_numel = 1;
  for (int64_t s : out_sizes) out_numel *= s;
  ref_values.assign(static_cast<size_t>(out_numel), 0.0);
  ref_indices.assign(static_cast<size_t>(out_numel), 0.0);
  for_each_row(self.sizes, dim, [&](const std::vector<std::vector<int64_t>>& row) {
    std::vector<double> row_values;
    for (const auto& p : row) row_values.push_back(self.at(p));
    const std::vector<int64_t> order = stable_order(row_values, descending);
    for (int64_t j = 0; j < out_sizes[dim]; ++j) {
      const std::vector<int64_t>& target = row[static_cast<size_t>(j)];
      int64_t at = 0;
      for (size_t q = 0; q < target.size(); ++q) at = at * out_sizes[q] + target[q];
      ref_values[static_cast<size_t>(at)] = row_values[static_cast<size_t>(order[j])];
      ref_indices[static_cast<size_t>(at)] = static_cast<double>(order[j]);
    }
  });
}

// ---- sort ----

TEST(Sort, MatchesStableReferenceForEveryDTypeDimAndLayout) {
  uint64_t seed = 800;
  for (DType dt : all_dtypes()) {
    for (int64_t dim : {0, 1, 2, -1, -2}) {
      const int64_t d = wrap(dim, 3);
      for (bool descending : {false, true}) {
        // Small integers make many ties, whose input order a stable sort keeps.
        const bool ties = seed % 2 == 0;
        for (const auto& l : layouts({6, 7, 8}, dt, seed++, -3, 3, ties)) {
          const auto [v, i] = sort(l.tensor, dim, descending);
          std::vector<double> ref_v, ref_i;
          sort_reference(HostCopy(l.tensor), d, descending, -1, ref_v, ref_i);
          EXPECT_EQ(v.dtype(), dt);
          EXPECT_EQ(i.dtype(), kInt64);
          EXPECT_EQ(v.sizes(), l.tensor.sizes());
          EXPECT_TRUE(all_close(values(v), ref_v, 0.0))
              << describe(dt, dim, l.name) << (descending ? " descending" : "");
          EXPECT_TRUE(all_close(values(i), ref_i, 0.0))
              << describe(dt, dim, l.name) << (descending ? " descending" : "");
          EXPECT_TRUE(all_close(values(argsort(l.tensor, dim, descending)), ref_i, 0.0));
        }
      }
    }
  }
}

TEST(Sort, NaNSortsAsLargestInBothDirections) {
  const Tensor x = tensor({3.0, kNaN, 1.0, kNaN, -kInf, kInf, 0.0, 1.0}, opts(kFloat64));
  for (DType dt : {kFloat32, kFloat64, kFloat16, kBFloat16}) {
    const auto [up_v, up_i] = x.to(dt).sort();
    EXPECT_TRUE(all_close(values(up_v), {-kInf, 0, 1, 1, 3, kInf, kNaN, kNaN}, 0.0))
        << dtype_name(dt);
    EXPECT_TRUE(all_close(values(up_i), {4, 6, 2, 7, 0, 5, 1, 3}, 0.0)) << dtype_name(dt);
    const auto [down_v, down_i] = x.to(dt).sort(0, true);
    EXPECT_TRUE(all_close(values(down_v), {kNaN, kNaN, kInf, 3, 1, 1, 0, -kInf}, 0.0));
    EXPECT_TRUE(all_close(values(down_i), {1, 3, 5, 0, 2, 7, 6, 4}, 0.0));
  }
}

TEST(Sort, ManyRowsAndLongRows) {
  // Many short rows: split over threads.
  const Tensor rows = host_random({3000, 40}, kFloat32, 30, -5, 5, true);
  const auto [v, i] = rows.sort(1, true);
  std::vector<double> ref_v, ref_i;
  sort_reference(HostCopy(rows), 1, true, -1, ref_v, ref_i);
  EXPECT_TRUE(all_close(values(v), ref_v, 0.0));
  EXPECT_TRUE(all_close(values(i), ref_i, 0.0));
  // One long row with ties: ordered, a permutation of the input, ties in input order.
  const Tensor row = host_random({50000}, kInt32, 31, 0, 100);
  const auto [lv, li] = row.sort();
  const std::vector<double> in = values(row), out_v = values(lv), out_i = values(li);
  std::vector<bool> seen(in.size(), false);
  for (size_t j = 0; j < out_v.size(); ++j) {
    const size_t src = static_cast<size_t>(out_i[j]);
    ASSERT_LT(src, in.size());
    EXPECT_FALSE(seen[src]);
    seen[src] = true;
    EXPECT_EQ(out_v[j], in[src]);
    if (j > 0) {
      EXPECT_LE(out_v[j - 1], out_v[j]);
      if (out_v[j - 1] == out_v[j]) {
        EXPECT_LT(out_i[j - 1], out_i[j]);
      }
    }
  }
}

TEST(Sort, ZeroDimAndEmpty) {
  const auto [v, i] = scalar_tensor(2.5).sort();
  EXPECT_EQ(v.dim(), 0);
  EXPECT_EQ(v.item<double>(), 2.5);
  EXPECT_EQ(i.item<int64_t>(), 0);
  const auto [ev, ei] = empty({3, 0}, opts(kFloat32)).sort(1);
  EXPECT_EQ(ev.sizes(), IntArrayRef({3, 0}));
  EXPECT_EQ(ei.dtype(), kInt64);
}

TEST(Sort, RejectsBadDims) {
  const Tensor x = host_random({3, 4}, kFloat32, 32);
  EXPECT_TRUE(throws_with<IndexError>([&] { sort(x, 2); }, {"sort", "dimension 2", "2 dims"}));
  EXPECT_TRUE(throws_with<IndexError>([&] { argsort(x, -3); }, {"sort", "dimension -3"}));
  EXPECT_TRUE(
      throws_with<IndexError>([&] { sort(scalar_tensor(1.0), 1); }, {"sort", "dimension 1"}));
}

// ---- topk ----

TEST(Topk, MatchesReferenceInBothDirections) {
  uint64_t seed = 900;
  for (DType dt : {kFloat32, kFloat64, kFloat16, kBFloat16, kInt64, kInt32, kUInt8}) {
    for (int64_t dim : {0, 1, -1}) {
      const int64_t d = wrap(dim, 3);
      const std::vector<int64_t> sizes = {5, 9, 7};
      for (bool largest : {true, false}) {
        const bool ties = seed % 2 == 0;
        for (const auto& l : layouts(sizes, dt, seed++, -3, 3, ties)) {
          for (int64_t k : {int64_t{0}, int64_t{1}, int64_t{3}, sizes[d]}) {
            const auto [v, i] = topk(l.tensor, k, dim, largest);
            std::vector<double> ref_v, ref_i;
            // The first k of the stable order (largest first when `largest`): ties by position.
            sort_reference(HostCopy(l.tensor), d, largest, k, ref_v, ref_i);
            std::vector<int64_t> want = sizes;
            want[d] = k;
            EXPECT_EQ(std::vector<int64_t>(v.sizes().begin(), v.sizes().end()), want);
            EXPECT_EQ(v.dtype(), dt);
            EXPECT_TRUE(all_close(values(v), ref_v, 0.0))
                << describe(dt, dim, l.name) << " k " << k << (largest ? " largest" : " smallest");
            EXPECT_TRUE(all_close(values(i), ref_i, 0.0))
                << describe(dt, dim, l.name) << " k " << k << (largest ? " largest" : " smallest");
          }
        }
      }
    }
  }
}

TEST(Topk, UnsortedGivesTheSameElementsInInputOrder) {
  const Tensor x = host_random({40, 200}, kFloat32, 33, -10, 10);
  for (bool largest : {true, false}) {
    const auto [v, i] = x.topk(17, 1, largest, /*sorted=*/false);
    std::vector<double> ref_v, ref_i;
    sort_reference(HostCopy(x), 1, largest, 17, ref_v, ref_i);
    const std::vector<double> got_i = values(i), got_v = values(v);
    const HostCopy in(x);
    for (int64_t r = 0; r < 40; ++r) {
      std::vector<double> want(ref_i.begin() + r * 17, ref_i.begin() + (r + 1) * 17);
      std::sort(want.begin(), want.end());
      for (int64_t j = 0; j < 17; ++j) {
        const size_t at = static_cast<size_t>(r * 17 + j);
        EXPECT_EQ(got_i[at], want[static_cast<size_t>(j)]) << "row " << r;
        EXPECT_EQ(got_v[at], in.at({r, static_cast<int64_t>(got_i[at])}));
      }
    }
  }
}

TEST(Topk, NaNCountsAsLargest) {
  const Tensor x = tensor({1.0, kNaN, 3.0, 2.0, kNaN}, opts(kFloat32));
  const auto [lv, li] = x.topk(3);
  EXPECT_TRUE(all_close(values(lv), {kNaN, kNaN, 3}, 0.0));
  EXPECT_TRUE(all_close(values(li), {1, 4, 2}, 0.0));
  const auto [sv, si] = x.topk(4, 0, /*largest=*/false);
  EXPECT_TRUE(all_close(values(sv), {1, 2, 3, kNaN}, 0.0));
  EXPECT_TRUE(all_close(values(si), {0, 3, 2, 1}, 0.0));
}

TEST(Topk, ZeroDimAndBadK) {
  const auto [v, i] = scalar_tensor(4.0).topk(1);
  EXPECT_EQ(v.dim(), 0);
  EXPECT_EQ(v.item<double>(), 4.0);
  EXPECT_EQ(i.item<int64_t>(), 0);
  const Tensor x = host_random({3, 5}, kFloat32, 34);
  EXPECT_TRUE(throws_with<IndexError>([&] { x.topk(6); }, {"topk", "k (6)", "size 5"}));
  EXPECT_TRUE(throws_with<IndexError>([&] { x.topk(-1, 0); }, {"topk", "k (-1)", "size 3"}));
  EXPECT_TRUE(
      throws_with<IndexError>([&] { scalar_tensor(1.0).topk(2); }, {"topk", "k (2)", "size 1"}));
  EXPECT_TRUE(throws_with<IndexError>([&] { x.topk(1, 2); }, {"topk", "dimension 2"}));
}

// ---- cumsum ----

// Running sums along dim in double.
std::vector<double> cumsum_reference(const HostCopy& self, int64_t dim) {
  std::vector<double> out(self.data.size());
  for_each_row(self.sizes, dim, [&](const std::vector<std::vector<int64_t>>& row) {
    double acc = 0;
    for (const auto& p : row) {
      acc += self.at(p);
      out[static_cast<size_t>(self.linear(p))] = acc;
    }
  });
  return out;
}

TEST(Cumsum, MatchesReferenceForEveryDTypeDimAndLayout) {
  uint64_t seed = 1000;
  for (DType dt : all_dtypes()) {
    const DType want = is_floating_point(dt) ? dt : kInt64;  // ints and bool sum to int64
    const double rtol = is_floating_point(dt) ? testing::elementwise_rtol(dt) : 0.0;
    for (int64_t dim : {0, 1, 2, -1, -3}) {
      for (const auto& l : layouts({4, 5, 6}, dt, seed++)) {
        const Tensor out = cumsum(l.tensor, dim);
        EXPECT_EQ(out.dtype(), want);
        EXPECT_EQ(out.sizes(), l.tensor.sizes());
        // Float32 sums are rounded once from a double accumulator; half types round once too.
        EXPECT_TRUE(all_close(values(out), cumsum_reference(HostCopy(l.tensor), wrap(dim, 3)), rtol,
                              rtol * 4))
            << describe(dt, dim, l.name);
      }
    }
  }
}

TEST(Cumsum, DTypeArgumentConvertsFirst) {
  const Tensor ints = tensor({1, 2, 3}, opts(kInt32));
  const Tensor as_double = cumsum(ints, 0, kFloat64);
  EXPECT_EQ(as_double.dtype(), kFloat64);
  EXPECT_TRUE(all_close(values(as_double), {1, 3, 6}, 0.0));
  const Tensor as_int32 = ints.cumsum(0, kInt32);
  EXPECT_EQ(as_int32.dtype(), kInt32);
  EXPECT_TRUE(all_close(values(as_int32), {1, 3, 6}, 0.0));
  // A float input summed as int64 is truncated first, like PyTorch's self.to(dtype).cumsum().
  EXPECT_TRUE(all_close(values(tensor({1.5, 2.5, -0.5}).cumsum(0, kInt64)), {1, 3, 3}, 0.0));
  const Tensor flags = tensor({true, false, true, true});
  const Tensor counts = flags.cumsum(0);
  EXPECT_EQ(counts.dtype(), kInt64);
  EXPECT_TRUE(all_close(values(counts), {1, 1, 2, 3}, 0.0));
  // int32 sums beyond int32's range are exact in the int64 result.
  const Tensor big = full({3}, 2000000000, opts(kInt32));
  EXPECT_TRUE(all_close(values(big.cumsum(0)), {2e9, 4e9, 6e9}, 0.0));
}

TEST(Cumsum, LargeTensorsAlongEveryDim) {
  // Integer-valued doubles: every partial sum is exact, whatever the split over threads.
  const Tensor x = host_random({64, 300, 17}, kFloat64, 35, -50, 50, true);
  for (int64_t dim : {0, 1, 2}) {
    EXPECT_TRUE(all_close(values(x.cumsum(dim)), cumsum_reference(HostCopy(x), dim), 0.0)) << dim;
    const Tensor xt = x.transpose(0, 2);
    EXPECT_TRUE(all_close(values(xt.cumsum(dim)), cumsum_reference(HostCopy(xt), dim), 0.0)) << dim;
  }
}

TEST(Cumsum, ZeroDimAndBadInput) {
  const Tensor s = cumsum(scalar_tensor(3, opts(kInt32)), 0);
  EXPECT_EQ(s.dim(), 0);
  EXPECT_EQ(s.dtype(), kInt64);
  EXPECT_EQ(s.item<int64_t>(), 3);
  const Tensor x = host_random({2, 3, 4}, kFloat32, 36);
  EXPECT_TRUE(throws_with<IndexError>([&] { x.cumsum(3); }, {"cumsum", "dimension 3", "3 dims"}));
  EXPECT_TRUE(throws_with<IndexError>([&] { x.cumsum(-4); }, {"cumsum", "dimension -4"}));
  EXPECT_TRUE(throws_with<DTypeError>([&] { x.cumsum(0, kBool); }, {"cumsum", "bool"}));
}

}  // namespace
}  // namespace ember
