// CPU kernels of the folding reductions: sum, prod, all, any. The dtype pairs each takes are the
// ones core/ops_reduce.cpp hands them (same dtype in and out, integers and bool into int64,
// Half/BFloat16 into float32 and float32 into float64 for sum).
#include "ember/core/dispatch.h"
#include "kernels/cpu/reduce_loops.h"
#include "kernels/dtype_dispatch.h"

namespace ember::cpu {
namespace {

using IntegralAndBool = TypeList<bool, uint8_t, int32_t>;

void sum_kernel(const ReduceIter& it) {
  if (it.in_dtype == it.out_dtype) {
    dispatch_dtype<AllTypes>(it.in_dtype, "sum", [&](auto tag) {
      using T = typename decltype(tag)::type;
      reduce_kernel<T, T>(it, SumReduce<cpu_sum_acc_t<T>>{});
    });
  } else if (it.out_dtype == kInt64) {
    dispatch_dtype<IntegralAndBool>(it.in_dtype, "sum", [&](auto tag) {
      using T = typename decltype(tag)::type;
      reduce_kernel<T, int64_t>(it, SumReduce<int64_t>{});
    });
  } else if (it.out_dtype == kFloat32) {
    dispatch_dtype<TypeList<Half, BFloat16>>(it.in_dtype, "sum", [&](auto tag) {
      using T = typename decltype(tag)::type;
      reduce_kernel<T, float>(it, SumReduce<float>{});
    });
  } else {
    dispatch_dtype<TypeList<float>>(
        it.in_dtype, "sum", [&](auto) { reduce_kernel<float, double>(it, SumReduce<double>{}); });
  }
}

void prod_kernel(const ReduceIter& it) {
  if (it.in_dtype == it.out_dtype) {
    dispatch_dtype<AllTypes>(it.in_dtype, "prod", [&](auto tag) {
      using T = typename decltype(tag)::type;
      reduce_kernel<T, T>(it, ProdReduce<cpu_sum_acc_t<T>>{});
    });
  } else {
    dispatch_dtype<IntegralAndBool>(it.in_dtype, "prod", [&](auto tag) {
      using T = typename decltype(tag)::type;
      reduce_kernel<T, int64_t>(it, ProdReduce<int64_t>{});
    });
  }
}

void all_kernel(const ReduceIter& it) {
  dispatch_dtype<AllTypes>(it.in_dtype, "all", [&](auto tag) {
    reduce_kernel<typename decltype(tag)::type, bool>(it, AllReduce{});
  });
}

void any_kernel(const ReduceIter& it) {
  dispatch_dtype<AllTypes>(it.in_dtype, "any", [&](auto tag) {
    reduce_kernel<typename decltype(tag)::type, bool>(it, AnyReduce{});
  });
}

}  // namespace

EMBER_REGISTER_KERNEL(sum, CPU, sum_kernel);
EMBER_REGISTER_KERNEL(prod, CPU, prod_kernel);
EMBER_REGISTER_KERNEL(all, CPU, all_kernel);
EMBER_REGISTER_KERNEL(any, CPU, any_kernel);

}  // namespace ember::cpu
