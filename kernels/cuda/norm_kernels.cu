// CUDA rows of batch_norm and layer_norm, forward and backward. Own kernels rather than cuDNN's:
// cuDNN's batch norm differs from the CPU rule in its running-variance bias correction and
// saves its own statistics, and both ops are plain memory-bound reductions.
//
// batch_norm: per-channel sums by blocks over (channel, part of the batch rows) in double
// (Note [Batch-norm statistics on the GPU] in norm_bodies.h), a per-channel pass that finishes
// the statistics (and updates the running ones) or the parameter gradients, and an element-wise
// pass. layer_norm: one warp (rows up to 1024 elements) or one block of 256 threads per row, two
// passes for mean and variance in double, one for the output; its weight and bias gradients sum
// columns over parts of the rows, then the parts in order. Every sum runs in an order fixed by
// the shapes (Note [Deterministic group reductions]): bit-identical from run to run, no atomics.
#include "ember/core/dispatch.h"
#include "ember/core/tensor.h"
#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_context.h"
#include "kernels/cuda/group_reduce.cuh"
#include "kernels/cuda/nn_kernel_support.h"
#include "kernels/cuda/norm_bodies.h"
#include "kernels/cuda/position_launch.cuh"
#include "kernels/cuda/row_access.cuh"
#include "kernels/dtype_dispatch.h"

namespace ember::cuda {
namespace {

constexpr int kPartThreads = 256;

// Partial sums of channel blockIdx.x over batch part blockIdx.y of `parts` (x: [N, C, S]).
// Forward: sum(x - K) and sum((x - K)^2), K = x[0, c, 0]. Backward: sum(dy) and
// sum(dy * (x - mean[c])).
template <typename T, bool kBackward>
__global__ void __launch_bounds__(kPartThreads)
    channel_partials_kernel(PartialSums* partials, const T* x, const T* dy,
                            ChannelVector<const T> mean, int64_t n_batch, int64_t channels,
                            int64_t spatial, int64_t parts) {
  __shared__ double shared[kPartThreads / 32];
  const int64_t c = blockIdx.x, part = blockIdx.y;
  int64_t first, last;
  part_rows(part, parts, n_batch, &first, &last);
  const double center =
      kBackward ? static_cast<double>(mean[c]) : static_cast<double>(x[c * spatial]);
  double a = 0, b = 0;
  auto add = [&](int64_t i) {
    const double d = static_cast<double>(x[i]) - center;
    if constexpr (kBackward) {
      const double g = static_cast<double>(dy[i]);
      a += g;
      b += g * d;
    } else {
      a += d;
      b += d * d;
    }
  };
  if (spatial >= 32) {  // warps walk rows, lanes walk the spatial positions of a row
    const int warps = kPartThreads / 32, warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    for (int64_t n = first + warp; n < last; n += warps) {
      const int64_t base = (n * channels + c) * spatial;
      for (int64_t s = lane; s < spatial; s += 32) add(base + s);
    }
  } else {  // threads walk rows
    for (int64_t n = first + threadIdx.x; n < last; n += kPartThreads) {
      const int64_t base = (n * channels + c) * spatial;
      for (int64_t s = 0; s < spatial; ++s) add(base + s);
    }
  }
  a = group_reduce<kPartThreads>(a, SumOp{}, shared);
  b = group_reduce<kPartThreads>(b, SumOp{}, shared);
  if (threadIdx.x == 0) partials[c * parts + part] = {a, b};
}

template <typename T>
ChannelVector<T> channel_vector(const Tensor& t) {
  if (!t.defined()) return {nullptr, 0};
  return {t.data_ptr<std::remove_const_t<T>>(), t.stride(0)};
}

template <typename T>
const T* data_or_null(const Tensor& t) {
  return t.defined() ? t.data_ptr<T>() : nullptr;
}

template <typename T>
void batch_norm_typed(const Tensor& out, const Tensor& save_mean, const Tensor& save_invstd,
                      const Tensor& input, const Tensor& weight, const Tensor& bias,
                      const Tensor& running_mean, const Tensor& running_var,
                      const BatchNormArgs& args, int device, cudaStream_t stream) {
  const int64_t n = input.size(0), channels = input.size(1), spatial = input.size(2);
  if (channels == 0) return;
  const T* x = input.data_ptr<T>();
  const int64_t parts = parts_for(channels, n, spatial);
  Tensor partial_buffer;
  PartialSums* partials = nullptr;
  if (args.training) {
    partial_buffer =
        nn_scratch(channels * parts * static_cast<int64_t>(sizeof(PartialSums)), device);
    partials = reinterpret_cast<PartialSums*>(partial_buffer.data_ptr());
    channel_partials_kernel<T, false>
        <<<dim3(static_cast<unsigned>(channels), static_cast<unsigned>(parts)), kPartThreads, 0,
           stream>>>(partials, x, nullptr, {nullptr, 0}, n, channels, spatial, parts);
  }
  const Tensor affine = nn_scratch(2 * channels * static_cast<int64_t>(sizeof(T)), device);
  T* scale = static_cast<T*>(affine.data_ptr());
  T* shift = scale + channels;
  launch_positions(
      BatchNormChannelBody<T>{
          partials, x, parts, n, channels, spatial, data_or_null<T>(weight), data_or_null<T>(bias),
          channel_vector<T>(running_mean), channel_vector<T>(running_var),
          args.training ? save_mean.data_ptr<T>() : nullptr,
          args.training ? save_invstd.data_ptr<T>() : nullptr, scale, shift, args},
      channels, stream);
  launch_positions(BatchNormApplyBody<T>{out.data_ptr<T>(), x, scale, shift, channels, spatial},
                   input.numel(), stream);
}

template <typename T>
void batch_norm_backward_typed(const Tensor& grad_input, const Tensor& grad_weight,
                               const Tensor& grad_bias, const Tensor& grad_output,
                               const Tensor& input, const Tensor& weight,
                               const Tensor& running_mean, const Tensor& running_var,
                               const Tensor& save_mean, const Tensor& save_invstd,
                               const BatchNormArgs& args, int device, cudaStream_t stream) {
  const int64_t n = input.size(0), channels = input.size(1), spatial = input.size(2);
  if (channels == 0) return;
  const T* x = input.data_ptr<T>();
  const T* dy = grad_output.data_ptr<T>();
  const ChannelVector<const T> mean_of =
      channel_vector<const T>(args.training ? save_mean : running_mean);
  const ChannelVector<const T> stat_of =
      channel_vector<const T>(args.training ? save_invstd : running_var);
  const int64_t parts = parts_for(channels, n, spatial);
  const Tensor partial_buffer =
      nn_scratch(channels * parts * static_cast<int64_t>(sizeof(PartialSums)), device);
  auto* partials = reinterpret_cast<PartialSums*>(partial_buffer.data_ptr());
  channel_partials_kernel<T, true>
      <<<dim3(static_cast<unsigned>(channels), static_cast<unsigned>(parts)), kPartThreads, 0,
         stream>>>(partials, x, dy, mean_of, n, channels, spatial, parts);
  const Tensor coefficient_buffer =
      nn_scratch(channels * static_cast<int64_t>(sizeof(BatchNormBackwardCoefficients)), device);
  auto* coefficients =
      reinterpret_cast<BatchNormBackwardCoefficients*>(coefficient_buffer.data_ptr());
  launch_positions(
      BatchNormBackwardChannelBody<T>{
          partials, parts, n * spatial, data_or_null<T>(weight), mean_of, stat_of,
          grad_weight.defined() ? grad_weight.data_ptr<T>() : nullptr,
          grad_bias.defined() ? grad_bias.data_ptr<T>() : nullptr, coefficients, args},
      channels, stream);
  if (grad_input.defined()) {
    launch_positions(BatchNormBackwardApplyBody<T>{grad_input.data_ptr<T>(), dy, x, coefficients,
                                                   channels, spatial, args.training},
                     input.numel(), stream);
  }
}

// ---- layer_norm ----
template <typename T, int kGroup>
__global__ void layer_norm_rows_kernel(T* out, T* mean_out, T* rstd_out, const T* in,
                                       const T* weight, const T* bias, int64_t rows, int64_t cols,
                                       double eps) {
  __shared__ double shared[kGroup / 32];
  const int64_t row = group_row<kGroup>();
  if (row >= rows) return;
  const int lane = threadIdx.x;
  const T* x = in + row * cols;
  T* y = out + row * cols;
  double s = 0;
  for (int64_t j = lane; j < cols; j += kGroup) s += static_cast<double>(x[j]);
  const double mean = group_reduce<kGroup>(s, SumOp{}, shared) / static_cast<double>(cols);
  double q = 0;
  for (int64_t j = lane; j < cols; j += kGroup) {
    const double d = static_cast<double>(x[j]) - mean;
    q += d * d;
  }
  const double rstd =
      1.0 / sqrt(group_reduce<kGroup>(q, SumOp{}, shared) / static_cast<double>(cols) + eps);
  if (lane == 0) {
    mean_out[row] = static_cast<T>(mean);
    rstd_out[row] = static_cast<T>(rstd);
  }
  for (int64_t j = lane; j < cols; j += kGroup) {
    double v = (static_cast<double>(x[j]) - mean) * rstd;
    if (weight) v *= static_cast<double>(weight[j]);
    if (bias) v += static_cast<double>(bias[j]);
    y[j] = static_cast<T>(v);
  }
}

template <typename T, int kGroup>
__global__ void layer_norm_backward_rows_kernel(T* grad_input, const T* grad_output, const T* in,
                                                const T* mean, const T* rstd, const T* weight,
                                                int64_t rows, int64_t cols) {
  __shared__ double shared[kGroup / 32];
  const int64_t row = group_row<kGroup>();
  if (row >= rows) return;
  const int lane = threadIdx.x;
  const T* x = in + row * cols;
  const T* dy = grad_output + row * cols;
  T* dx = grad_input + row * cols;
  const double mu = static_cast<double>(mean[row]), rs = static_cast<double>(rstd[row]);
  double sum_g = 0, sum_g_xhat = 0;  // of dxhat = dy * w
  for (int64_t j = lane; j < cols; j += kGroup) {
    const double g = static_cast<double>(dy[j]) * (weight ? static_cast<double>(weight[j]) : 1.0);
    sum_g += g;
    sum_g_xhat += g * (static_cast<double>(x[j]) - mu) * rs;
  }
  const double a = group_reduce<kGroup>(sum_g, SumOp{}, shared) / static_cast<double>(cols);
  const double c = group_reduce<kGroup>(sum_g_xhat, SumOp{}, shared) / static_cast<double>(cols);
  for (int64_t j = lane; j < cols; j += kGroup) {
    const double g = static_cast<double>(dy[j]) * (weight ? static_cast<double>(weight[j]) : 1.0);
    const double xhat = (static_cast<double>(x[j]) - mu) * rs;
    dx[j] = static_cast<T>(rs * (g - a - xhat * c));
  }
}

// body(part, j) for parts blockIdx.y and columns j.
template <typename Body>
__global__ void __launch_bounds__(kPartThreads) part_column_kernel(Body body, int64_t cols) {
  const int64_t j = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (j < cols) body(static_cast<int64_t>(blockIdx.y), j);
}

// Launches a row kernel with a warp or a block per row.
template <typename F>
void with_row_group(int64_t rows, int64_t cols, const F& f) {
  if (cols <= kWarpRowLimit) {
    f(std::integral_constant<int, 32>{},
      dim3(static_cast<unsigned>((rows + kWarpRowsPerBlock - 1) / kWarpRowsPerBlock)),
      dim3(32, kWarpRowsPerBlock));
  } else {
    f(std::integral_constant<int, kBlockGroup>{}, dim3(static_cast<unsigned>(rows)),
      dim3(kBlockGroup));
  }
}

template <typename T>
void layer_norm_typed(const Tensor& out, const Tensor& mean, const Tensor& rstd,
                      const Tensor& input, const Tensor& weight, const Tensor& bias, double eps,
                      cudaStream_t stream) {
  const int64_t rows = input.size(0), cols = input.size(1);
  if (rows == 0) return;
  with_row_group(rows, cols, [&](auto group, dim3 grid, dim3 block) {
    layer_norm_rows_kernel<T, decltype(group)::value><<<grid, block, 0, stream>>>(
        out.data_ptr<T>(), mean.data_ptr<T>(), rstd.data_ptr<T>(), input.data_ptr<T>(),
        data_or_null<T>(weight), data_or_null<T>(bias), rows, cols, eps);
  });
}

template <typename T>
void layer_norm_backward_typed(const Tensor& grad_input, const Tensor& grad_weight,
                               const Tensor& grad_bias, const Tensor& grad_output,
                               const Tensor& input, const Tensor& mean, const Tensor& rstd,
                               const Tensor& weight, int device, cudaStream_t stream) {
  const int64_t rows = input.size(0), cols = input.size(1);
  if (grad_input.defined() && rows > 0 && cols > 0) {
    with_row_group(rows, cols, [&](auto group, dim3 grid, dim3 block) {
      layer_norm_backward_rows_kernel<T, decltype(group)::value><<<grid, block, 0, stream>>>(
          grad_input.data_ptr<T>(), grad_output.data_ptr<T>(), input.data_ptr<T>(),
          mean.data_ptr<T>(), rstd.data_ptr<T>(), data_or_null<T>(weight), rows, cols);
    });
  }
  if ((!grad_weight.defined() && !grad_bias.defined()) || cols == 0) return;
  const int64_t column_blocks = (cols + kPartThreads - 1) / kPartThreads;
  const int64_t parts = std::min<int64_t>(parts_for(column_blocks, rows, kPartThreads), 65535);
  const Tensor partial_buffer =
      nn_scratch(parts * cols * static_cast<int64_t>(sizeof(PartialSums)), device);
  auto* partials = reinterpret_cast<PartialSums*>(partial_buffer.data_ptr());
  part_column_kernel<<<dim3(static_cast<unsigned>(column_blocks), static_cast<unsigned>(parts)),
                       kPartThreads, 0, stream>>>(
      LayerNormColumnPartBody<T>{partials, grad_output.data_ptr<T>(), input.data_ptr<T>(),
                                 mean.data_ptr<T>(), rstd.data_ptr<T>(), rows, cols, parts},
      cols);
  launch_positions(
      LayerNormColumnFinishBody<T>{partials, cols, parts,
                                   grad_weight.defined() ? grad_weight.data_ptr<T>() : nullptr,
                                   grad_bias.defined() ? grad_bias.data_ptr<T>() : nullptr},
      cols, stream);
}

// Runs f(tag, device, stream) for the dtype of t on its device and checks the launches.
template <typename F>
void on_device(const Tensor& t, const char* op, const F& f) {
  const int device = t.device().index();
  DeviceGuard guard(device);
  cudaStream_t stream = current_stream(device);
  dispatch_dtype<Float32And64>(t.dtype(), op, [&](auto tag) { f(tag, device, stream); });
  check_launch(op);
}

void batch_norm_kernel(const Tensor& out, const Tensor& save_mean, const Tensor& save_invstd,
                       const Tensor& input, const Tensor& weight, const Tensor& bias,
                       const Tensor& running_mean, const Tensor& running_var,
                       const BatchNormArgs& args) {
  on_device(input, "batch_norm", [&](auto tag, int device, cudaStream_t stream) {
    using T = typename decltype(tag)::type;
    batch_norm_typed<T>(out, save_mean, save_invstd, input, weight, bias, running_mean, running_var,
                        args, device, stream);
  });
}

void batch_norm_backward_kernel(const Tensor& grad_input, const Tensor& grad_weight,
                                const Tensor& grad_bias, const Tensor& grad_output,
                                const Tensor& input, const Tensor& weight,
                                const Tensor& running_mean, const Tensor& running_var,
                                const Tensor& save_mean, const Tensor& save_invstd,
                                const BatchNormArgs& args) {
  on_device(input, "batch_norm_backward", [&](auto tag, int device, cudaStream_t stream) {
    using T = typename decltype(tag)::type;
    batch_norm_backward_typed<T>(grad_input, grad_weight, grad_bias, grad_output, input, weight,
                                 running_mean, running_var, save_mean, save_invstd, args, device,
                                 stream);
  });
}

void layer_norm_kernel(const Tensor& out, const Tensor& mean, const Tensor& rstd,
                       const Tensor& input, const Tensor& weight, const Tensor& bias, double eps) {
  on_device(input, "layer_norm", [&](auto tag, int, cudaStream_t stream) {
    using T = typename decltype(tag)::type;
    layer_norm_typed<T>(out, mean, rstd, input, weight, bias, eps, stream);
  });
}

void layer_norm_backward_kernel(const Tensor& grad_input, const Tensor& grad_weight,
                                const Tensor& grad_bias, const Tensor& grad_output,
                                const Tensor& input, const Tensor& mean, const Tensor& rstd,
                                const Tensor& weight) {
  on_device(input, "layer_norm_backward", [&](auto tag, int device, cudaStream_t stream) {
    using T = typename decltype(tag)::type;
    layer_norm_backward_typed<T>(grad_input, grad_weight, grad_bias, grad_output, input, mean, rstd,
                                 weight, device, stream);
  });
}

}  // namespace

EMBER_REGISTER_KERNEL(batch_norm, CUDA, batch_norm_kernel);
EMBER_REGISTER_KERNEL(batch_norm_backward, CUDA, batch_norm_backward_kernel);
EMBER_REGISTER_KERNEL(layer_norm, CUDA, layer_norm_kernel);
EMBER_REGISTER_KERNEL(layer_norm_backward, CUDA, layer_norm_backward_kernel);

}  // namespace ember::cuda
