// The regression sample's readers: the UCI Auto MPG format (blank-separated numbers, a tab and a
// quoted car name, "?" for a missing value) on small files the tests write, including malformed
// ones, and scikit-learn's diabetes files (small stand-ins, and Debian's copy when installed).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "data/data_test_util.h"
#include "ember/ember.h"
#include "support/test_util.h"
#include "tabular_data.h"

namespace {

using ember::testing::TempDir;
using ember::testing::throws_with;
using ember::testing::write_text;

// Five lines of the real file (the third has no horsepower), as UCI writes them.
const char* const kAutoMpgLines =
    "18.0   8   307.0      130.0      3504.      12.0   70  1\t\"chevrolet chevelle malibu\"\n"
    "15.0   8   350.0      165.0      3693.      11.5   70  1\t\"buick skylark 320\"\n"
    "25.0   4   98.00      ?          2046.      19.0   71  1\t\"ford pinto\"\n"
    "24.0   4   113.0      95.00      2372.      15.0   70  3\t\"toyota corona mark ii\"\n"
    "26.0   4   97.00      46.00      1835.      20.5   70  2\t\"volkswagen 1131 deluxe sedan\"\n";

TEST(AutoMpgReader, ReadsColumnsAndTargetAndDropsMissingRows) {
  TempDir dir;
  write_text(dir.file("auto-mpg.data"), kAutoMpgLines);
  const samples::Table t = samples::read_auto_mpg(dir.file("auto-mpg.data"));
  ASSERT_EQ(t.rows(), 4);
  EXPECT_EQ(t.dropped_rows, 1);
  EXPECT_EQ(t.columns,
            (std::vector<std::string>{"Cylinders", "Displacement", "Horsepower", "Weight",
                                      "Acceleration", "Model Year", "Origin"}));
  EXPECT_EQ(t.target_name, "MPG");
  EXPECT_EQ(t.values.dtype(), ember::kFloat64);
  EXPECT_EQ(t.target.to_vector<double>(), (std::vector<double>{18.0, 15.0, 24.0, 26.0}));
  EXPECT_EQ(t.values.select(0, 3).to_vector<double>(),
            (std::vector<double>{4, 97, 46, 1835, 20.5, 70, 2}));
  EXPECT_EQ(t.column("Horsepower").to_vector<double>(), (std::vector<double>{130, 165, 95, 46}));
}

TEST(AutoMpgReader, SkipsAHeaderLineAndBlankLinesAndCarriageReturns) {
  TempDir dir;
  write_text(dir.file("auto.txt"),
             "mpg cylinders displacement horsepower weight acceleration model_year origin name\n"
             "\n18.0 8 307.0 130.0 3504. 12.0 70 1\t\"chevrolet chevelle malibu\"\r\n");
  const samples::Table t = samples::read_auto_mpg(dir.file("auto.txt"));
  ASSERT_EQ(t.rows(), 1);
  EXPECT_EQ(t.values.select(0, 0).to_vector<double>(),
            (std::vector<double>{8, 307, 130, 3504, 12, 70, 1}));
}

TEST(AutoMpgReader, MalformedFilesNameTheFileAndLine) {
  TempDir dir;
  const std::string path = dir.file("bad.data");
  write_text(path, std::string(kAutoMpgLines) + "20.0 4 97.0 46.0 1835. 20.5 70\t\"short\"\n");
  EXPECT_TRUE(throws_with<ember::IOError>([&] { samples::read_auto_mpg(path); },
                                          {"auto-mpg", path, "line 6", "7 fields", "expected 8"}));
  write_text(path, "18.0 8 307.0 13o.0 3504. 12.0 70 1\t\"typo\"\n");
  EXPECT_TRUE(throws_with<ember::IOError>([&] { samples::read_auto_mpg(path); },
                                          {path, "line 1", "field 4", "13o.0", "not a number"}));
  write_text(path, "");
  EXPECT_TRUE(
      throws_with<ember::IOError>([&] { samples::read_auto_mpg(path); }, {path, "no rows"}));
  EXPECT_TRUE(throws_with<ember::IOError>([&] { samples::read_auto_mpg(dir.file("missing.data")); },
                                          {"cannot open", "missing.data"}));
}

TEST(AutoMpgReader, UnknownColumnNamesTheKnownOnes) {
  TempDir dir;
  write_text(dir.file("auto-mpg.data"), kAutoMpgLines);
  const samples::Table t = samples::read_auto_mpg(dir.file("auto-mpg.data"));
  EXPECT_TRUE(throws_with<ember::ValueError>([&] { t.column("Year"); },
                                             {"\"Year\"", "Model Year", "Origin"}));
}

TEST(DiabetesReader, ReadsTheTwoFilesOfAFolder) {
  TempDir dir;
  // The reader finds gzip by its first bytes: plain text under the real names reads the same.
  write_text(dir.file("diabetes_data_raw.csv.gz"),
             "59 2 32.1 101.0 157 93.2 38.0 4.0 4.8598 87\n"
             "48 1 21.6 87.0 183 103.2 70.0 3.0 3.8918 69\n");
  write_text(dir.file("diabetes_target.csv.gz"),
             "1.510000000000000000e+02\n7.500000000000000000e+01\n");
  const samples::Table t = samples::read_sklearn_diabetes(dir.path());
  ASSERT_EQ(t.rows(), 2);
  EXPECT_EQ(t.columns.size(), 10u);
  EXPECT_EQ(t.target.to_vector<double>(), (std::vector<double>{151, 75}));
  EXPECT_TRUE(ember::testing::all_close(t.column("bmi"), {32.1, 21.6}, 1e-6));
  EXPECT_TRUE(ember::testing::all_close(t.column("s5"), {4.8598, 3.8918}, 1e-6));
  EXPECT_EQ(t.column("sex").to_vector<double>(), (std::vector<double>{2, 1}));
}

TEST(DiabetesReader, MissingOrMismatchedFilesAreErrors) {
  TempDir dir;
  EXPECT_TRUE(throws_with<ember::IOError>([&] { samples::read_sklearn_diabetes(dir.path()); },
                                          {"diabetes_data_raw.csv.gz", "python3-sklearn"}));
  write_text(dir.file("diabetes_data_raw.csv.gz"), "59 2 32.1 101.0 157 93.2 38.0 4.0 4.8598 87\n");
  write_text(dir.file("diabetes_target.csv.gz"), "151\n75\n");
  EXPECT_TRUE(throws_with<ember::IOError>([&] { samples::read_sklearn_diabetes(dir.path()); },
                                          {"1 rows x 10", "2 rows x 1"}));
}

TEST(DiabetesReader, DebiansCopyHas442RowsOf10Features) {
  if (!std::filesystem::exists(std::string(samples::kSklearnDataDir) +
                               "/diabetes_data_raw.csv.gz")) {
    GTEST_SKIP() << "python3-sklearn is not installed (tools/setup.sh installs it)";
  }
  const samples::Table t = samples::read_sklearn_diabetes();
  ASSERT_EQ(t.rows(), 442);
  EXPECT_EQ(t.values.size(1), 10);
  EXPECT_TRUE(ember::testing::all_close(t.values.select(0, 0),
                                        {59, 2, 32.1, 101, 157, 93.2, 38, 4, 4.8598, 87}, 1e-6));
  EXPECT_EQ(t.target.select(0, 0).item<double>(), 151.0);
}

}  // namespace
