// The regression sample's feature columns: standardisation with the training rows' statistics
// (checked against float64 loops), bucketing at the edges (torch.bucketize(right=True)), one-hot
// columns from the training rows' categories, the input's width and names, and misuse.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "ember/ember.h"
#include "feature_columns.h"
#include "support/test_util.h"
#include "tabular_data.h"

namespace {

using ember::testing::all_close;
using ember::testing::throws_with;

// A table of the given columns (values in row-major order); the target is zeros.
samples::Table make_table(std::vector<std::string> columns, const std::vector<double>& values) {
  samples::Table t;
  const auto width = static_cast<int64_t>(columns.size());
  const auto rows = static_cast<int64_t>(values.size()) / width;
  t.columns = std::move(columns);
  t.values = ember::tensor(values, {rows, width});
  t.target = ember::zeros({rows}, ember::kFloat64);
  return t;
}

TEST(FeatureColumns, NumericColumnsUseTheTrainingRowsMeanAndSampleStd) {
  const std::vector<double> a = {1.5, -2.0, 4.25, 0.5, 7.0};
  const std::vector<double> b = {100, 250, 175, 90, 310};
  std::vector<double> train_values;
  for (size_t i = 0; i < a.size(); ++i) train_values.insert(train_values.end(), {a[i], b[i]});
  const samples::Table train = make_table({"a", "b"}, train_values);
  const samples::Table test = make_table({"a", "b"}, {3.0, 50.0, -1.0, 400.0});

  samples::FeatureColumns columns;
  columns.numeric("b").numeric("a");  // the input follows the order of the recipe
  columns.fit(train);
  ASSERT_EQ(columns.width(), 2);

  auto stats = [](const std::vector<double>& v) {
    double mean = 0, ss = 0;
    for (double x : v) mean += x;
    mean /= static_cast<double>(v.size());
    for (double x : v) ss += (x - mean) * (x - mean);
    return std::pair{mean, std::sqrt(ss / static_cast<double>(v.size() - 1))};
  };
  const auto [mean_a, std_a] = stats(a);
  const auto [mean_b, std_b] = stats(b);
  const ember::Tensor x = columns.transform(test);
  EXPECT_EQ(x.dtype(), ember::kFloat32);
  ASSERT_EQ(x.sizes().vec(), (std::vector<int64_t>{2, 2}));
  EXPECT_TRUE(all_close(
      x,
      {(50 - mean_b) / std_b, (3 - mean_a) / std_a, (400 - mean_b) / std_b, (-1 - mean_a) / std_a},
      1e-6));
  // The training rows come out with mean 0 and sample standard deviation 1.
  const ember::Tensor xt = columns.transform(train).to(ember::kFloat64);
  EXPECT_TRUE(all_close(xt.mean({0}), {0.0, 0.0}, 0, 1e-6));
  EXPECT_TRUE(all_close(xt.std({0}, 1), {1.0, 1.0}, 1e-6));
}

TEST(FeatureColumns, BucketsCountTheEdgesAtOrBelowTheValue) {
  const samples::Table t = make_table({"year"}, {70, 72.9, 73, 75.5, 76, 78, 79, 82});
  samples::FeatureColumns columns;
  columns.bucketized("year", {73, 76, 79});
  columns.fit(t);
  EXPECT_EQ(columns.width(), 1);
  EXPECT_EQ(columns.transform(t).flatten().to_vector<float>(),
            (std::vector<float>{0, 0, 1, 1, 2, 2, 3, 3}));
  EXPECT_EQ(columns.names(), (std::vector<std::string>{"year bucket"}));
}

TEST(FeatureColumns, OneHotColumnsComeFromTheTrainingCategories) {
  const samples::Table train = make_table({"origin"}, {3, 1, 3, 2, 1});
  const samples::Table test = make_table({"origin"}, {2, 4, 1});
  samples::FeatureColumns columns;
  columns.one_hot("origin");
  columns.fit(train);
  EXPECT_EQ(columns.width(), 3);
  EXPECT_EQ(columns.names(), (std::vector<std::string>{"origin=1", "origin=2", "origin=3"}));
  // 4 was never seen in training: all zeros.
  EXPECT_EQ(columns.transform(test).flatten().to_vector<float>(),
            (std::vector<float>{0, 1, 0, 0, 0, 0, 1, 0, 0}));
}

TEST(FeatureColumns, TheBooksAutoMpgRecipeGivesNineInputs) {
  // Cylinders, Displacement, Horsepower, Weight, Acceleration, Model Year, Origin.
  const samples::Table t = make_table(
      {"Cylinders", "Displacement", "Horsepower", "Weight", "Acceleration", "Model Year", "Origin"},
      {8, 307, 130, 3504, 12, 70, 1, 4, 97,  46, 1835, 20.5, 74, 2,
       4, 113, 95,  2372, 15, 77, 3, 6, 200, 85, 2587, 16,   81, 1});
  samples::FeatureColumns columns;
  columns.numeric("Cylinders")
      .numeric("Displacement")
      .numeric("Horsepower")
      .numeric("Weight")
      .numeric("Acceleration")
      .bucketized("Model Year", {73, 76, 79})
      .one_hot("Origin");
  columns.fit(t);
  EXPECT_EQ(columns.width(), 9);
  EXPECT_EQ(
      columns.names(),
      (std::vector<std::string>{"Cylinders", "Displacement", "Horsepower", "Weight", "Acceleration",
                                "Model Year bucket", "Origin=1", "Origin=2", "Origin=3"}));
  const ember::Tensor x = columns.transform(t);
  ASSERT_EQ(x.sizes().vec(), (std::vector<int64_t>{4, 9}));
  EXPECT_EQ(x.select(1, 5).to_vector<float>(), (std::vector<float>{0, 1, 2, 3}));
  EXPECT_EQ(x.select(0, 2).slice(0, 6).to_vector<float>(), (std::vector<float>{0, 0, 1}));
}

TEST(FeatureColumns, MisuseIsAnErrorThatSaysWhat) {
  const samples::Table t = make_table({"a", "flat"}, {1, 5, 2, 5, 3, 5});
  samples::FeatureColumns columns;
  columns.numeric("a");
  EXPECT_TRUE(throws_with<ember::ValueError>([&] { columns.transform(t); }, {"before fit"}));
  samples::FeatureColumns flat;
  flat.numeric("flat");
  EXPECT_TRUE(throws_with<ember::ValueError>([&] { flat.fit(t); },
                                             {"\"flat\"", "constant", "3 training rows"}));
  samples::FeatureColumns unknown;
  unknown.one_hot("b");
  EXPECT_TRUE(throws_with<ember::ValueError>([&] { unknown.fit(t); }, {"\"b\"", "a, flat"}));
  samples::FeatureColumns buckets;
  EXPECT_TRUE(throws_with<ember::ValueError>(
      [&] {
        buckets.bucketized("a", {3, 2});
      },
      {"bucketized(\"a\")", "increasing"}));
}

}  // namespace
