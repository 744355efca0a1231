// The thin __global__ wrapper that runs a __host__ __device__ body of an explicit index (a
// position, an element, an output) once per index, one thread each, on a stream. The bodies live
// in CUDA-free headers that the CPU tests run in plain loops.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace ember::cuda {

inline constexpr int kPositionThreads = 256;

template <typename Body>
__global__ void __launch_bounds__(kPositionThreads) position_kernel(Body body, int64_t count) {
  const int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < count) body(i);
}

// body(i) for i < count (asynchronous; the caller checks the launch).
template <typename Body>
inline void launch_positions(const Body& body, int64_t count, cudaStream_t stream) {
  if (count <= 0) return;
  const int64_t blocks = (count + kPositionThreads - 1) / kPositionThreads;
  position_kernel<<<static_cast<unsigned>(blocks), kPositionThreads, 0, stream>>>(body, count);
}

}  // namespace ember::cuda
