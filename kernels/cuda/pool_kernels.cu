// CUDA rows of max_pool2d, avg_pool2d, adaptive_avg_pool2d and the backward of the average
// poolings: one thread per output element (forward) or per input element (backward, a gather:
// Note [Pooling backward as a gather]), running the bodies of pool_bodies.h, whose window math is
// the CPU's (kernels/pool2d_math.h). Results equal the CPU's bit for bit. max_pool2d_backward is
// in gather_scatter_kernels.cu.
#include "ember/core/dispatch.h"
#include "ember/core/tensor.h"
#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_context.h"
#include "kernels/cuda/pool_bodies.h"
#include "kernels/cuda/position_launch.cuh"
#include "kernels/dtype_dispatch.h"

namespace ember::cuda {
namespace {

// Sizes from input planes [P, H, W] and output planes [P, Ho, Wo].
PlaneShape plane_shape(const Tensor& in, const Tensor& out) {
  return {in.size(0), in.size(1), in.size(2), out.size(1), out.size(2)};
}

// Runs f(tag, stream) on the device of t for its float32/float64 dtype, then checks the launch.
template <typename F>
void on_device(const Tensor& t, const char* op, const F& f) {
  const int device = t.device().index();
  DeviceGuard guard(device);
  cudaStream_t stream = current_stream(device);
  dispatch_dtype<Float32And64>(t.dtype(), op, [&](auto tag) { f(tag, stream); });
  check_launch(op);
}

void max_pool2d_kernel(const Tensor& out, const Tensor& indices, const Tensor& input,
                       const Pool2dParams& p) {
  on_device(input, "max_pool2d", [&](auto tag, cudaStream_t stream) {
    using T = typename decltype(tag)::type;
    launch_positions(MaxPoolForwardBody<T>{out.data_ptr<T>(), indices.data_ptr<int64_t>(),
                                           input.data_ptr<T>(), plane_shape(input, out), p},
                     out.numel(), stream);
  });
}

void avg_pool2d_kernel(const Tensor& out, const Tensor& input, const Pool2dParams& p) {
  on_device(input, "avg_pool2d", [&](auto tag, cudaStream_t stream) {
    using T = typename decltype(tag)::type;
    launch_positions(
        AvgPoolForwardBody<T>{out.data_ptr<T>(), input.data_ptr<T>(), plane_shape(input, out), p},
        out.numel(), stream);
  });
}

void avg_pool2d_backward_kernel(const Tensor& grad_input, const Tensor& grad_output,
                                const Pool2dParams& p) {
  on_device(grad_input, "avg_pool2d_backward", [&](auto tag, cudaStream_t stream) {
    using T = typename decltype(tag)::type;
    launch_positions(AvgPoolBackwardBody<T>{grad_input.data_ptr<T>(), grad_output.data_ptr<T>(),
                                            plane_shape(grad_input, grad_output), p},
                     grad_input.numel(), stream);
  });
}

void adaptive_avg_pool2d_kernel(const Tensor& out, const Tensor& input) {
  on_device(input, "adaptive_avg_pool2d", [&](auto tag, cudaStream_t stream) {
    using T = typename decltype(tag)::type;
    launch_positions(AdaptiveAvgPoolForwardBody<T>{out.data_ptr<T>(), input.data_ptr<T>(),
                                                   plane_shape(input, out)},
                     out.numel(), stream);
  });
}

void adaptive_avg_pool2d_backward_kernel(const Tensor& grad_input, const Tensor& grad_output) {
  on_device(grad_input, "adaptive_avg_pool2d_backward", [&](auto tag, cudaStream_t stream) {
    using T = typename decltype(tag)::type;
    launch_positions(
        AdaptiveAvgPoolBackwardBody<T>{grad_input.data_ptr<T>(), grad_output.data_ptr<T>(),
                                       plane_shape(grad_input, grad_output)},
        grad_input.numel(), stream);
  });
}

}  // namespace

EMBER_REGISTER_KERNEL(max_pool2d, CUDA, max_pool2d_kernel);
EMBER_REGISTER_KERNEL(avg_pool2d, CUDA, avg_pool2d_kernel);
EMBER_REGISTER_KERNEL(avg_pool2d_backward, CUDA, avg_pool2d_backward_kernel);
EMBER_REGISTER_KERNEL(adaptive_avg_pool2d, CUDA, adaptive_avg_pool2d_kernel);
EMBER_REGISTER_KERNEL(adaptive_avg_pool2d_backward, CUDA, adaptive_avg_pool2d_backward_kernel);

}  // namespace ember::cuda
