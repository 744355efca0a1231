// The bodies of the CUDA random fills and ranges (kernels/cuda/fill_body.h) run by plain CPU loops,
// one Philox block per work item as on the GPU, against the CPU kernels with the same generator
// state: bit-identical for every transform and dtype, with lengths that end inside a block.
// Runs in every build, without a GPU.
#include <gtest/gtest.h>

#include <cstring>

#include "cuda_test_util.h"
#include "ember/core/kernel_signatures.h"
#include "kernels/cuda/fill_body.h"

namespace ember::cuda {
namespace {

using ::ember::testing::identical;

template <typename Body>
void run_all(const Body& body) {
  for (int64_t i = 0; i < body.work_items(); ++i) body(i);
}

// Fills a fresh tensor with the body of a transform, at the state a fresh generator of `seed`
// gives the first op (offset 0).
template <typename T, typename Transform>
Tensor fill_with(IntArrayRef sizes, DType dtype, uint64_t seed, const Transform& transform) {
  Tensor out = ember::empty(sizes, TensorOptions().dtype(dtype));
  run_all(make_random_fill_body(static_cast<T*>(out.data_ptr()), out.numel(), PhiloxState{seed, 0},
                                transform));
  return out;
}

// Raw bytes equal (bit-identical, not merely close).
::testing::AssertionResult same_bits(const Tensor& a, const Tensor& b) {
  if (a.sizes() != b.sizes() || a.dtype() != b.dtype())
    return ::testing::AssertionFailure() << "shape or dtype differ";
  if (std::memcmp(a.contiguous().data_ptr(), b.contiguous().data_ptr(), a.nbytes()) != 0)
    return ::testing::AssertionFailure() << "bits differ";
  return ::testing::AssertionSuccess();
}

TEST(FillBody, RandomFillsAreTheCpusBitForBit) {
  constexpr uint64_t kSeed = 0x1234abcd5678ull;
  for (int64_t n : {1, 2, 3, 5, 1001, 4096}) {
    SCOPED_TRACE("n " + std::to_string(n));
    const std::vector<int64_t> sizes{n};
    {
      Generator g(kSeed);
      EXPECT_TRUE(same_bits(
          fill_with<float>(sizes, kFloat32, kSeed, rng::UniformTransform<float>(-1.5, 2.0)),
          ember::empty(sizes).uniform_(-1.5, 2.0, &g)));
    }
    {
      Generator g(kSeed);
      EXPECT_TRUE(
          same_bits(fill_with<double>(sizes, kFloat64, kSeed, rng::UniformTransform<double>(0, 1)),
                    rand(sizes, &g, TensorOptions().dtype(kFloat64))));
    }
    {
      Generator g(kSeed);
      EXPECT_TRUE(
          same_bits(fill_with<Half>(sizes, kFloat16, kSeed, rng::UniformTransform<Half>(0, 1)),
                    rand(sizes, &g, TensorOptions().dtype(kFloat16))));
    }
    {
      Generator g(kSeed);
      EXPECT_TRUE(
          same_bits(fill_with<float>(sizes, kFloat32, kSeed, rng::NormalTransform<float>(0.5, 2.0)),
                    normal(0.5, 2.0, sizes, &g)));
    }
    {
      Generator g(kSeed);
      EXPECT_TRUE(
          same_bits(fill_with<double>(sizes, kFloat64, kSeed, rng::NormalTransform<double>(0, 1)),
                    randn(sizes, &g, TensorOptions().dtype(kFloat64))));
    }
    {
      Generator g(kSeed);
      EXPECT_TRUE(
          same_bits(fill_with<bool>(sizes, kBool, kSeed, rng::BernoulliTransform<bool>(0.3)),
                    ember::empty(sizes, TensorOptions().dtype(kBool)).bernoulli_(0.3, &g)));
    }
    {
      Generator g(kSeed);
      EXPECT_TRUE(same_bits(
          fill_with<int32_t>(sizes, kInt32, kSeed, rng::RandomIntTransform<int32_t, 1>(-7, 100)),
          randint(-7, 100, sizes, &g, TensorOptions().dtype(kInt32))));
    }
    {
      Generator g(kSeed);
      const int64_t high = int64_t{1} << 40;
      EXPECT_TRUE(same_bits(
          fill_with<int64_t>(sizes, kInt64, kSeed, rng::RandomIntTransform<int64_t, 2>(-5, high)),
          randint(-5, high, sizes, &g)));
    }
  }
}

template <typename T>
Tensor range_with(DType dtype, int64_t n, const RangeArgs& args) {
  Tensor out = empty({n}, TensorOptions().dtype(dtype));
  RangeFillBody<T> body{static_cast<T*>(out.data_ptr()), {}};
  body.range.start = args.start;
  body.range.step = args.step;
  body.range.end = args.end;
  body.range.int_start = args.int_start;
  body.range.int_step = args.int_step;
  body.range.n = n;
  body.range.symmetric = args.symmetric;
  body.range.prepare();
  run_all(body);
  return out;
}

TEST(FillBody, RangesAreTheCpus) {
  RangeArgs a;
  a.start = -2.5;
  a.step = 0.1;
  a.int_start = -2;
  a.int_step = 0;
  const Tensor floats = arange(-2.5, 5.15, 0.1, TensorOptions().dtype(kFloat32));
  EXPECT_TRUE(same_bits(range_with<float>(kFloat32, floats.numel(), a), floats));
  RangeArgs i;
  i.start = 3;
  i.step = 7;
  i.int_start = 3;
  i.int_step = 7;
  EXPECT_TRUE(identical(range_with<int64_t>(kInt64, 100, i),
                        arange(3, 703, 7, TensorOptions().dtype(kInt64))));
  RangeArgs l;
  l.start = -1;
  l.end = 3;
  l.symmetric = true;
  EXPECT_TRUE(same_bits(range_with<double>(kFloat64, 51, l),
                        linspace(-1, 3, 51, TensorOptions().dtype(kFloat64))));
  EXPECT_TRUE(same_bits(range_with<BFloat16>(kBFloat16, 10, l),
                        linspace(-1, 3, 10, TensorOptions().dtype(kBFloat16))));
}

}  // namespace
}  // namespace ember::cuda
