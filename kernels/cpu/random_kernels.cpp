// CPU rows of the random fills (uniform, normal, bernoulli, random_int): the transforms of
// kernels/random_functors.h run over Philox blocks. Threads split the blocks, and each element's
// value depends only on its index (Note [Random element mapping]), so the thread count never
// changes the numbers.
#include <algorithm>

#include "ember/core/dispatch.h"
#include "ember/core/tensor.h"
#include "kernels/cpu/parallel.h"
#include "kernels/dtype_dispatch.h"
#include "kernels/philox.h"
#include "kernels/random_functors.h"

namespace ember::cpu {
namespace {

// Elements per thread chunk: Philox costs about as much as a transcendental function, so random
// fills pay for threads sooner than plain point-wise loops do.
constexpr int64_t kRandomGrain = 8192;

// out (contiguous, of storage type T) [i] = transform(words of element i).
template <typename T, typename Transform>
void fill_with(const Tensor& out, PhiloxState state, const Transform& transform) {
  constexpr int64_t kWords = Transform::kWords;
  constexpr int64_t kPerBlock = 4 / kWords;
  T* data = static_cast<T*>(out.data_ptr());
  const int64_t n = out.numel();
  const int64_t blocks = (n + kPerBlock - 1) / kPerBlock;
  parallel_for(0, blocks, kRandomGrain / kPerBlock, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      const philox::Block block = philox::philox_block(state, static_cast<uint64_t>(b));
      const int64_t first = b * kPerBlock;
      const int64_t count = std::min(kPerBlock, n - first);
      for (int64_t j = 0; j < count; ++j) data[first + j] = transform(&block.word[j * kWords]);
    }
  });
}

void uniform_kernel(const Tensor& out, const RandomArgs& args, PhiloxState state) {
  dispatch_dtype<FloatingTypes>(out.dtype(), "uniform_", [&](auto tag) {
    using T = typename decltype(tag)::type;
    fill_with<T>(out, state, rng::UniformTransform<T>(args.a, args.b));
  });
}

void normal_kernel(const Tensor& out, const RandomArgs& args, PhiloxState state) {
  dispatch_dtype<FloatingTypes>(out.dtype(), "normal_", [&](auto tag) {
    using T = typename decltype(tag)::type;
    fill_with<T>(out, state, rng::NormalTransform<T>(args.a, args.b));
  });
}

void bernoulli_kernel(const Tensor& out, const RandomArgs& args, PhiloxState state) {
  dispatch_dtype<AllTypes>(out.dtype(), "bernoulli_", [&](auto tag) {
    using T = typename decltype(tag)::type;
    fill_with<T>(out, state, rng::BernoulliTransform<T>(args.a));
  });
}

void random_int_kernel(const Tensor& out, const RandomArgs& args, PhiloxState state) {
  const uint64_t range = static_cast<uint64_t>(args.high) - static_cast<uint64_t>(args.low);
  dispatch_dtype<AllTypes>(out.dtype(), "random_", [&](auto tag) {
    using T = typename decltype(tag)::type;
    if (rng::random_int_words(range) == 1) {
      fill_with<T>(out, state, rng::RandomIntTransform<T, 1>(args.low, args.high));
    } else {
      fill_with<T>(out, state, rng::RandomIntTransform<T, 2>(args.low, args.high));
    }
  });
}

}  // namespace

EMBER_REGISTER_KERNEL(uniform, CPU, uniform_kernel);
EMBER_REGISTER_KERNEL(normal, CPU, normal_kernel);
EMBER_REGISTER_KERNEL(bernoulli, CPU, bernoulli_kernel);
EMBER_REGISTER_KERNEL(random_int, CPU, random_int_kernel);

}  // namespace ember::cpu
