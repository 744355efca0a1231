// Device-side conversion between any two dtypes over an ElementwiseIter (the element-wise part of
// CUDA copies, see cuda_copy.cpp), and the spin kernel that keeps a stream busy for tests of
// stream ordering.
#include "kernels/cuda/copy_convert.h"
#include "kernels/cuda/elementwise_launch.cuh"
#include "kernels/dtype_dispatch.h"

namespace ember::cuda {
namespace {

// The value as the compute type of its source; the launcher's store converts it to the
// destination type, exactly as the CPU copy does.
template <typename T>
struct CastFunctor {
  EMBER_HOST_DEVICE T operator()(T a) const { return a; }
};

__global__ void sleep_kernel(uint64_t nanoseconds) {
  uint64_t start = 0, now = 0;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(start));
  do {
    asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(now));
  } while (now - start < nanoseconds);
}

}  // namespace

void launch_copy_convert(const ElementwiseIter& it) {
  dispatch_dtype<AllTypes>(it.dtype[0], "copy_", [&](auto out_tag) {
    using Out = typename decltype(out_tag)::type;
    dispatch_dtype<AllTypes>(it.dtype[1], "copy_", [&](auto in_tag) {
      using In = typename decltype(in_tag)::type;
      launch_elementwise<Out, In>(it, CastFunctor<opmath_t<In>>{}, "copy_");
    });
  });
}

namespace detail {
void sleep_on_stream(CUstream_st* stream, uint64_t nanoseconds) {
  sleep_kernel<<<1, 1, 0, stream>>>(nanoseconds);
  check_launch("sleep_on_stream");
}
}  // namespace detail

}  // namespace ember::cuda
