// CPU kernels of the unary point-wise ops.
#include "kernels/cpu/elementwise_helpers.h"

namespace ember::cpu {
namespace {

// Signed types only for neg (uint8 negation wraps like PyTorch's).
using SignedNumeric = NumericTypes;

#define EMBER_UNARY_KERNEL(name, Functor, Types)                          \
  void name##_kernel(const ElementwiseIter& it, const ElementwiseArgs&) { \
    unary_kernel<Functor, Types>(it, #name);                              \
  }
EMBER_UNARY_KERNEL(neg, NegFunctor, SignedNumeric)
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

void leaky_relu_kernel(const ElementwiseIter& it, const ElementwiseArgs& a) {
  dispatch_dtype<FloatingTypes>(it.dtype[1], "leaky_relu", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using M = opmath_t<T>;
    elementwise_kernel<T, T>(it, LeakyReluFunctor<M>{static_cast<M>(a.d0)});
  });
}
void gelu_kernel(const ElementwiseIter& it, const ElementwiseArgs& a) {
  dispatch_dtype<FloatingTypes>(it.dtype[1], "gelu", [&](auto tag) {
    using T = typename decltype(tag)::type;
    elementwise_kernel<T, T>(it, GeluFunctor<opmath_t<T>>{a.flags == 1});
  });
}
void clamp_kernel(const ElementwiseIter& it, const ElementwiseArgs& a) {
  dispatch_dtype<NumericTypes>(it.dtype[1], "clamp", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using M = opmath_t<T>;
    elementwise_kernel<T, T>(it, ClampFunctor<M>{arg_as<M>(a.d0, a.i0), arg_as<M>(a.d1, a.i1),
                                                 (a.flags & 1) != 0, (a.flags & 2) != 0});
  });
}

}  // namespace

EMBER_REGISTER_KERNEL(neg, CPU, neg_kernel);
EMBER_REGISTER_KERNEL(abs, CPU, abs_kernel);
EMBER_REGISTER_KERNEL(exp, CPU, exp_kernel);
EMBER_REGISTER_KERNEL(log, CPU, log_kernel);
EMBER_REGISTER_KERNEL(log1p, CPU, log1p_kernel);
EMBER_REGISTER_KERNEL(sqrt, CPU, sqrt_kernel);
EMBER_REGISTER_KERNEL(rsqrt, CPU, rsqrt_kernel);
EMBER_REGISTER_KERNEL(sin, CPU, sin_kernel);
EMBER_REGISTER_KERNEL(cos, CPU, cos_kernel);
EMBER_REGISTER_KERNEL(tanh, CPU, tanh_kernel);
EMBER_REGISTER_KERNEL(sigmoid, CPU, sigmoid_kernel);
EMBER_REGISTER_KERNEL(relu, CPU, relu_kernel);
EMBER_REGISTER_KERNEL(sign, CPU, sign_kernel);
EMBER_REGISTER_KERNEL(reciprocal, CPU, reciprocal_kernel);
EMBER_REGISTER_KERNEL(square, CPU, square_kernel);
EMBER_REGISTER_KERNEL(leaky_relu, CPU, leaky_relu_kernel);
EMBER_REGISTER_KERNEL(gelu, CPU, gelu_kernel);
EMBER_REGISTER_KERNEL(clamp, CPU, clamp_kernel);

}  // namespace ember::cpu
