// CPU kernels of the folding reductions: sum, prod, all, any. Sum and prod write int64 (from
// any integer or bool), float32 (from float32, float16 or bfloat16) or float64 (from float32
// or float64, prod from float64 only); core/ops_reduce.cpp converts to other result dtypes, so
// few pairs are compiled.
#include "ember/core/dispatch.h"
#include "kernels/cpu/reduce_loops.h"
#include "kernels/dtype_dispatch.h"

namespace ember::cpu {
namespace {

using IntegralAndBool = TypeList<bool, uint8_t, int32_t, int64_t>;
using ToFloat32 = TypeList<float, Half, BFloat16>;

template <template <class> class Reduce>
void fold_kernel(const ReduceIter& it, const char* name, bool float32_to_float64) {
  auto run = [&](auto tag, auto out_tag) {
    using In = typename decltype(tag)::type;
    using Out = typename decltype(out_tag)::type;
    reduce_kernel<In, Out>(it, Reduce<cpu_sum_acc_t<In>>{});
  };
  switch (it.out_dtype) {
    case kInt64:
      dispatch_dtype<IntegralAndBool>(it.in_dtype, name,
                                      [&](auto t) { run(t, TypeTag<int64_t>{}); });
      break;
    case kFloat32:
      dispatch_dtype<ToFloat32>(it.in_dtype, name, [&](auto t) { run(t, TypeTag<float>{}); });
      break;
    default:
      if (float32_to_float64 && it.in_dtype == kFloat32) {
        run(TypeTag<float>{}, TypeTag<double>{});
      } else {
        dispatch_dtype<TypeList<double>>(it.in_dtype, name,
                                         [&](auto t) { run(t, TypeTag<double>{}); });
      }
  }
}

void sum_kernel(const ReduceIter& it) {
  fold_kernel<SumReduce>(it, "sum", true);
}
void prod_kernel(const ReduceIter& it) {
  fold_kernel<ProdReduce>(it, "prod", false);
}

// all/any test each element for non-zero; bool is read as the uint8 it is stored as.
template <typename Reduce>
void logical_kernel(const ReduceIter& it, const char* name) {
  const DType in = it.in_dtype == kBool ? kUInt8 : it.in_dtype;
  dispatch_dtype<NumericTypes>(
      in, name, [&](auto tag) { reduce_kernel<typename decltype(tag)::type, bool>(it, Reduce{}); });
}

void all_kernel(const ReduceIter& it) {
  logical_kernel<AllReduce>(it, "all");
}
void any_kernel(const ReduceIter& it) {
  logical_kernel<AnyReduce>(it, "any");
}

}  // namespace

EMBER_REGISTER_KERNEL(sum, CPU, sum_kernel);
EMBER_REGISTER_KERNEL(prod, CPU, prod_kernel);
EMBER_REGISTER_KERNEL(all, CPU, all_kernel);
EMBER_REGISTER_KERNEL(any, CPU, any_kernel);

}  // namespace ember::cpu
