// dropout: the identity when not training, the mask's use in backward, bad probabilities; and
// (suite NnDropoutAfterMerge, which needs the random kernels of kernels/cpu/random_kernels.cpp,
// so run it after that is merged) the training path: kept fraction, scaling by 1 / (1 - p),
// the same mask for the same seed, p = 0 and p = 1.
#include "core/nn_test_helpers.h"

namespace ember {
namespace {

using testing::random_tensor;
using testing::throws_with;
using testing::values;

TEST(NnDropout, EvalIsTheIdentity) {
  const Tensor x = random_tensor({4, 5});
  EXPECT_TRUE(dropout(x, 0.5, false).is_same(x));
  EXPECT_TRUE(dropout(x, 0.0, true).is_same(x));
  const auto [y, mask] = native_dropout(x, 0.3, false);
  EXPECT_EQ(values(y), values(x));
  EXPECT_EQ(mask.dtype(), kBool);
  EXPECT_EQ(values(mask), std::vector<double>(20, 1.0));
}

TEST(NnDropout, BackwardAppliesMaskAndScale) {
  const Tensor g = random_tensor({2, 3}, kFloat64);
  const Tensor mask = tensor(std::vector<int64_t>{1, 0, 1, 1, 0, 0}, {2, 3}).to(kBool);
  const auto gv = values(g);
  const std::vector<double> expected = {gv[0] * 2, 0, gv[2] * 2, gv[3] * 2, 0, 0};
  EXPECT_EQ(values(native_dropout_backward(g, mask, 2.0)), expected);
}

TEST(NnDropout, BadInputErrorsNameTheOpAndValues) {
  EXPECT_TRUE(throws_with<ValueError>([] { dropout(zeros({3}), 1.5); }, {"dropout", "1.5"}));
  EXPECT_TRUE(throws_with<ValueError>([] { dropout(zeros({3}), -0.1); }, {"dropout", "-0.1"}));
  EXPECT_TRUE(
      throws_with<DTypeError>([] { dropout(zeros({3}, kInt64), 0.5); }, {"dropout", "int64"}));
  EXPECT_TRUE(throws_with<DTypeError>([] { native_dropout_backward(zeros({3}), zeros({3}), 2.0); },
                                      {"dropout_backward", "mask", "float32"}));
}

// ---- after the merge: needs bernoulli_'s CPU kernel ----

TEST(NnDropoutAfterMerge, TrainingMasksAndScales) {
  const Tensor x = random_tensor({100, 100}, kFloat32, 1, 2);  // no zeros in the input
  manual_seed(1234);
  const auto [y, mask] = native_dropout(x, 0.3, true);
  const auto xv = values(x), yv = values(y), mv = values(mask);
  int64_t kept = 0;
  for (size_t i = 0; i < xv.size(); ++i) {
    if (mv[i] != 0) {
      ++kept;
      EXPECT_NEAR(yv[i], xv[i] / 0.7, 1e-5 * xv[i] / 0.7);
    } else {
      EXPECT_EQ(yv[i], 0.0);
    }
  }
  EXPECT_NEAR(static_cast<double>(kept) / 10000.0, 0.7, 0.03);  // ~6 standard deviations
  // The same seed draws the same mask.
  manual_seed(1234);
  EXPECT_EQ(values(std::get<1>(native_dropout(x, 0.3, true))), mv);
  // dropout returns the masked output; p = 1 zeroes everything.
  manual_seed(1234);
  EXPECT_EQ(values(dropout(x, 0.3, true)), yv);
  EXPECT_EQ(values(dropout(x, 1.0, true)), std::vector<double>(10000, 0.0));
}

}  // namespace
}  // namespace ember
