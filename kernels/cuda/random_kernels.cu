// CUDA rows of the random fills (uniform, normal, bernoulli, random_int) and of `arange` (arange
// and linspace): the transforms of kernels/random_functors.h and the range math of
// kernels/range_functors.h, one Philox block or one element per work item (fill_body.h), with the
// dtype lists of the CPU rows. The same seed and offset give the CPU's numbers bit for bit (randn:
// up to the device's last bit of log and cos).
#include "ember/core/dispatch.h"
#include "ember/core/tensor.h"
#include "kernels/cuda/elementwise_launch.cuh"
#include "kernels/cuda/fill_body.h"
#include "kernels/dtype_dispatch.h"

namespace ember::cuda {
namespace {

// Runs a fill body over its work items on Ember's stream of out's device.
template <typename Body>
void launch_fill(const Tensor& out, const Body& body, const char* op) {
  const int device = out.device().index();
  DeviceGuard guard(device);
  launch_items(body, body.work_items(), current_stream(device));
  check_launch(op);
}

template <typename T, typename Transform>
void fill_random(const Tensor& out, PhiloxState state, const Transform& transform, const char* op) {
  launch_fill(out,
              make_random_fill_body(static_cast<T*>(out.data_ptr()), out.numel(), state, transform),
              op);
}

void uniform_kernel(const Tensor& out, const RandomArgs& args, PhiloxState state) {
  dispatch_dtype<FloatingTypes>(out.dtype(), "uniform_", [&](auto tag) {
    using T = typename decltype(tag)::type;
    fill_random<T>(out, state, rng::UniformTransform<T>(args.a, args.b), "uniform_");
  });
}

void normal_kernel(const Tensor& out, const RandomArgs& args, PhiloxState state) {
  dispatch_dtype<FloatingTypes>(out.dtype(), "normal_", [&](auto tag) {
    using T = typename decltype(tag)::type;
    fill_random<T>(out, state, rng::NormalTransform<T>(args.a, args.b), "normal_");
  });
}

void bernoulli_kernel(const Tensor& out, const RandomArgs& args, PhiloxState state) {
  dispatch_dtype<AllTypes>(out.dtype(), "bernoulli_", [&](auto tag) {
    using T = typename decltype(tag)::type;
    fill_random<T>(out, state, rng::BernoulliTransform<T>(args.a), "bernoulli_");
  });
}

void random_int_kernel(const Tensor& out, const RandomArgs& args, PhiloxState state) {
  const uint64_t range = static_cast<uint64_t>(args.high) - static_cast<uint64_t>(args.low);
  dispatch_dtype<AllTypes>(out.dtype(), "random_", [&](auto tag) {
    using T = typename decltype(tag)::type;
    if (rng::random_int_words(range) == 1) {
      fill_random<T>(out, state, rng::RandomIntTransform<T, 1>(args.low, args.high), "random_");
    } else {
      fill_random<T>(out, state, rng::RandomIntTransform<T, 2>(args.low, args.high), "random_");
    }
  });
}

void range_kernel(const Tensor& out, const RangeArgs& args) {
  const char* op = args.symmetric ? "linspace" : "arange";
  dispatch_dtype<NumericTypes>(out.dtype(), op, [&](auto tag) {
    using T = typename decltype(tag)::type;
    RangeFillBody<T> body{static_cast<T*>(out.data_ptr()), {}};
    body.range.start = args.start;
    body.range.step = args.step;
    body.range.end = args.end;
    body.range.int_start = args.int_start;
    body.range.int_step = args.int_step;
    body.range.n = out.numel();
    body.range.symmetric = args.symmetric;
    body.range.prepare();
    launch_fill(out, body, op);
  });
}

}  // namespace

EMBER_REGISTER_KERNEL(uniform, CUDA, uniform_kernel);
EMBER_REGISTER_KERNEL(normal, CUDA, normal_kernel);
EMBER_REGISTER_KERNEL(bernoulli, CUDA, bernoulli_kernel);
EMBER_REGISTER_KERNEL(random_int, CUDA, random_int_kernel);
EMBER_REGISTER_KERNEL(arange, CUDA, range_kernel);

}  // namespace ember::cuda
