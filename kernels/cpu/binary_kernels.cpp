// CPU kernels of the binary arithmetic ops and of where/fill.
#include "kernels/cpu/elementwise_helpers.h"

namespace ember::cpu {
namespace {

void add_kernel(const ElementwiseIter& it, const ElementwiseArgs& a) {
  dispatch_dtype<AllTypes>(it.dtype[1], "add", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using M = opmath_t<T>;
    elementwise_kernel<T, T, T>(it, AddFunctor<M>{arg_as<M>(a.d0, a.i0)});
  });
}
void mul_kernel(const ElementwiseIter& it, const ElementwiseArgs&) {
  binary_kernel<MulFunctor, AllTypes>(it, "mul");
}
void div_kernel(const ElementwiseIter& it, const ElementwiseArgs&) {
  binary_kernel<DivFunctor, FloatingTypes>(it, "div");
}
void pow_kernel(const ElementwiseIter& it, const ElementwiseArgs&) {
  binary_kernel<PowFunctor, NumericTypes>(it, "pow");
}
void maximum_kernel(const ElementwiseIter& it, const ElementwiseArgs&) {
  binary_kernel<MaximumFunctor, AllTypes>(it, "maximum");
}
void minimum_kernel(const ElementwiseIter& it, const ElementwiseArgs&) {
  binary_kernel<MinimumFunctor, AllTypes>(it, "minimum");
}
void where_kernel(const ElementwiseIter& it, const ElementwiseArgs&) {
  dispatch_dtype<AllTypes>(it.dtype[2], "where", [&](auto tag) {
    using T = typename decltype(tag)::type;
    elementwise_kernel<T, bool, T, T>(it, WhereFunctor<opmath_t<T>>{});
  });
}
void fill_kernel(const ElementwiseIter& it, const ElementwiseArgs& a) {
  dispatch_dtype<AllTypes>(it.dtype[0], "fill_", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T value = static_cast<T>(arg_as<opmath_t<T>>(a.d0, a.i0));
    elementwise_kernel<T>(it, [value]() { return value; });
  });
}

}  // namespace

EMBER_REGISTER_KERNEL(add, CPU, add_kernel);
EMBER_REGISTER_KERNEL(mul, CPU, mul_kernel);
EMBER_REGISTER_KERNEL(div, CPU, div_kernel);
EMBER_REGISTER_KERNEL(pow, CPU, pow_kernel);
EMBER_REGISTER_KERNEL(maximum, CPU, maximum_kernel);
EMBER_REGISTER_KERNEL(minimum, CPU, minimum_kernel);
EMBER_REGISTER_KERNEL(where, CPU, where_kernel);
EMBER_REGISTER_KERNEL(fill, CPU, fill_kernel);

}  // namespace ember::cpu
