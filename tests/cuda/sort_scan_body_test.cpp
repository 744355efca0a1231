// The bodies of the CUDA sort, topk, cumsum and nonzero kernels (kernels/cuda/sort_body.h and
// scan_body.h) run by plain CPU loops against the CPU kernels: the radix keys' order (NaN last,
// -0 == +0), sorts and topk through the two stable sorts (std::stable_sort standing in for CUB's
// radix sort), cumsum's per-row path (bit-identical) and chunked path, nonzero's flags and
// coordinates. Runs in every build, without a GPU.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <vector>

#include "cuda_test_util.h"
#include "kernels/cuda/scan_body.h"
#include "kernels/cuda/sort_body.h"
#include "kernels/dtype_dispatch.h"
#include "kernels/sort_order.h"

namespace ember::cuda {
namespace {

using ::ember::testing::all_close;
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

SortRows rows_of(const Tensor& self, int64_t dim) {
  SortRows rows{};
  rows.ndim = static_cast<int>(self.dim());
  rows.dim = static_cast<int>(dim);
  rows.sizes = dims_of(self.sizes());
  rows.self_strides = dims_of(self.strides());
  rows.n = self.size(dim);
  rows.rows = self.numel() / rows.n;
  return rows;
}

// A stable sort of (key, value) pairs by key, standing in for cub::DeviceRadixSort.
template <typename Key>
void stable_sort_pairs(std::vector<Key>& keys, std::vector<int32_t>& values) {
  std::vector<size_t> order(keys.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return keys[a] < keys[b]; });
  std::vector<Key> k;
  std::vector<int32_t> v;
  for (size_t i : order) {
    k.push_back(keys[i]);
    v.push_back(values[i]);
  }
  keys = k;
  values = v;
}

// A float tensor with NaNs, infinities, both zeros and repeated values.
Tensor special_floats(FreshRandom& random, IntArrayRef sizes, DType dtype) {
  Tensor t = random.uniform(sizes, kFloat64, -6, 6).to(kInt64).to(kFloat64).div(2);  // repeats
  Tensor flat = t.view({-1});
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const double specials[] = {nan, -inf, inf, -0.0, 0.0, nan, -nan};
  for (int64_t i = 0; i < flat.numel(); i += 5) flat.select(0, i).fill_(specials[(i / 5) % 7]);
  return t.to(dtype);
}

template <typename T>
void check_key_order(const Tensor& values) {
  const Tensor c = values.contiguous();
  const T* v = static_cast<const T*>(c.data_ptr());
  using K = sort_order::SortKey<T>;
  for (int64_t i = 0; i < c.numel(); ++i) {
    for (int64_t j = 0; j < c.numel(); ++j) {
      const K a = static_cast<K>(v[i]), b = static_cast<K>(v[j]);
      ASSERT_EQ(radix_key(v[i]) < radix_key(v[j]), sort_order::sorts_before(a, b, false))
          << "elements " << i << " and " << j;
      const auto da = static_cast<RadixKey<T>>(~radix_key(v[i]));
      const auto db = static_cast<RadixKey<T>>(~radix_key(v[j]));
      ASSERT_EQ(da < db, sort_order::sorts_before(a, b, true)) << "descending " << i << " " << j;
    }
  }
}

TEST(SortBody, RadixKeysOrderAsTheCpuSortDoes) {
  FreshRandom random;
  check_key_order<float>(special_floats(random, {60}, kFloat32));
  check_key_order<double>(special_floats(random, {60}, kFloat64));
  check_key_order<Half>(special_floats(random, {60}, kFloat16));
  check_key_order<BFloat16>(special_floats(random, {60}, kBFloat16));
  check_key_order<int32_t>(random.uniform({60}, kInt32, -1e9, 1e9));
  check_key_order<int64_t>(random.uniform({60}, kInt64, -1e15, 1e15));
  check_key_order<uint8_t>(random.uniform({60}, kUInt8, 0, 255));
  check_key_order<bool>(random.uniform({20}, kBool));
}

// sort or topk as the CUDA rows run them (Note [CUDA sort]).
template <typename T>
std::tuple<Tensor, Tensor> emulate_sort(const Tensor& self, int64_t dim, bool descending, int64_t k,
                                        bool sorted) {
  const SortRows rows = rows_of(self, dim);
  const int64_t n = rows.n * rows.rows;
  std::vector<RadixKey<T>> keys(static_cast<size_t>(n));
  std::vector<int32_t> positions(static_cast<size_t>(n));
  run_all(SortKeysBody<T>{static_cast<const T*>(self.data_ptr()), rows, descending, keys.data(),
                          positions.data()});
  stable_sort_pairs(keys, positions);
  if (rows.rows > 1) {
    std::vector<uint32_t> row_keys(static_cast<size_t>(n));
    run_all(RowOfPositionBody{positions.data(), row_keys.data(), rows.n, n});
    stable_sort_pairs(row_keys, positions);
  }
  std::vector<int64_t> out_sizes(self.sizes().begin(), self.sizes().end());
  out_sizes[dim] = k;
  Tensor values = empty(out_sizes, TensorOptions().dtype(self.dtype()));
  Tensor indices = empty(out_sizes, TensorOptions().dtype(kInt64));
  std::vector<int32_t> selected_positions;
  const int32_t* order = positions.data();
  int64_t stride = rows.n;
  if (!sorted) {
    std::vector<uint32_t> selected(static_cast<size_t>(rows.rows * k));
    run_all(TopkSelectBody{positions.data(), selected.data(), rows.n, k, rows.rows * k});
    selected_positions.assign(selected.begin(), selected.end());
    stable_sort_pairs(selected, selected_positions);
    order = selected_positions.data();
    stride = k;
  }
  SortWriteBody<T> body{};
  body.self = static_cast<const T*>(self.data_ptr());
  body.values = static_cast<T*>(values.data_ptr());
  body.indices = indices.data_ptr<int64_t>();
  body.rows = rows;
  body.values_strides = dims_of(values.strides());
  body.indices_strides = dims_of(indices.strides());
  body.sorted_positions = order;
  body.stride = stride;
  body.k = k;
  run_all(body);
  return {values, indices};
}

// Bitwise equality of two tensors' bytes (NaN payloads and signed zeros included).
::testing::AssertionResult same_bytes(const Tensor& a, const Tensor& b) {
  const Tensor ca = a.contiguous(), cb = b.contiguous();
  if (ca.sizes() != cb.sizes() || ca.dtype() != cb.dtype())
    return ::testing::AssertionFailure() << "shape or dtype differ";
  if (std::memcmp(ca.data_ptr(), cb.data_ptr(), ca.nbytes()) != 0)
    return ::testing::AssertionFailure() << "bytes differ";
  return ::testing::AssertionSuccess();
}

TEST(SortBody, SortAndTopkMatchCpuExactly) {
  FreshRandom random;
  for (DType dtype : {kFloat32, kFloat16, kFloat64, kInt32, kInt64, kUInt8, kBool}) {
    const Tensor base = is_floating_point(dtype) ? special_floats(random, {13, 29}, dtype)
                                                 : random.uniform({13, 29}, dtype, -5, 5);
    for (const Tensor& self : {base, base.t().contiguous().t()}) {
      for (int dim : {0, 1}) {
        for (bool descending : {false, true}) {
          SCOPED_TRACE(std::string(dtype_name(dtype)) + " dim " + std::to_string(dim) +
                       (descending ? " descending" : ""));
          dispatch_dtype<AllTypes>(dtype, "test", [&](auto tag) {
            using T = typename decltype(tag)::type;
            const int64_t n = self.size(dim);
            const auto [v, i] = emulate_sort<T>(self, dim, descending, n, true);
            const auto [ev, ei] = sort(self, dim, descending);
            EXPECT_TRUE(same_bytes(v, ev));
            EXPECT_TRUE(identical(i, ei));
            for (bool sorted : {true, false}) {
              for (int64_t k : {n / 3 + 1, n}) {
                const auto [tv, ti] = emulate_sort<T>(self, dim, descending, k, sorted);
                const auto [etv, eti] = topk(self, k, dim, descending, sorted);
                EXPECT_TRUE(same_bytes(tv, etv)) << "topk k " << k << " sorted " << sorted;
                EXPECT_TRUE(identical(ti, eti)) << "topk k " << k << " sorted " << sorted;
              }
            }
          });
        }
      }
    }
  }
}

TEST(ScanBody, RowPathIsTheCpuArithmetic) {
  FreshRandom random;
  for (DType dtype : {kFloat32, kFloat16, kInt32, kFloat64}) {
    const Tensor base = random.uniform({11, 17, 5}, dtype, -3, 3);
    for (int dim = 0; dim < 3; ++dim) {
      SCOPED_TRACE(std::string(dtype_name(dtype)) + " dim " + std::to_string(dim));
      const Tensor self = base.transpose(0, 2);
      const Tensor expected = cumsum(self, dim, dtype);
      Tensor out = empty(self.sizes(), TensorOptions().dtype(dtype));
      ScanRows s{rows_of(self, dim), dims_of(out.strides())};
      dispatch_dtype<NumericTypes>(dtype, "test", [&](auto tag) {
        using T = typename decltype(tag)::type;
        run_all(ScanRowBody<T>{static_cast<const T*>(self.data_ptr()),
                               static_cast<T*>(out.data_ptr()), s});
      });
      EXPECT_TRUE(same_bytes(out, expected));
    }
  }
}

TEST(ScanBody, ChunkPrefixesGiveTheRowScan) {
  // The chunked path's arithmetic: chunk sums, per-row exclusive prefixes, then each chunk
  // scanned from its prefix (sequentially here; the GPU's BlockScan associates within a chunk).
  FreshRandom random;
  const Tensor self = random.uniform({3, 5000}, kFloat32);
  ScanRows s{rows_of(self, 1), dims_of(self.strides())};
  EXPECT_FALSE(scan_by_row_threads(s));
  const int64_t chunks = (s.rows.n + kScanChunk - 1) / kScanChunk;
  std::vector<double> sums(static_cast<size_t>(s.rows.rows * chunks), 0.0);
  const float* in = self.data_ptr<float>();
  for (int64_t r = 0; r < s.rows.rows; ++r)
    for (int64_t j = 0; j < chunks * kScanChunk; ++j)
      sums[r * chunks + j / kScanChunk] += scan_input(in, s, r, j);
  run_all(ScanChunkPrefixBody<double>{sums.data(), chunks, s.rows.rows});
  Tensor out = empty({3, 5000});
  float* o = out.data_ptr<float>();
  for (int64_t r = 0; r < s.rows.rows; ++r) {
    for (int64_t c = 0; c < chunks; ++c) {
      double running = sums[r * chunks + c];
      for (int64_t j = c * kScanChunk; j < std::min(s.rows.n, (c + 1) * kScanChunk); ++j) {
        running += scan_input(in, s, r, j);
        o[r * 5000 + j] = static_cast<float>(running);
      }
    }
  }
  EXPECT_TRUE(all_close(out, cumsum(self, 1), 1e-6, 1e-5));
  // Layout choices.
  EXPECT_TRUE(scan_by_row_threads(ScanRows{rows_of(empty({5000, 3}), 1), {}}));    // short rows
  EXPECT_TRUE(scan_by_row_threads(ScanRows{rows_of(empty({300, 5000}), 0), {}}));  // columns
  EXPECT_FALSE(scan_by_row_threads(ScanRows{rows_of(empty({300, 3}), 0), {}}));    // few columns
}

TEST(ScanBody, NonzeroFlagsAndCoordinates) {
  FreshRandom random;
  for (DType dtype : {kFloat32, kBFloat16, kInt64, kBool}) {
    const Tensor base = random.uniform({7, 6, 5}, dtype, -1, 2);
    for (const Tensor& self : {base, base.permute({1, 2, 0})}) {
      SCOPED_TRACE(std::string(dtype_name(dtype)));
      const int64_t numel = self.numel();
      std::vector<uint8_t> flags(static_cast<size_t>(numel));
      dispatch_dtype<AllTypes>(dtype, "test", [&](auto tag) {
        using T = typename decltype(tag)::type;
        NonzeroFlagBody<T> body{};
        body.self = static_cast<const T*>(self.data_ptr());
        body.flags = flags.data();
        body.ndim = 3;
        body.sizes = dims_of(self.sizes());
        body.strides = dims_of(self.strides());
        body.contiguous = self.is_contiguous();
        body.numel = numel;
        run_all(body);
      });
      std::vector<int64_t> positions;  // what DeviceSelect::Flagged compacts
      for (int64_t i = 0; i < numel; ++i)
        if (flags[i]) positions.push_back(i);
      const int64_t count = static_cast<int64_t>(positions.size());
      Tensor out = empty({count, 3}, TensorOptions().dtype(kInt64));
      run_all(NonzeroCoordsBody{positions.data(), out.data_ptr<int64_t>(), 3, dims_of(self.sizes()),
                                count});
      EXPECT_TRUE(identical(out, nonzero(self)));
    }
  }
}

}  // namespace
}  // namespace ember::cuda
