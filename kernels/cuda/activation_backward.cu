// CUDA kernels of the activations' backward ((grad, input or output) -> grad input): the functors
// of kernels/functors.h through the one element-wise launcher, with the dtypes of the CPU kernels
// (kernels/cpu/activation_backward_kernels.cpp). A file of its own so that nvcc builds it beside
// the other element-wise files.
#include "ember/core/dispatch.h"
#include "kernels/cuda/elementwise_launch.cuh"
#include "kernels/dtype_dispatch.h"

namespace ember::cuda {
namespace {

// grad_input = F(grad, x) with all three of one floating dtype.
template <typename MakeFunctor>
void backward(const ElementwiseIter& it, const char* name, const MakeFunctor& make) {
  dispatch_dtype<FloatingTypes>(it.dtype[1], name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    launch_elementwise<T, T, T>(it, make(TypeTag<opmath_t<T>>{}), name);
  });
}

void threshold_backward_kernel(const ElementwiseIter& it, const ElementwiseArgs& a) {
  backward(it, "threshold_backward", [&](auto tag) {
    using M = typename decltype(tag)::type;
    return ThresholdBackwardFunctor<M>{static_cast<M>(a.d0)};
  });
}
void leaky_relu_backward_kernel(const ElementwiseIter& it, const ElementwiseArgs& a) {
  backward(it, "leaky_relu_backward", [&](auto tag) {
    using M = typename decltype(tag)::type;
    return LeakyReluBackwardFunctor<M>{static_cast<M>(a.d0)};
  });
}
void gelu_backward_kernel(const ElementwiseIter& it, const ElementwiseArgs& a) {
  backward(it, "gelu_backward", [&](auto tag) {
    using M = typename decltype(tag)::type;
    return GeluBackwardFunctor<M>{a.flags == 1};
  });
}
void sigmoid_backward_kernel(const ElementwiseIter& it, const ElementwiseArgs&) {
  backward(it, "sigmoid_backward",
           [](auto tag) { return SigmoidBackwardFunctor<typename decltype(tag)::type>{}; });
}
void tanh_backward_kernel(const ElementwiseIter& it, const ElementwiseArgs&) {
  backward(it, "tanh_backward",
           [](auto tag) { return TanhBackwardFunctor<typename decltype(tag)::type>{}; });
}

}  // namespace

EMBER_REGISTER_KERNEL(threshold_backward, CUDA, threshold_backward_kernel);
EMBER_REGISTER_KERNEL(leaky_relu_backward, CUDA, leaky_relu_backward_kernel);
EMBER_REGISTER_KERNEL(gelu_backward, CUDA, gelu_backward_kernel);
EMBER_REGISTER_KERNEL(sigmoid_backward, CUDA, sigmoid_backward_kernel);
EMBER_REGISTER_KERNEL(tanh_backward, CUDA, tanh_backward_kernel);

}  // namespace ember::cuda
