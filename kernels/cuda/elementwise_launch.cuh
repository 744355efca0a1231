// The one templated CUDA launcher of Ember's point-wise ops: runs a functor of kernels/functors.h
// over an ElementwiseIter on Ember's stream of the output's device, through the bodies of
// elementwise_body.h (Note [Element-wise paths]) and one thin __global__ wrapper. Included by the
// element-wise .cu files only.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_context.h"
#include "kernels/cuda/elementwise_body.h"

// The functors are generic over unsigned types too, where `a < 0` is meant to be always false.
#pragma nv_diag_suppress 186, 514

namespace ember::cuda {

inline constexpr int kElementwiseThreads = 256;
// Above this many blocks the grid strides over the remaining items.
inline constexpr int64_t kMaxElementwiseBlocks = int64_t{1} << 30;

// The only device code of the element-wise ops: item i of a body, grid-stride.
template <typename Body>
__global__ void __launch_bounds__(kElementwiseThreads)
    elementwise_items_kernel(Body body, int64_t n) {
  const int64_t step = static_cast<int64_t>(gridDim.x) * blockDim.x;
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += step)
    body(i);
}

template <typename Body>
inline void launch_items(const Body& body, int64_t n, cudaStream_t stream) {
  if (n == 0) return;
  const int64_t blocks =
      std::min((n + kElementwiseThreads - 1) / kElementwiseThreads, kMaxElementwiseBlocks);
  elementwise_items_kernel<Body>
      <<<static_cast<unsigned>(blocks), kElementwiseThreads, 0, stream>>>(body, n);
}

// out = f(in...) over the iterator; Out and In... are the operands' storage types, f takes and
// returns compute types. Asynchronous on current_stream of the output's device.
template <typename Out, typename... In, typename F>
void launch_elementwise(const ElementwiseIter& it, const F& f, const char* op) {
  if (it.numel == 0) return;
  const int device = device_of_pointer(it.data[0]);
  DeviceGuard guard(device);
  cudaStream_t stream = current_stream(device);
  switch (choose_path(it)) {
    case ElementwisePath::Contiguous: {
      const auto body = make_contiguous_body<Out, In...>(it, f);
      launch_items(body, body.work_items(), stream);
      break;
    }
    case ElementwisePath::Strided32: {
      const auto body = make_strided_body<uint32_t, Out, In...>(it, f);
      launch_items(body, body.work_items(), stream);
      break;
    }
    case ElementwisePath::Strided64: {
      const auto body = make_strided_body<uint64_t, Out, In...>(it, f);
      launch_items(body, body.work_items(), stream);
      break;
    }
  }
  check_launch(op);
}

}  // namespace ember::cuda
