// CPU kernels of comparisons and logical ops (bool results).
#include "kernels/cpu/elementwise_helpers.h"

namespace ember::cpu {
namespace {

#define EMBER_COMPARE_KERNEL(name, Functor)                               \
  void name##_kernel(const ElementwiseIter& it, const ElementwiseArgs&) { \
    compare_kernel<Functor, AllTypes>(it, #name);                         \
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

void logical_not_kernel(const ElementwiseIter& it, const ElementwiseArgs&) {
  dispatch_dtype<AllTypes>(it.dtype[1], "logical_not", [&](auto tag) {
    using T = typename decltype(tag)::type;
    elementwise_kernel<bool, T>(it, LogicalNotFunctor<opmath_t<T>>{});
  });
}

}  // namespace

EMBER_REGISTER_KERNEL(eq, CPU, eq_kernel);
EMBER_REGISTER_KERNEL(ne, CPU, ne_kernel);
EMBER_REGISTER_KERNEL(lt, CPU, lt_kernel);
EMBER_REGISTER_KERNEL(le, CPU, le_kernel);
EMBER_REGISTER_KERNEL(gt, CPU, gt_kernel);
EMBER_REGISTER_KERNEL(ge, CPU, ge_kernel);
EMBER_REGISTER_KERNEL(logical_and, CPU, logical_and_kernel);
EMBER_REGISTER_KERNEL(logical_or, CPU, logical_or_kernel);
EMBER_REGISTER_KERNEL(logical_xor, CPU, logical_xor_kernel);
EMBER_REGISTER_KERNEL(logical_not, CPU, logical_not_kernel);

}  // namespace ember::cpu
