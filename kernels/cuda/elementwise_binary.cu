// CUDA kernels of the binary point-wise ops (arithmetic, comparisons, logic) and of where/fill:
// the functors of kernels/functors.h through the one launcher, with the CPU kernels' dtype lists
// (kernels/cpu/binary_kernels.cpp and compare_kernels.cpp).
#include "ember/core/dispatch.h"
#include "kernels/cuda/elementwise_launch.cuh"
#include "kernels/dtype_dispatch.h"

namespace ember::cuda {
namespace {

// out = F(a, b) with out, a, b of one dtype.
template <template <class> class F, typename Types>
void binary(const ElementwiseIter& it, const char* name) {
  dispatch_dtype<Types>(it.dtype[1], name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    launch_elementwise<T, T, T>(it, F<opmath_t<T>>{}, name);
  });
}

// bool out = F(a, b).
template <template <class> class F, typename Types>
void compare(const ElementwiseIter& it, const char* name) {
  dispatch_dtype<Types>(it.dtype[1], name, [&](auto tag) {
    using T = typename decltype(tag)::type;
    launch_elementwise<bool, T, T>(it, F<opmath_t<T>>{}, name);
  });
}

template <typename T>
struct FillFunctor {
  T value;
  EMBER_HOST_DEVICE T operator()() const { return value; }
};

void add_kernel(const ElementwiseIter& it, const ElementwiseArgs& a) {
  dispatch_dtype<AllTypes>(it.dtype[1], "add", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using M = opmath_t<T>;
    launch_elementwise<T, T, T>(it, AddFunctor<M>{op_argument<M>(a.d0, a.i0)}, "add");
  });
}
void mul_kernel(const ElementwiseIter& it, const ElementwiseArgs&) {
  binary<MulFunctor, AllTypes>(it, "mul");
}
void div_kernel(const ElementwiseIter& it, const ElementwiseArgs&) {
  binary<DivFunctor, FloatingTypes>(it, "div");
}
void pow_kernel(const ElementwiseIter& it, const ElementwiseArgs&) {
  binary<PowFunctor, NumericTypes>(it, "pow");
}
void maximum_kernel(const ElementwiseIter& it, const ElementwiseArgs&) {
  binary<MaximumFunctor, AllTypes>(it, "maximum");
}
void minimum_kernel(const ElementwiseIter& it, const ElementwiseArgs&) {
  binary<MinimumFunctor, AllTypes>(it, "minimum");
}
void where_kernel(const ElementwiseIter& it, const ElementwiseArgs&) {
  dispatch_dtype<AllTypes>(it.dtype[2], "where", [&](auto tag) {
    using T = typename decltype(tag)::type;
    launch_elementwise<T, bool, T, T>(it, WhereFunctor<opmath_t<T>>{}, "where");
  });
}
void fill_kernel(const ElementwiseIter& it, const ElementwiseArgs& a) {
  dispatch_dtype<AllTypes>(it.dtype[0], "fill_", [&](auto tag) {
    using T = typename decltype(tag)::type;
    // The value is stored as T, as the CPU kernel stores it (Half rounds once, here).
    const T value = static_cast<T>(op_argument<opmath_t<T>>(a.d0, a.i0));
    launch_elementwise<T>(it, FillFunctor<T>{value}, "fill_");
  });
}

#define EMBER_COMPARE_KERNEL(name, Functor)                               \
  void name##_kernel(const ElementwiseIter& it, const ElementwiseArgs&) { \
    compare<Functor, AllTypes>(it, #name);                                \
  }
EMBER_COMPARE_KERNEL(eq, EqFunctor)
EMBER_COMPARE_KERNEL(ne, NeFunctor)
EMBER_COMPARE_KERNEL(lt, LtFunctor)
EMBER_COMPARE_KERNEL(le, LeFunctor)
EMBER_COMPARE_KERNEL(gt, GtFunctor)
EMBER_COMPARE_KERNEL(ge, GeFunctor)
EMBER_COMPARE_KERNEL(logical_and, LogicalAndFunctor)
EMBER_COMPARE_KERNEL(logical_or, LogicalOrFunctor)
EMBER_COMPARE_KERNEL(logical_xor, LogicalXorFunctor)
#undef EMBER_COMPARE_KERNEL

}  // namespace

EMBER_REGISTER_KERNEL(add, CUDA, add_kernel);
EMBER_REGISTER_KERNEL(mul, CUDA, mul_kernel);
EMBER_REGISTER_KERNEL(div, CUDA, div_kernel);
EMBER_REGISTER_KERNEL(pow, CUDA, pow_kernel);
EMBER_REGISTER_KERNEL(maximum, CUDA, maximum_kernel);
EMBER_REGISTER_KERNEL(minimum, CUDA, minimum_kernel);
EMBER_REGISTER_KERNEL(where, CUDA, where_kernel);
EMBER_REGISTER_KERNEL(fill, CUDA, fill_kernel);
EMBER_REGISTER_KERNEL(eq, CUDA, eq_kernel);
EMBER_REGISTER_KERNEL(ne, CUDA, ne_kernel);
EMBER_REGISTER_KERNEL(lt, CUDA, lt_kernel);
EMBER_REGISTER_KERNEL(le, CUDA, le_kernel);
EMBER_REGISTER_KERNEL(gt, CUDA, gt_kernel);
EMBER_REGISTER_KERNEL(ge, CUDA, ge_kernel);
EMBER_REGISTER_KERNEL(logical_and, CUDA, logical_and_kernel);
EMBER_REGISTER_KERNEL(logical_or, CUDA, logical_or_kernel);
EMBER_REGISTER_KERNEL(logical_xor, CUDA, logical_xor_kernel);

}  // namespace ember::cuda
