// CUDA rows of cumsum and nonzero (Note [CUDA cumsum] in scan_body.h). cumsum: one thread per row
// in order, or chunks summed and scanned by blocks (cub::BlockReduce, cub::BlockScan) from
// per-row prefixes; deterministic, no atomics. nonzero: flags, cub::DeviceSelect::Flagged over
// row-major positions, then coordinates; it reads the count back to size its result (a
// synchronisation, as in PyTorch).
#include <thrust/iterator/counting_iterator.h>
#include <cub/block/block_reduce.cuh>
#include <cub/block/block_scan.cuh>
#include <cub/device/device_select.cuh>

#include "ember/core/dispatch.h"
#include "ember/core/elementwise.h"
#include "ember/core/tensor.h"
#include "kernels/cuda/elementwise_launch.cuh"
#include "kernels/cuda/index_checks.h"
#include "kernels/cuda/scan_body.h"
#include "kernels/dtype_dispatch.h"

namespace ember::cuda {
namespace {

template <typename Body>
void run_items(const Body& body, int device, const char* op) {
  launch_items(body, body.work_items(), current_stream(device));
  check_launch(op);
}

inline constexpr int64_t kMaxGridX = 0x7fffffff;

// ---- cumsum, chunked path ----
// Block bx is chunk (bx % chunks) of row (bx / chunks); thread t holds its kScanItems
// consecutive elements.
template <typename T>
__global__ void __launch_bounds__(kScanThreads)
    scan_chunk_sums_kernel(const T* in, ScanRows s, int64_t chunks, ScanAcc<T>* sums) {
  using Acc = ScanAcc<T>;
  using BlockReduce = cub::BlockReduce<Acc, kScanThreads>;
  __shared__ typename BlockReduce::TempStorage temp;
  const int64_t blocks = s.rows.rows * chunks;
  const int64_t step = dim_at(s.rows.self_strides, s.rows.dim);
  for (int64_t bx = blockIdx.x; bx < blocks; bx += gridDim.x) {
    const int64_t r = bx / chunks, c = bx % chunks;
    const T* row = in + row_element_offset(s.rows, s.rows.self_strides, r, 0);
    const int64_t j0 = c * kScanChunk + static_cast<int64_t>(threadIdx.x) * kScanItems;
    Acc v(0);
#pragma unroll
    for (int i = 0; i < kScanItems; ++i) {
      if (j0 + i < s.rows.n) v += static_cast<Acc>(row[(j0 + i) * step]);
    }
    const Acc total = BlockReduce(temp).Sum(v);
    if (threadIdx.x == 0) sums[bx] = total;
    __syncthreads();
  }
}

template <typename T>
__global__ void __launch_bounds__(kScanThreads)
    scan_chunks_kernel(const T* in, T* out, ScanRows s, int64_t chunks,
                       const ScanAcc<T>* prefixes) {
  using Acc = ScanAcc<T>;
  using BlockScan = cub::BlockScan<Acc, kScanThreads>;
  __shared__ typename BlockScan::TempStorage temp;
  const int64_t blocks = s.rows.rows * chunks;
  const int64_t si = dim_at(s.rows.self_strides, s.rows.dim);
  const int64_t so = dim_at(s.out_strides, s.rows.dim);
  for (int64_t bx = blockIdx.x; bx < blocks; bx += gridDim.x) {
    const int64_t r = bx / chunks, c = bx % chunks;
    const T* src = in + row_element_offset(s.rows, s.rows.self_strides, r, 0);
    T* dst = out + row_element_offset(s.rows, s.out_strides, r, 0);
    const int64_t j0 = c * kScanChunk + static_cast<int64_t>(threadIdx.x) * kScanItems;
    Acc items[kScanItems];
    Acc running(0);
#pragma unroll
    for (int i = 0; i < kScanItems; ++i) {
      if (j0 + i < s.rows.n) running += static_cast<Acc>(src[(j0 + i) * si]);
      items[i] = running;
    }
    Acc before;
    BlockScan(temp).ExclusiveSum(running, before);
    const Acc prefix = (prefixes != nullptr ? prefixes[bx] : Acc(0)) + before;
#pragma unroll
    for (int i = 0; i < kScanItems; ++i) {
      if (j0 + i < s.rows.n) dst[(j0 + i) * so] = static_cast<T>(prefix + items[i]);
    }
    __syncthreads();
  }
}

void cumsum_kernel(const Tensor& out, const Tensor& self, int64_t dim) {
  const int device = self.device().index();
  DeviceGuard guard(device);
  cudaStream_t stream = current_stream(device);
  ScanRows s{};
  s.rows.ndim = static_cast<int>(self.dim());
  s.rows.dim = static_cast<int>(dim);
  s.rows.sizes = to_dim_array(self.sizes(), "cumsum");
  s.rows.self_strides = to_dim_array(self.strides(), "cumsum");
  s.rows.n = self.size(dim);
  s.rows.rows = self.numel() / s.rows.n;
  s.out_strides = to_dim_array(out.strides(), "cumsum");
  dispatch_dtype<NumericTypes>(out.dtype(), "cumsum", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using Acc = ScanAcc<T>;
    const T* in = static_cast<const T*>(self.data_ptr());
    T* dst = static_cast<T*>(out.data_ptr());
    if (scan_by_row_threads(s)) {
      run_items(ScanRowBody<T>{in, dst, s}, device, "cumsum");
      return;
    }
    const int64_t chunks = (s.rows.n + kScanChunk - 1) / kScanChunk;
    const int64_t blocks = s.rows.rows * chunks;
    const unsigned grid = static_cast<unsigned>(std::min(blocks, kMaxGridX));
    Tensor sums;
    Acc* prefixes = nullptr;
    if (chunks > 1) {
      sums = device_scratch(blocks * static_cast<int64_t>(sizeof(Acc)), device);
      prefixes = static_cast<Acc*>(sums.data_ptr());
      scan_chunk_sums_kernel<T><<<grid, kScanThreads, 0, stream>>>(in, s, chunks, prefixes);
      check_launch("cumsum");
      run_items(ScanChunkPrefixBody<Acc>{prefixes, chunks, s.rows.rows}, device, "cumsum");
    }
    scan_chunks_kernel<T><<<grid, kScanThreads, 0, stream>>>(in, dst, s, chunks, prefixes);
    check_launch("cumsum");
  });
}

// ---- nonzero ----
Tensor nonzero_kernel(const Tensor& self) {
  const int device = self.device().index();
  DeviceGuard guard(device);
  cudaStream_t stream = current_stream(device);
  const int64_t numel = self.numel();
  const int64_t ndim = self.dim();
  if (numel == 0) return ::ember::detail::empty_tensor({0, ndim}, kInt64, self.device());
  // positions (numel int64), the count (one int64), flags (numel bytes).
  const Tensor scratch = device_scratch(numel * 9 + 8, device);
  int64_t* positions = static_cast<int64_t*>(scratch.data_ptr());
  int64_t* count_on_device = positions + numel;
  uint8_t* flags = reinterpret_cast<uint8_t*>(count_on_device + 1);
  const DimArray sizes = to_dim_array(self.sizes(), "nonzero");
  dispatch_dtype<AllTypes>(self.dtype(), "nonzero", [&](auto tag) {
    using T = typename decltype(tag)::type;
    NonzeroFlagBody<T> body{};
    body.self = static_cast<const T*>(self.data_ptr());
    body.flags = flags;
    body.ndim = static_cast<int>(ndim);
    body.sizes = sizes;
    body.strides = to_dim_array(self.strides(), "nonzero");
    body.contiguous = self.is_contiguous();
    body.numel = numel;
    run_items(body, device, "nonzero");
  });
  const thrust::counting_iterator<int64_t> first(0);
  size_t bytes = 0;
  EMBER_CUDA_CHECK(cub::DeviceSelect::Flagged(nullptr, bytes, first, flags, positions,
                                              count_on_device, numel, stream));
  const Tensor temp = device_scratch(static_cast<int64_t>(std::max<size_t>(bytes, 1)), device);
  EMBER_CUDA_CHECK(cub::DeviceSelect::Flagged(temp.data_ptr(), bytes, first, flags, positions,
                                              count_on_device, numel, stream));
  int64_t count = 0;
  EMBER_CUDA_CHECK(
      cudaMemcpyAsync(&count, count_on_device, sizeof count, cudaMemcpyDeviceToHost, stream));
  synchronize_stream(stream);
  Tensor out = ::ember::detail::empty_tensor({count, ndim}, kInt64, self.device());
  if (count > 0 && ndim > 0) {
    run_items(
        NonzeroCoordsBody{positions, out.data_ptr<int64_t>(), static_cast<int>(ndim), sizes, count},
        device, "nonzero");
  }
  return out;
}

}  // namespace

EMBER_REGISTER_KERNEL(cumsum, CUDA, cumsum_kernel);
EMBER_REGISTER_KERNEL(nonzero, CUDA, nonzero_kernel);

}  // namespace ember::cuda
