// CUDA rows of the folding reductions: sum, prod, all, any, through the one reduction launcher
// (reduce_launch.cuh) over the functors the CPU runs (kernels/reduce_functors.h), with the CPU
// rows' dtype pairs: sum and prod write int64 (from any integer or bool), float32 (from float32,
// float16 or bfloat16) or float64 (from float32 or float64, prod from float64 only), and
// accumulate as the CPU does (double for float32, Note [Accumulate in float]); all and any test
// each element for non-zero and write bool.
#include "ember/core/dispatch.h"
#include "kernels/cuda/reduce_launch.cuh"
#include "kernels/dtype_dispatch.h"

namespace ember::cuda {
namespace {

using IntegralAndBool = TypeList<bool, uint8_t, int32_t, int64_t>;
using ToFloat32 = TypeList<float, Half, BFloat16>;

template <template <class> class Reduce>
void fold_kernel(const ReduceIter& it, const char* name, bool float32_to_float64) {
  auto run = [&](auto tag, auto out_tag) {
    using In = typename decltype(tag)::type;
    using Out = typename decltype(out_tag)::type;
    // bool is read as the uint8 it is stored as (sum counts the non-zero bytes, which are 1).
    using Stored = std::conditional_t<std::is_same_v<In, bool>, uint8_t, In>;
    launch_reduce<Stored, Out>(it, Reduce<cpu_sum_acc_t<In>>{}, name);
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
  dispatch_dtype<NumericTypes>(in, name, [&](auto tag) {
    launch_reduce<typename decltype(tag)::type, bool>(it, Reduce{}, name);
  });
}

void all_kernel(const ReduceIter& it) {
  logical_kernel<AllReduce>(it, "all");
}
void any_kernel(const ReduceIter& it) {
  logical_kernel<AnyReduce>(it, "any");
}

}  // namespace

EMBER_REGISTER_KERNEL(sum, CUDA, sum_kernel);
EMBER_REGISTER_KERNEL(prod, CUDA, prod_kernel);
EMBER_REGISTER_KERNEL(all, CUDA, all_kernel);
EMBER_REGISTER_KERNEL(any, CUDA, any_kernel);

}  // namespace ember::cuda
