// CUDA rows of softmax, log_softmax and their backward. A softmax over the last dim (inner == 1)
// runs one warp per row (rows up to 1024 elements, 8 rows per block) or one block of 256 threads
// per row, with 16-byte vector loads and stores when the rows allow, deterministic group
// reductions (Note [Deterministic group reductions]) and the maximum subtracted before exp;
// float32 accumulates in float (memory-bound: double exp would cost more than the bytes), float64
// in double. Forward reads the row twice (an online maximum and sum, then the write), backward
// reads grad and output twice (the sum, then the write); rows that fit in L2 are read from DRAM
// once. Other dims (inner > 1) run one thread per position with the bodies of
// softmax_loss_bodies.h, whose neighbouring threads read neighbouring columns.
#include "ember/core/dispatch.h"
#include "ember/core/tensor.h"
#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_context.h"
#include "kernels/cuda/group_reduce.cuh"
#include "kernels/cuda/position_launch.cuh"
#include "kernels/cuda/row_access.cuh"
#include "kernels/cuda/softmax_loss_bodies.h"
#include "kernels/dtype_dispatch.h"

namespace ember::cuda {
namespace {

template <typename T>
using AccOf = std::conditional_t<std::is_same_v<T, double>, double, float>;

struct SoftmaxShape {
  int64_t outer = 1, n = 1, inner = 1;
};
SoftmaxShape softmax_shape(const Tensor& t, int64_t dim) {
  SoftmaxShape s;
  for (int64_t d = 0; d < dim; ++d) s.outer *= t.size(d);
  s.n = t.size(dim);
  for (int64_t d = dim + 1; d < t.dim(); ++d) s.inner *= t.size(d);
  return s;
}

template <typename T, bool kLog, int kGroup, int kVec>
__global__ void softmax_rows_kernel(T* out, const T* in, int64_t rows, int64_t n) {
  using Acc = AccOf<T>;
  __shared__ Acc shared[2 * (kGroup / 32)];
  const int64_t row = group_row<kGroup>();
  if (row >= rows) return;  // whole warps (kGroup 32) or the whole block
  const int lane = threadIdx.x;
  const T* x = in + row * n;
  T* y = out + row * n;
  // One pass for the maximum and the sum of exp (online, Note [Fused cross-entropy on the GPU]),
  // one to write: the row is read twice, not three times.
  MaxSum<Acc> ms{Acc(-INFINITY), Acc(0)};
  for_each_owned<kGroup, kVec>(x, n, lane, [&](int64_t, T v) { add_to_max_sum(ms, Acc(v)); });
  ms = group_reduce_max_sum<kGroup>(ms, shared, shared + kGroup / 32);
  // A row of -inf (sum 0) gives NaN, as the CPU's exp(-inf - -inf) does.
  const Acc m = ms.max, s = ms.sum == Acc(0) ? Acc(NAN) : ms.sum;
  if constexpr (kLog) {
    const Acc lse = m + log(s);
    transform_owned<kGroup, kVec>(x, y, n, lane, [&](int64_t, T v) { return T(Acc(v) - lse); });
  } else {
    const Acc inv = Acc(1) / s;
    transform_owned<kGroup, kVec>(x, y, n, lane,
                                  [&](int64_t, T v) { return T(exp(Acc(v) - m) * inv); });
  }
}

template <typename T, bool kLog, int kGroup, int kVec>
__global__ void softmax_backward_rows_kernel(T* grad_input, const T* grad_output, const T* output,
                                             int64_t rows, int64_t n) {
  using Acc = AccOf<T>;
  __shared__ Acc shared[kGroup / 32];
  const int64_t row = group_row<kGroup>();
  if (row >= rows) return;
  const int lane = threadIdx.x;
  const T* g = grad_output + row * n;
  const T* y = output + row * n;
  T* gx = grad_input + row * n;
  Acc s = 0;
  for_each_owned2<kGroup, kVec>(
      g, y, n, lane, [&](int64_t, T gv, T yv) { s += kLog ? Acc(gv) : Acc(gv) * Acc(yv); });
  s = group_reduce<kGroup>(s, SumOp{}, shared);
  transform_owned2<kGroup, kVec>(g, y, gx, n, lane, [&](int64_t, T gv, T yv) {
    return kLog ? T(Acc(gv) - exp(Acc(yv)) * s) : T(Acc(yv) * (Acc(gv) - s));
  });
}

template <bool kLog>
void softmax_kernel(const Tensor& out, const Tensor& input, int64_t dim) {
  const SoftmaxShape s = softmax_shape(input, dim);
  const int device = out.device().index();
  DeviceGuard guard(device);
  cudaStream_t stream = current_stream(device);
  const char* name = kLog ? "log_softmax" : "softmax";
  dispatch_dtype<Float32And64>(input.dtype(), name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* x = input.data_ptr<T>();
    T* y = out.data_ptr<T>();
    if (s.inner == 1) {
      const bool vec = rows_vectorizable<T>(x, s.n) && rows_vectorizable<T>(y, s.n);
      with_row_config<T>(s.outer, s.n, vec, [&](auto config, dim3 grid, dim3 block) {
        using C = decltype(config);
        softmax_rows_kernel<T, kLog, C::group, C::vec>
            <<<grid, block, 0, stream>>>(y, x, s.outer, s.n);
      });
    } else {
      launch_positions(SoftmaxColumnBody<T, kLog>{y, x, s.n, s.inner}, s.outer * s.inner, stream);
    }
  });
  check_launch(name);
}

template <bool kLog>
void softmax_backward_kernel(const Tensor& grad_input, const Tensor& grad_output,
                             const Tensor& output, int64_t dim) {
  const SoftmaxShape s = softmax_shape(output, dim);
  const int device = grad_input.device().index();
  DeviceGuard guard(device);
  cudaStream_t stream = current_stream(device);
  const char* name = kLog ? "log_softmax_backward" : "softmax_backward";
  dispatch_dtype<Float32And64>(output.dtype(), name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* g = grad_output.data_ptr<T>();
    const T* y = output.data_ptr<T>();
    T* gx = grad_input.data_ptr<T>();
    if (s.inner == 1) {
      const bool vec = rows_vectorizable<T>(g, s.n) && rows_vectorizable<T>(y, s.n) &&
                       rows_vectorizable<T>(gx, s.n);
      with_row_config<T>(s.outer, s.n, vec, [&](auto config, dim3 grid, dim3 block) {
        using C = decltype(config);
        softmax_backward_rows_kernel<T, kLog, C::group, C::vec>
            <<<grid, block, 0, stream>>>(gx, g, y, s.outer, s.n);
      });
    } else {
      launch_positions(SoftmaxBackwardColumnBody<T, kLog>{gx, g, y, s.n, s.inner},
                       s.outer * s.inner, stream);
    }
  });
  check_launch(name);
}

}  // namespace

EMBER_REGISTER_KERNEL(softmax, CUDA, softmax_kernel<false>);
EMBER_REGISTER_KERNEL(log_softmax, CUDA, softmax_kernel<true>);
EMBER_REGISTER_KERNEL(softmax_backward, CUDA, softmax_backward_kernel<false>);
EMBER_REGISTER_KERNEL(log_softmax_backward, CUDA, softmax_backward_kernel<true>);

}  // namespace ember::cuda
