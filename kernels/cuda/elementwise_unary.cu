// CUDA kernels of the unary point-wise ops: the functors of kernels/functors.h through the one
// launcher, with the CPU kernels' dtype lists (kernels/cpu/unary_kernels.cpp, compare_kernels.cpp
// for logical_not).
#include "ember/core/dispatch.h"
#include "kernels/cuda/elementwise_launch.cuh"
#include "kernels/dtype_dispatch.h"

namespace ember::cuda {
namespace {

// out = F(a) with out and a of one dtype.
template <template <class> class F, typename Types>
void unary(const ElementwiseIter& it, const char* name) {
  dispatch_dtype<Types>(it.dtype[1], name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    launch_elementwise<T, T>(it, F<opmath_t<T>>{}, name);
  });
}

#define EMBER_UNARY_KERNEL(name, Functor, Types)                          \
  void name##_kernel(const ElementwiseIter& it, const ElementwiseArgs&) { \
    unary<Functor, Types>(it, #name);                                     \
  }
EMBER_UNARY_KERNEL(neg, NegFunctor, NumericTypes)
EMBER_UNARY_KERNEL(abs, AbsFunctor, NumericTypes)
EMBER_UNARY_KERNEL(exp, ExpFunctor, FloatingTypes)
EMBER_UNARY_KERNEL(log, LogFunctor, FloatingTypes)
EMBER_UNARY_KERNEL(log1p, Log1pFunctor, FloatingTypes)
EMBER_UNARY_KERNEL(sqrt, SqrtFunctor, FloatingTypes)
EMBER_UNARY_KERNEL(rsqrt, RsqrtFunctor, FloatingTypes)
EMBER_UNARY_KERNEL(sin, SinFunctor, FloatingTypes)
EMBER_UNARY_KERNEL(cos, CosFunctor, FloatingTypes)
EMBER_UNARY_KERNEL(tanh, TanhFunctor, FloatingTypes)
EMBER_UNARY_KERNEL(sigmoid, SigmoidFunctor, FloatingTypes)
EMBER_UNARY_KERNEL(relu, ReluFunctor, NumericTypes)
EMBER_UNARY_KERNEL(sign, SignFunctor, AllTypes)
EMBER_UNARY_KERNEL(reciprocal, ReciprocalFunctor, FloatingTypes)
EMBER_UNARY_KERNEL(square, SquareFunctor, AllTypes)
#undef EMBER_UNARY_KERNEL

void logical_not_kernel(const ElementwiseIter& it, const ElementwiseArgs&) {
  dispatch_dtype<AllTypes>(it.dtype[1], "logical_not", [&](auto tag) {
    using T = typename decltype(tag)::type;
    launch_elementwise<bool, T>(it, LogicalNotFunctor<opmath_t<T>>{}, "logical_not");
  });
}
void leaky_relu_kernel(const ElementwiseIter& it, const ElementwiseArgs& a) {
  dispatch_dtype<FloatingTypes>(it.dtype[1], "leaky_relu", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using M = opmath_t<T>;
    launch_elementwise<T, T>(it, LeakyReluFunctor<M>{static_cast<M>(a.d0)}, "leaky_relu");
  });
}
void gelu_kernel(const ElementwiseIter& it, const ElementwiseArgs& a) {
  dispatch_dtype<FloatingTypes>(it.dtype[1], "gelu", [&](auto tag) {
    using T = typename decltype(tag)::type;
    launch_elementwise<T, T>(it, GeluFunctor<opmath_t<T>>{a.flags == 1}, "gelu");
  });
}
void clamp_kernel(const ElementwiseIter& it, const ElementwiseArgs& a) {
  dispatch_dtype<NumericTypes>(it.dtype[1], "clamp", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using M = opmath_t<T>;
    launch_elementwise<T, T>(it,
                             ClampFunctor<M>{op_argument<M>(a.d0, a.i0), op_argument<M>(a.d1, a.i1),
                                             (a.flags & 1) != 0, (a.flags & 2) != 0},
                             "clamp");
  });
}

}  // namespace

EMBER_REGISTER_KERNEL(neg, CUDA, neg_kernel);
EMBER_REGISTER_KERNEL(abs, CUDA, abs_kernel);
EMBER_REGISTER_KERNEL(exp, CUDA, exp_kernel);
EMBER_REGISTER_KERNEL(log, CUDA, log_kernel);
EMBER_REGISTER_KERNEL(log1p, CUDA, log1p_kernel);
EMBER_REGISTER_KERNEL(sqrt, CUDA, sqrt_kernel);
EMBER_REGISTER_KERNEL(rsqrt, CUDA, rsqrt_kernel);
EMBER_REGISTER_KERNEL(sin, CUDA, sin_kernel);
EMBER_REGISTER_KERNEL(cos, CUDA, cos_kernel);
EMBER_REGISTER_KERNEL(tanh, CUDA, tanh_kernel);
EMBER_REGISTER_KERNEL(sigmoid, CUDA, sigmoid_kernel);
EMBER_REGISTER_KERNEL(relu, CUDA, relu_kernel);
EMBER_REGISTER_KERNEL(sign, CUDA, sign_kernel);
EMBER_REGISTER_KERNEL(reciprocal, CUDA, reciprocal_kernel);
EMBER_REGISTER_KERNEL(square, CUDA, square_kernel);
EMBER_REGISTER_KERNEL(logical_not, CUDA, logical_not_kernel);
EMBER_REGISTER_KERNEL(leaky_relu, CUDA, leaky_relu_kernel);
EMBER_REGISTER_KERNEL(gelu, CUDA, gelu_kernel);
EMBER_REGISTER_KERNEL(clamp, CUDA, clamp_kernel);

}  // namespace ember::cuda
