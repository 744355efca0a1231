// CUDA rows of sort and topk (Note [CUDA sort] in sort_body.h): rows laid out as (radix key,
// position) pairs, stable radix sorts by key and then by row (CUB's DeviceRadixSort), values read
// back from self at the sorted positions. Stable, with NaN ordered as on the CPU, so the results
// equal the CPU's exactly. Also the radix sorts of radix_sort.h that scatter_add uses, so that
// CUB's sort is compiled in this file only.
#include <cub/device/device_radix_sort.cuh>

#include "ember/core/dispatch.h"
#include "ember/core/tensor.h"
#include "kernels/cuda/elementwise_launch.cuh"
#include "kernels/cuda/index_checks.h"
#include "kernels/cuda/radix_sort.h"
#include "kernels/cuda/sort_body.h"
#include "kernels/dtype_dispatch.h"

namespace ember::cuda {

namespace {

template <typename Key>
void sort_pairs(const Key* keys_in, Key* keys_out, const int32_t* values_in, int32_t* values_out,
                int64_t n, int end_bit, int device) {
  if (n == 0) return;
  DeviceGuard guard(device);
  cudaStream_t stream = current_stream(device);
  size_t bytes = 0;
  EMBER_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(nullptr, bytes, keys_in, keys_out, values_in,
                                                   values_out, n, 0, end_bit, stream));
  const Tensor temp = device_scratch(static_cast<int64_t>(std::max<size_t>(bytes, 1)), device);
  EMBER_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(temp.data_ptr(), bytes, keys_in, keys_out,
                                                   values_in, values_out, n, 0, end_bit, stream));
}

}  // namespace

void radix_sort_pairs(const uint32_t* keys_in, uint32_t* keys_out, const int32_t* values_in,
                      int32_t* values_out, int64_t n, int end_bit, int device) {
  sort_pairs(keys_in, keys_out, values_in, values_out, n, end_bit, device);
}
void radix_sort_pairs(const uint64_t* keys_in, uint64_t* keys_out, const int32_t* values_in,
                      int32_t* values_out, int64_t n, int end_bit, int device) {
  sort_pairs(keys_in, keys_out, values_in, values_out, n, end_bit, device);
}

namespace {

template <typename Body>
void run_items(const Body& body, int device, const char* op) {
  launch_items(body, body.work_items(), current_stream(device));
  check_launch(op);
}

SortRows rows_of(const Tensor& self, int64_t dim, const char* op) {
  SortRows rows{};
  rows.ndim = static_cast<int>(self.dim());
  rows.dim = static_cast<int>(dim);
  rows.sizes = to_dim_array(self.sizes(), op);
  rows.self_strides = to_dim_array(self.strides(), op);
  rows.n = self.size(dim);
  rows.rows = self.numel() / rows.n;
  return rows;
}

// Sorts the rows of self (descending: largest first, NaN first) and returns the buffer holding
// the sorted positions, n per row (Note [CUDA sort]). `keep` keeps the scratch alive.
template <typename T>
int32_t* sorted_positions(const Tensor& self, const SortRows& rows, bool descending, int device,
                          Tensor* keep, const char* op) {
  using Key = RadixKey<T>;
  const int64_t n = rows.n * rows.rows;
  const bool several_rows = rows.rows > 1;
  // keys in/out, positions in/out, and for several rows: row keys in/out and positions by row.
  const int64_t bytes = n * static_cast<int64_t>(2 * sizeof(Key) + 2 * sizeof(int32_t) +
                                                 (several_rows ? 3 * sizeof(int32_t) : 0));
  *keep = device_scratch(bytes, device);
  Key* keys_in = static_cast<Key*>(keep->data_ptr());
  Key* keys_out = keys_in + n;
  int32_t* pos_in = reinterpret_cast<int32_t*>(keys_out + n);
  int32_t* pos_out = pos_in + n;

  SortKeysBody<T> keys_body{static_cast<const T*>(self.data_ptr()), rows, descending, keys_in,
                            pos_in};
  run_items(keys_body, device, op);
  sort_pairs(keys_in, keys_out, pos_in, pos_out, n, radix_key_bits<T>(), device);
  if (!several_rows) return pos_out;
  uint32_t* row_in = reinterpret_cast<uint32_t*>(pos_out + n);
  uint32_t* row_out = row_in + n;
  int32_t* by_row = reinterpret_cast<int32_t*>(row_out + n);
  run_items(RowOfPositionBody{pos_out, row_in, rows.n, n}, device, op);
  sort_pairs(row_in, row_out, pos_out, by_row, n, bits_for(static_cast<uint64_t>(rows.rows - 1)),
             device);
  return by_row;
}

template <typename T>
void write_sorted(const Tensor& values, const Tensor& indices, const Tensor& self,
                  const SortRows& rows, const int32_t* positions, int64_t stride, int64_t k,
                  int device, const char* op) {
  SortWriteBody<T> body{};
  body.self = static_cast<const T*>(self.data_ptr());
  body.values = static_cast<T*>(values.data_ptr());
  body.indices = indices.data_ptr<int64_t>();
  body.rows = rows;
  body.values_strides = to_dim_array(values.strides(), op);
  body.indices_strides = to_dim_array(indices.strides(), op);
  body.sorted_positions = positions;
  body.stride = stride;
  body.k = k;
  run_items(body, device, op);
}

void sort_kernel(const Tensor& values, const Tensor& indices, const Tensor& self, int64_t dim,
                 bool descending) {
  const int device = self.device().index();
  DeviceGuard guard(device);
  check_sortable_size(self.numel(), "sort");
  const SortRows rows = rows_of(self, dim, "sort");
  dispatch_dtype<AllTypes>(self.dtype(), "sort", [&](auto tag) {
    using T = typename decltype(tag)::type;
    Tensor scratch;
    const int32_t* sorted = sorted_positions<T>(self, rows, descending, device, &scratch, "sort");
    write_sorted<T>(values, indices, self, rows, sorted, rows.n, rows.n, device, "sort");
  });
}

// The first k entries of each row in topk's order (largest first when `largest`, ties by
// position: the stable sort's order); unsorted, in position order like the CPU kernel.
void topk_kernel(const Tensor& values, const Tensor& indices, const Tensor& self, int64_t k,
                 int64_t dim, bool largest, bool sorted) {
  const int device = self.device().index();
  DeviceGuard guard(device);
  check_sortable_size(self.numel(), "topk");
  const SortRows rows = rows_of(self, dim, "topk");
  dispatch_dtype<AllTypes>(self.dtype(), "topk", [&](auto tag) {
    using T = typename decltype(tag)::type;
    Tensor scratch;
    const int32_t* order = sorted_positions<T>(self, rows, largest, device, &scratch, "topk");
    if (sorted) {
      write_sorted<T>(values, indices, self, rows, order, rows.n, k, device, "topk");
      return;
    }
    // The selection's positions p = r * n + j, sorted: row by row, in position order.
    const int64_t count = rows.rows * k;
    const Tensor selection = device_scratch(
        count * static_cast<int64_t>(2 * sizeof(uint32_t) + sizeof(int32_t)), device);
    uint32_t* selected = static_cast<uint32_t*>(selection.data_ptr());
    uint32_t* selected_sorted = selected + count;
    int32_t* positions = reinterpret_cast<int32_t*>(selected_sorted + count);
    run_items(TopkSelectBody{order, selected, rows.n, k, count}, device, "topk");
    sort_pairs(selected, selected_sorted, reinterpret_cast<const int32_t*>(selected), positions,
               count, bits_for(static_cast<uint64_t>(rows.n * rows.rows - 1)), device);
    write_sorted<T>(values, indices, self, rows, positions, k, k, device, "topk");
  });
}

}  // namespace

EMBER_REGISTER_KERNEL(sort, CUDA, sort_kernel);
EMBER_REGISTER_KERNEL(topk, CUDA, topk_kernel);

}  // namespace ember::cuda
