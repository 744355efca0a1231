// CPU kernels of the activations' backward: (grad, input or output) -> grad input, fused in one
// pass each instead of the three or four point-wise ops their formulas would take.
#include "kernels/cpu/elementwise_helpers.h"

namespace ember::cpu {
namespace {

void threshold_backward_kernel(const ElementwiseIter& it, const ElementwiseArgs& a) {
  dispatch_dtype<FloatingTypes>(it.dtype[1], "threshold_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using M = opmath_t<T>;
    elementwise_kernel<T, T, T>(it, ThresholdBackwardFunctor<M>{static_cast<M>(a.d0)});
  });
}
void leaky_relu_backward_kernel(const ElementwiseIter& it, const ElementwiseArgs& a) {
  dispatch_dtype<FloatingTypes>(it.dtype[1], "leaky_relu_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using M = opmath_t<T>;
    elementwise_kernel<T, T, T>(it, LeakyReluBackwardFunctor<M>{static_cast<M>(a.d0)});
  });
}
void gelu_backward_kernel(const ElementwiseIter& it, const ElementwiseArgs& a) {
  dispatch_dtype<FloatingTypes>(it.dtype[1], "gelu_backward", [&](auto tag) {
    using T = typename decltype(tag)::type;
    elementwise_kernel<T, T, T>(it, GeluBackwardFunctor<opmath_t<T>>{a.flags == 1});
  });
}
void sigmoid_backward_kernel(const ElementwiseIter& it, const ElementwiseArgs&) {
  binary_kernel<SigmoidBackwardFunctor, FloatingTypes>(it, "sigmoid_backward");
}
void tanh_backward_kernel(const ElementwiseIter& it, const ElementwiseArgs&) {
  binary_kernel<TanhBackwardFunctor, FloatingTypes>(it, "tanh_backward");
}

}  // namespace

EMBER_REGISTER_KERNEL(threshold_backward, CPU, threshold_backward_kernel);
EMBER_REGISTER_KERNEL(leaky_relu_backward, CPU, leaky_relu_backward_kernel);
EMBER_REGISTER_KERNEL(gelu_backward, CPU, gelu_backward_kernel);
EMBER_REGISTER_KERNEL(sigmoid_backward, CPU, sigmoid_backward_kernel);
EMBER_REGISTER_KERNEL(tanh_backward, CPU, tanh_backward_kernel);

}  // namespace ember::cpu
