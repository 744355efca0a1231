// The CUDA random fills and ranges against the CPU with the same generator seed: rand, randint,
// bernoulli_ and random_ bit-identical, randn and normal_ within a few ulps (the device's log and
// cos), for every dtype, odd lengths (a last Philox block only partly used), non-contiguous
// targets and consecutive draws from one generator; arange and linspace bit-identical.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "cuda_test_util.h"

namespace ember::testing {
namespace {

const bool kRegistered =
    register_parity_tested({"uniform", "normal", "bernoulli", "random_int", "arange"});

constexpr uint64_t kSeed = 20240613;

TensorOptions on_gpu(DType dtype) {
  return TensorOptions().dtype(dtype).device(cuda0());
}

TEST(RandomParity, UniformIsBitIdentical) {
  EMBER_REQUIRE_CUDA();
  for (DType dtype : {kFloat32, kFloat64, kFloat16, kBFloat16}) {
    for (int64_t n : {1, 3, 1001, (1 << 20) + 1}) {
      SCOPED_TRACE(std::string(dtype_name(dtype)) + " n " + std::to_string(n));
      Generator cpu(kSeed), gpu(kSeed);
      // Two draws from each generator: the second starts where the first's blocks end.
      for (int draw = 0; draw < 2; ++draw) {
        EXPECT_TRUE(same_bits(rand({n}, &gpu, on_gpu(dtype)),
                              rand({n}, &cpu, TensorOptions().dtype(dtype))));
      }
      Tensor a = empty({n}, TensorOptions().dtype(dtype)), b = empty({n}, on_gpu(dtype));
      EXPECT_TRUE(same_bits(b.uniform_(-3, 0.5, &gpu), a.uniform_(-3, 0.5, &cpu)));
    }
  }
}

TEST(RandomParity, NormalIsWithinAFewUlps) {
  EMBER_REQUIRE_CUDA();
  for (DType dtype : {kFloat32, kFloat64, kFloat16, kBFloat16}) {
    SCOPED_TRACE(std::string(dtype_name(dtype)));
    Generator cpu(kSeed), gpu(kSeed);
    const std::vector<double> want =
        host_values(normal(1.5, 3.0, {100001}, &cpu, TensorOptions().dtype(dtype)));
    const std::vector<double> got = host_values(normal(1.5, 3.0, {100001}, &gpu, on_gpu(dtype)));
    // A few ulps of the dtype (one rounding of a result whose double math may differ in its
    // last bits can still flip a half-type rounding: one ulp there).
    const double ulp = dtype == kFloat64   ? 0x1p-52
                       : dtype == kFloat32 ? 0x1p-23
                       : dtype == kFloat16 ? 0x1p-10
                                           : 0x1p-7;
    int64_t mismatches = 0;
    for (size_t i = 0; i < want.size(); ++i) {
      const double tol = 4 * ulp * std::max(1.0, std::fabs(want[i]));
      if (std::fabs(got[i] - want[i]) > tol) ++mismatches;
    }
    EXPECT_EQ(mismatches, 0);
  }
}

TEST(RandomParity, BernoulliAndRandomIntAreBitIdentical) {
  EMBER_REQUIRE_CUDA();
  for (DType dtype : all_dtypes()) {
    SCOPED_TRACE(std::string(dtype_name(dtype)));
    Generator cpu(kSeed), gpu(kSeed);
    Tensor a = empty({12345}, TensorOptions().dtype(dtype)), b = empty({12345}, on_gpu(dtype));
    EXPECT_TRUE(same_bits(b.bernoulli_(0.3, &gpu), a.bernoulli_(0.3, &cpu)));
    const int64_t high = dtype == kBool ? 2 : dtype == kUInt8 ? 200 : 100;
    EXPECT_TRUE(same_bits(b.random_(0, high, &gpu), a.random_(0, high, &cpu)));
  }
  // 64-bit draws for ranges wider than 2^32.
  Generator cpu(kSeed), gpu(kSeed);
  const int64_t high = int64_t{1} << 50;
  EXPECT_TRUE(
      same_bits(randint(-7, high, {9999}, &gpu, on_gpu(kInt64)), randint(-7, high, {9999}, &cpu)));
  EXPECT_TRUE(same_bits(randint(-7, high, {9999}, &gpu, on_gpu(kFloat64)),
                        randint(-7, high, {9999}, &cpu, TensorOptions().dtype(kFloat64))));
}

TEST(RandomParity, NonContiguousTargetsAndTheDefaultGenerator) {
  EMBER_REQUIRE_CUDA();
  Generator cpu(kSeed), gpu(kSeed);
  Tensor a = empty({40, 30}).t(), b = empty({40, 30}, on_gpu(kFloat32)).t();
  EXPECT_TRUE(same_bits(b.uniform_(0, 1, &gpu), a.uniform_(0, 1, &cpu)));
  // manual_seed seeds the CUDA default generator like the CPU's.
  manual_seed(7);
  const Tensor x = rand({999}, on_gpu(kFloat32));
  manual_seed(7);
  EXPECT_TRUE(same_bits(x, rand({999})));
}

TEST(RangeParity, ArangeAndLinspaceAreBitIdentical) {
  EMBER_REQUIRE_CUDA();
  for (DType dtype : {kFloat32, kFloat64, kFloat16, kBFloat16, kUInt8, kInt32, kInt64}) {
    SCOPED_TRACE(std::string(dtype_name(dtype)));
    const bool fp = is_floating_point(dtype);
    const double start = fp ? -2.5 : 1, end = fp ? 7.3 : 250, step = fp ? 0.0137 : 3;
    EXPECT_TRUE(same_bits(arange(start, end, step, on_gpu(dtype)),
                          arange(start, end, step, TensorOptions().dtype(dtype))));
    EXPECT_TRUE(same_bits(linspace(0, 200, 1001, on_gpu(dtype)),
                          linspace(0, 200, 1001, TensorOptions().dtype(dtype))));
  }
  EXPECT_TRUE(same_bits(arange(1 << 22, on_gpu(kInt64)), arange(1 << 22)));
}

}  // namespace
}  // namespace ember::testing
