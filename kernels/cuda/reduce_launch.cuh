// The CUDA launcher of Ember's reductions: runs a reduction functor (kernels/reduce_functors.h)
// over a ReduceIter with the bodies and layout of reduce_body.h (Note [CUDA reduction layout]):
// one kernel that folds and combines lanes in shared memory, and, when the reduced range is split
// into groups, a second kernel that combines each output's partials in order. Deterministic, no
// atomics. Included by the reduction .cu files only.
//
// GPU-only (tests/cuda/README.md): the shared-memory tree and its __syncthreads; the CPU test runs
// the same bodies and the same order of combines in plain loops.
#pragma once

#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>

#include "ember/core/elementwise.h"
#include "ember/core/tensor.h"
#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_context.h"
#include "kernels/cuda/reduce_body.h"

namespace ember::cuda {

// Combines the lanes of each block slot into lane 0's shared slot (Note [CUDA reduction layout]).
// slot(s, l) is the shared index of slot s, lane l; every thread of the block calls it.
template <typename Op, typename SlotFn>
__device__ inline void shared_tree(const Op& op, typename Op::acc_t* shared, int s, int l,
                                   int lanes, const SlotFn& slot) {
  for (int w = lanes / 2; w > 0; w /= 2) {
    __syncthreads();
    if (l < w) shared[slot(s, l)] = op.combine(shared[slot(s, l)], shared[slot(s, l + w)]);
  }
}

template <typename Body>
__global__ void __launch_bounds__(kReduceThreads)
    reduce_groups_kernel(Body body, int64_t out_numel) {
  using Acc = typename Body::Acc;
  __shared__ __align__(16) unsigned char storage[kReduceThreads * sizeof(Acc)];
  Acc* shared = reinterpret_cast<Acc*>(storage);
  const int t = static_cast<int>(threadIdx.x);
  int s, l;
  body.slot_of(t, &s, &l);
  const auto slot = [&](int s_, int l_) { return body.slot(s_, l_); };
  for (int64_t g = blockIdx.y; g < body.plan.groups; g += gridDim.y) {
    for (int64_t bx = blockIdx.x; bx < body.plan.out_blocks; bx += gridDim.x) {
      const int64_t o = bx * body.plan.outputs_per_block + s;
      shared[t] = o < out_numel ? body.thread_partial(o, g, l) : body.op.identity();
      shared_tree(body.op, shared, s, l, body.plan.lanes, slot);
      if (l == 0 && o < out_numel) body.finish(o, g, shared[t]);
      __syncthreads();  // the slots are reused by the next pair
    }
  }
}

template <typename Body>
__global__ void __launch_bounds__(kReduceThreads)
    reduce_final_kernel(Body body, int64_t out_numel) {
  using Acc = typename Body::Acc;
  constexpr int kOutputsPerBlock = kReduceThreads / kReduceFinalLanes;
  __shared__ __align__(16) unsigned char storage[kReduceThreads * sizeof(Acc)];
  Acc* shared = reinterpret_cast<Acc*>(storage);
  const int t = static_cast<int>(threadIdx.x);
  const int s = t / kReduceFinalLanes, l = t % kReduceFinalLanes;
  const auto slot = [](int s_, int l_) { return s_ * kReduceFinalLanes + l_; };
  const int64_t blocks = (out_numel + kOutputsPerBlock - 1) / kOutputsPerBlock;
  for (int64_t bx = blockIdx.x; bx < blocks; bx += gridDim.x) {
    const int64_t o = bx * kOutputsPerBlock + s;
    shared[t] = o < out_numel ? body.lane_partial(o, l) : body.op.identity();
    shared_tree(body.op, shared, s, l, kReduceFinalLanes, slot);
    if (l == 0 && o < out_numel) body.finish(o, shared[t]);
    __syncthreads();
  }
}

inline constexpr int64_t kMaxReduceGridY = 65535;

// Blocks of `threads` threads of `kernel` that the device holds at once: the kernel's occupancy
// per SM at kReduceThreads (found once per kernel), scaled to smaller blocks and capped at the 32
// blocks an SM holds, times the SM count.
template <typename Kernel>
int64_t resident_blocks(Kernel kernel, int threads, int device) {
  static const int per_sm = [&] {
    int blocks = 0;
    EMBER_CUDA_CHECK(
        cudaOccupancyMaxActiveBlocksPerMultiprocessor(&blocks, kernel, kReduceThreads, 0));
    return blocks > 0 ? blocks : 1;
  }();
  int sms = 0;
  EMBER_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));
  const int64_t scaled = std::min<int64_t>(32, per_sm * (kReduceThreads / std::max(threads, 1)));
  return scaled * std::max(sms, 1);
}

// Runs Op over the iterator: In is the input's storage type, Out the output's. Asynchronous on
// Ember's stream of the output's device; partial results live in a scratch tensor from the
// caching allocator, reused by later work on that stream only once these kernels are done.
// (limits: the defaults; bench/cuda_reduce_lab.cu tries others.)
template <typename In, typename Out, typename Op>
void launch_reduce(const ReduceIter& it, const Op& op, const char* name,
                   const ReduceLimits& limits = {}) {
  using Acc = typename Op::acc_t;
  if (it.out_numel == 0) return;
  const int device = device_of_pointer(it.out != nullptr ? it.out : it.out_index);
  DeviceGuard guard(device);
  cudaStream_t stream = current_stream(device);

  ReduceBody<In, Out, Op> body{it, op, make_reduce_plan(it, static_cast<int>(sizeof(In)), limits),
                               nullptr};
  Tensor partials;
  if (body.plan.groups > 1) {
    const int64_t bytes = it.out_numel * body.plan.groups * static_cast<int64_t>(sizeof(Acc));
    partials = ::ember::detail::empty_tensor({bytes}, kUInt8, Device(kCUDA, device));
    body.partials = static_cast<Acc*>(partials.data_ptr());
  }
  // A grid of the blocks the device holds at once, striding over (block of outputs, group).
  const auto kernel = reduce_groups_kernel<ReduceBody<In, Out, Op>>;
  const int64_t resident = resident_blocks(kernel, body.plan.threads(), device);
  const int64_t grid_x = std::min(body.plan.out_blocks, resident);
  const int64_t grid_y =
      std::min({body.plan.groups, std::max<int64_t>(1, resident / grid_x), kMaxReduceGridY});
  kernel<<<dim3(static_cast<unsigned>(grid_x), static_cast<unsigned>(grid_y)), body.plan.threads(),
           0, stream>>>(body, it.out_numel);
  check_launch(name);
  if (body.plan.groups > 1) {
    const ReduceFinalBody<Out, Op> final_body{it, op, body.partials, body.plan.groups};
    const auto final_kernel = reduce_final_kernel<ReduceFinalBody<Out, Op>>;
    const int64_t blocks = (it.out_numel + kReduceThreads / kReduceFinalLanes - 1) /
                           (kReduceThreads / kReduceFinalLanes);
    const int64_t final_grid =
        std::min(blocks, resident_blocks(final_kernel, kReduceThreads, device));
    final_kernel<<<static_cast<unsigned>(final_grid), kReduceThreads, 0, stream>>>(final_body,
                                                                                   it.out_numel);
    check_launch(name);
  }
}

}  // namespace ember::cuda
