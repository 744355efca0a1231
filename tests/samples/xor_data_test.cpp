// The XOR samples' data: points in [-1, 1]^2, labelled 1 exactly where x1 * x2 < 0, split 100 /
// 100, reproducible from the generator's seed; and the accuracy of probabilities.
#include <gtest/gtest.h>

#include <vector>

#include "ember/ember.h"
#include "xor_data.h"

namespace {

using samples::xor_problem::accuracy;
using samples::xor_problem::make_xor_data;
using samples::xor_problem::XorData;

TEST(XorData, LabelsMarkTheQuadrantsWhereTheProductIsNegative) {
  ember::Generator generator(3);
  const XorData data = make_xor_data(generator);
  ASSERT_EQ(data.x_train.sizes().vec(), (std::vector<int64_t>{100, 2}));
  ASSERT_EQ(data.x_valid.sizes().vec(), (std::vector<int64_t>{100, 2}));
  ASSERT_EQ(data.y_train.sizes().vec(), (std::vector<int64_t>{100}));
  int64_t positives = 0;
  for (const auto& [x, y] : {std::pair{data.x_train, data.y_train}, {data.x_valid, data.y_valid}}) {
    const std::vector<float> xv = x.to_vector<float>(), yv = y.to_vector<float>();
    for (size_t i = 0; i < yv.size(); ++i) {
      const float x1 = xv[2 * i], x2 = xv[2 * i + 1];
      EXPECT_GE(x1, -1.0f);
      EXPECT_LT(x1, 1.0f);
      EXPECT_GE(x2, -1.0f);
      EXPECT_LT(x2, 1.0f);
      EXPECT_EQ(yv[i], x1 * x2 < 0 ? 1.0f : 0.0f) << "point " << i;
      positives += yv[i] == 1.0f;
    }
  }
  // Uniform points: about half in each class (a binomial(200, 1/2) count falls outside 70..130
  // with probability below 1e-4; this seed's count is fixed).
  EXPECT_GT(positives, 70);
  EXPECT_LT(positives, 130);
}

TEST(XorData, TheSameSeedGivesTheSamePoints) {
  ember::Generator a(11), b(11), c(12);
  const XorData da = make_xor_data(a), db = make_xor_data(b), dc = make_xor_data(c);
  EXPECT_TRUE(ember::equal(da.x_train, db.x_train));
  EXPECT_TRUE(ember::equal(da.x_valid, db.x_valid));
  EXPECT_FALSE(ember::equal(da.x_train, dc.x_train));
}

TEST(XorData, AccuracyThresholdsProbabilitiesAtOneHalf) {
  const ember::Tensor p = ember::tensor({0.9, 0.5, 0.49, 0.1}).to(ember::kFloat32);
  EXPECT_DOUBLE_EQ(accuracy(p, ember::tensor({1.0, 1.0, 0.0, 0.0}).to(ember::kFloat32)), 1.0);
  EXPECT_DOUBLE_EQ(accuracy(p, ember::tensor({1.0, 0.0, 1.0, 0.0}).to(ember::kFloat32)), 0.5);
}

}  // namespace
