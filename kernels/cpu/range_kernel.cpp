// CPU row of `arange`, which fills arange and linspace outputs (contiguous) with the math of
// kernels/range_functors.h, split over threads by element.
#include "ember/core/dispatch.h"
#include "ember/core/tensor.h"
#include "kernels/cpu/parallel.h"
#include "kernels/dtype_dispatch.h"
#include "kernels/range_functors.h"

namespace ember::cpu {
namespace {

void range_kernel(const Tensor& out, const RangeArgs& args) {
  // Every dtype but bool, like PyTorch's arange and linspace.
  dispatch_dtype<NumericTypes>(out.dtype(), args.symmetric ? "linspace" : "arange", [&](auto tag) {
    using T = typename decltype(tag)::type;
    RangeFunctor<T> f;
    f.start = args.start;
    f.step = args.step;
    f.end = args.end;
    f.int_start = args.int_start;
    f.int_step = args.int_step;
    f.n = out.numel();
    f.symmetric = args.symmetric;
    f.prepare();
    T* data = static_cast<T*>(out.data_ptr());
    parallel_for(0, f.n, kParallelGrain, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) data[i] = f(i);
    });
  });
}

}  // namespace

EMBER_REGISTER_KERNEL(arange, CPU, range_kernel);

}  // namespace ember::cpu
