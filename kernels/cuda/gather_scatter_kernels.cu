// CUDA rows of embedding (a gather of weight rows), embedding_backward and max_pool2d_backward
// (scatter-adds made deterministic by sorting with CUB: Note [Scatter-add by sorting] in
// gather_scatter_bodies.h). The only file that instantiates CUB's radix sort for Ember's NN ops
// (one instantiation: 64-bit keys, 64-bit values), since CUB is slow to compile.
//
// Indices out of range are recorded on the device and reported as the CPU's IndexError after the
// launch (Note [Bad indices on the GPU]); that read-back synchronises with the stream once per
// call of each of these three ops.
#include <cub/device/device_radix_sort.cuh>

#include "ember/core/dispatch.h"
#include "ember/core/tensor.h"
#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_context.h"
#include "kernels/cuda/gather_scatter_bodies.h"
#include "kernels/cuda/nn_kernel_support.h"
#include "kernels/cuda/position_launch.cuh"
#include "kernels/dtype_dispatch.h"

namespace ember::cuda {
namespace {

constexpr int kColumnThreads = 256;

// body(i, j) for rows i < rows (one block each, blockIdx.x) and columns j < columns (threads,
// blockIdx.y for more than kColumnThreads columns).
template <typename Body>
__global__ void __launch_bounds__(kColumnThreads) row_column_kernel(Body body, int64_t columns) {
  const int64_t j = static_cast<int64_t>(blockIdx.y) * blockDim.x + threadIdx.x;
  if (j < columns) body(static_cast<int64_t>(blockIdx.x), j);
}

template <typename Body>
void launch_rows_columns(const Body& body, int64_t rows, int64_t columns, cudaStream_t stream) {
  if (rows <= 0 || columns <= 0) return;
  const int threads =
      columns >= kColumnThreads ? kColumnThreads : static_cast<int>((columns + 31) / 32 * 32);
  const dim3 grid(static_cast<unsigned>(rows),
                  static_cast<unsigned>((columns + threads - 1) / threads));
  row_column_kernel<<<grid, threads, 0, stream>>>(body, columns);
}

// A body of one column (dim 1) run one thread per sorted position.
template <typename Body>
struct FirstColumn {
  Body body;
  __device__ void operator()(int64_t k) const { body(k, 0); }
};

// Steps 1-3 of Note [Scatter-add by sorting]: dst (zeroed here) gets src's rows summed by key.
// Returns the first bad position, or -1 (after waiting for the stream).
template <typename T>
int64_t scatter_add_sorted(const Tensor& dst, const Tensor& src, const Tensor& indices,
                           int64_t limit, int64_t group_size, int64_t group_stride,
                           int64_t destinations, int64_t dim, int64_t skip_key, int device,
                           cudaStream_t stream, const char* op) {
  const int64_t n = indices.numel();
  if (dst.numel() > 0) EMBER_CUDA_CHECK(cudaMemsetAsync(dst.data_ptr(), 0, dst.nbytes(), stream));
  if (n == 0) return -1;
  const BadPositionFlag bad(device, stream);
  const auto sentinel = static_cast<unsigned long long>(destinations);
  // keys, values (unsorted) and their sorted copies.
  const Tensor pairs = nn_scratch(4 * n * 8, device);
  auto* keys = static_cast<unsigned long long*>(pairs.data_ptr());
  unsigned long long* sorted_keys = keys + n;
  auto* values = reinterpret_cast<int64_t*>(keys + 2 * n);
  int64_t* sorted_values = values + n;
  launch_positions(ScatterKeysBody{indices.data_ptr<int64_t>(), keys, values, limit, group_size,
                                   group_stride, sentinel, bad.slot()},
                   n, stream);
  const int end_bit = key_bits(sentinel);
  size_t temp_bytes = 0;
  EMBER_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(nullptr, temp_bytes, keys, sorted_keys, values,
                                                   sorted_values, n, 0, end_bit, stream));
  const Tensor temp = nn_scratch(static_cast<int64_t>(temp_bytes), device);
  EMBER_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(temp.data_ptr(), temp_bytes, keys, sorted_keys,
                                                   values, sorted_values, n, 0, end_bit, stream));
  const SortedSegmentSumBody<T> body{
      dst.data_ptr<T>(), src.data_ptr<T>(), sorted_keys, sorted_values, n, dim, sentinel, skip_key};
  if (dim == 1) {
    launch_positions(FirstColumn<SortedSegmentSumBody<T>>{body}, n, stream);
  } else {
    launch_rows_columns(body, n, dim, stream);
  }
  check_launch(op);
  return bad.wait_and_read();
}

void embedding_kernel(const Tensor& out, const Tensor& weight, const Tensor& indices) {
  const int device = out.device().index();
  DeviceGuard guard(device);
  cudaStream_t stream = current_stream(device);
  const int64_t n = indices.numel(), num = weight.size(0), dim = weight.size(1);
  const BadPositionFlag bad(device, stream);
  auto run = [&](auto word) {
    using Word = decltype(word);
    launch_rows_columns(
        EmbeddingForwardBody<Word>{static_cast<Word*>(out.data_ptr()),
                                   static_cast<const Word*>(weight.data_ptr()),
                                   indices.data_ptr<int64_t>(), dim, num, bad.slot()},
        n, dim, stream);
  };
  // A gather copies elements as they are: by their size, for every floating dtype.
  switch (weight.element_size()) {
    case 2:
      run(uint16_t{});
      break;
    case 4:
      run(uint32_t{});
      break;
    case 8:
      run(uint64_t{});
      break;
    default:
      ::ember::detail::throw_unsupported_dtype("embedding", weight.dtype());
  }
  check_launch("embedding");
  const int64_t p = bad.wait_and_read();
  if (p >= 0) throw_embedding_index_error("embedding", read_int64(indices, p, stream), p, num);
}

void embedding_backward_kernel(const Tensor& grad_weight, const Tensor& grad_output,
                               const Tensor& indices, int64_t padding_idx) {
  const int device = grad_weight.device().index();
  DeviceGuard guard(device);
  cudaStream_t stream = current_stream(device);
  const int64_t num = grad_weight.size(0), dim = grad_weight.size(1);
  dispatch_dtype<Float32And64>(grad_weight.dtype(), "embedding_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const int64_t p =
        scatter_add_sorted<T>(grad_weight, grad_output, indices, num, indices.numel(), 0, num, dim,
                              padding_idx, device, stream, "embedding_backward");
    if (p >= 0)
      throw_embedding_index_error("embedding_backward", read_int64(indices, p, stream), p, num);
  });
}

void max_pool2d_backward_kernel(const Tensor& grad_input, const Tensor& grad_output,
                                const Tensor& indices) {
  const int device = grad_input.device().index();
  DeviceGuard guard(device);
  cudaStream_t stream = current_stream(device);
  const int64_t plane_in = grad_input.size(1) * grad_input.size(2);
  const int64_t plane_out = grad_output.size(1) * grad_output.size(2);
  dispatch_dtype<Float32And64>(grad_input.dtype(), "max_pool2d_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const int64_t p =
        scatter_add_sorted<T>(grad_input, grad_output, indices, plane_in, plane_out, plane_in,
                              grad_input.numel(), 1, -1, device, stream, "max_pool2d_backward");
    if (p >= 0) throw_pool_index_error(read_int64(indices, p, stream), p, plane_in);
  });
}

}  // namespace

EMBER_REGISTER_KERNEL(embedding, CUDA, embedding_kernel);
EMBER_REGISTER_KERNEL(embedding_backward, CUDA, embedding_backward_kernel);
EMBER_REGISTER_KERNEL(max_pool2d_backward, CUDA, max_pool2d_backward_kernel);

}  // namespace ember::cuda
