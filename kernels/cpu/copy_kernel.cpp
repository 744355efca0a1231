// CPU copy between tensors of any dtypes and layouts (the CPU row of `copy`): memcpy when both
// sides are contiguous and of one dtype, else the point-wise loop with a converting functor.
#include <cstring>

#include "ember/core/elementwise.h"
#include "ember/core/tensor.h"
#include "kernels/cpu/elementwise_helpers.h"

namespace ember::cpu {
namespace {

template <typename T>
struct Identity {
  EMBER_HOST_DEVICE T operator()(T a) const { return a; }
};

void copy_kernel(const Tensor& dst, const Tensor& src, bool /*non_blocking*/) {
  if (dst.dtype() == src.dtype() && dst.is_contiguous() && src.is_contiguous()) {
    const size_t bytes = dst.nbytes();
    char* d = static_cast<char*>(dst.data_ptr());
    const char* s = static_cast<const char*>(src.data_ptr());
    parallel_for(0, static_cast<int64_t>(bytes), kParallelGrain * 16, [&](int64_t b, int64_t e) {
      std::memcpy(d + b, s + b, static_cast<size_t>(e - b));
    });
    return;
  }
  const ElementwiseIter it = ::ember::detail::make_elementwise_iter({&dst, &src}, "copy_");
  dispatch_dtype<AllTypes>(dst.dtype(), "copy_", [&](auto out_tag) {
    using Out = typename decltype(out_tag)::type;
    dispatch_dtype<AllTypes>(src.dtype(), "copy_", [&](auto in_tag) {
      using In = typename decltype(in_tag)::type;
      elementwise_kernel<Out, In>(it, Identity<opmath_t<In>>{});
    });
  });
}

}  // namespace

EMBER_REGISTER_KERNEL(copy, CPU, copy_kernel);

}  // namespace ember::cpu
