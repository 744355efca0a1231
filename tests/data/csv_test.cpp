// Tests of CsvDataset: header detection and explicit headers, label column by index (negative
// too) and by name, class names numbered by appearance or sorted, numeric labels (int64 or
// float32), no label, quoted fields, other delimiters, gzipped files, missing values dropped or
// reported, and malformed files with messages naming the file, line and column.
#include <gtest/gtest.h>

#include <zlib.h>

#include <string>
#include <vector>

#include "tests/data/data_test_util.h"
#include "tests/support/test_util.h"

namespace ember {
namespace {

using data::ClassOrder;
using data::CsvDataset;
using data::CsvOptions;
using data::LabelType;
using testing::TempDir;
using testing::throws_with;
using testing::write_text;

const char* kIris =
    "sepal_length,sepal_width,species\n"
    "5.1,3.5,setosa\n"
    "7.0,3.2,versicolor\n"
    "6.3,3.3,virginica\n"
    "4.9,3.0,setosa\n"
    "6.4,3.2,versicolor\n";

TEST(Csv, HeaderIsDetectedAndClassNamesNumberedInOrderOfAppearance) {
  TempDir dir;
  write_text(dir.file("iris.csv"), kIris);
  CsvDataset ds(dir.file("iris.csv"));
  EXPECT_TRUE(ds.has_header());
  EXPECT_EQ(ds.size(), 5);
  EXPECT_EQ(ds.feature_names(), (std::vector<std::string>{"sepal_length", "sepal_width"}));
  EXPECT_EQ(ds.label_name(), "species");
  EXPECT_EQ(ds.data().dtype(), kFloat32);
  EXPECT_EQ(ds.data().sizes(), IntArrayRef({5, 2}));
  EXPECT_TRUE(
      testing::all_close(ds.data(), {5.1, 3.5, 7.0, 3.2, 6.3, 3.3, 4.9, 3.0, 6.4, 3.2}, 1e-6));
  EXPECT_EQ(ds.targets().dtype(), kInt64);
  EXPECT_EQ(ds.targets().to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 2, 0, 1}));
  EXPECT_EQ(ds.class_names(), (std::vector<std::string>{"setosa", "versicolor", "virginica"}));
}

TEST(Csv, SortedClassOrderAndLabelChosenByNameOrNegativeIndex) {
  TempDir dir;
  write_text(dir.file("t.csv"),
             "kind,x,y\n"
             "zebra,1,2\n"
             "ant,3,4\n"
             "moose,5,6\n"
             "ant,7,8\n");
  CsvDataset by_name(
      dir.file("t.csv"),
      CsvOptions().label_column(std::string("kind")).class_order(ClassOrder::Sorted));
  EXPECT_EQ(by_name.class_names(), (std::vector<std::string>{"ant", "moose", "zebra"}));
  EXPECT_EQ(by_name.targets().to_vector<int64_t>(), (std::vector<int64_t>{2, 0, 1, 0}));
  EXPECT_EQ(by_name.feature_names(), (std::vector<std::string>{"x", "y"}));
  EXPECT_TRUE(testing::all_close(by_name.data(), {1, 2, 3, 4, 5, 6, 7, 8}, 0));

  CsvDataset by_index(dir.file("t.csv"), CsvOptions().label_column(-3));
  EXPECT_EQ(by_index.class_names(), (std::vector<std::string>{"zebra", "ant", "moose"}));
  EXPECT_EQ(by_index.targets().to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 2, 1}));
}

TEST(Csv, NoHeaderNumericLabelsAndLabelTypes) {
  TempDir dir;
  write_text(dir.file("n.csv"), "1.5,2,0\n3.5,4,2\n-1e2,6,1\n");
  CsvDataset ints(dir.file("n.csv"));
  EXPECT_FALSE(ints.has_header());
  EXPECT_EQ(ints.feature_names(), (std::vector<std::string>{"column 0", "column 1"}));
  EXPECT_EQ(ints.targets().dtype(), kInt64);
  EXPECT_EQ(ints.targets().to_vector<int64_t>(), (std::vector<int64_t>{0, 2, 1}));
  EXPECT_TRUE(ints.class_names().empty());
  EXPECT_TRUE(testing::all_close(ints.data(), {1.5, 2, 3.5, 4, -100, 6}, 1e-7));

  CsvDataset regression(dir.file("n.csv"), CsvOptions().label_type(LabelType::Float));
  EXPECT_EQ(regression.targets().dtype(), kFloat32);

  // Class: numbers treated as names, by first appearance.
  CsvDataset classes(dir.file("n.csv"), CsvOptions().label_type(LabelType::Class));
  EXPECT_EQ(classes.class_names(), (std::vector<std::string>{"0", "2", "1"}));
  EXPECT_EQ(classes.targets().to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 2}));

  // Fractional labels become float32.
  write_text(dir.file("f.csv"), "1,0.5\n2,1.25\n");
  CsvDataset fractional(dir.file("f.csv"));
  EXPECT_EQ(fractional.targets().dtype(), kFloat32);
  EXPECT_TRUE(testing::all_close(fractional.targets(), {0.5, 1.25}, 0));

  // No label: every column a feature.
  CsvDataset unlabeled(dir.file("n.csv"), CsvOptions().no_label());
  EXPECT_EQ(unlabeled.data().sizes(), IntArrayRef({3, 3}));
  EXPECT_FALSE(unlabeled.targets().defined());
}

TEST(Csv, SklearnIrisFirstLineIsDetectedAsAHeaderLine) {
  // scikit-learn's iris.csv starts with "150,4,setosa,versicolor,virginica", not column names.
  TempDir dir;
  write_text(dir.file("iris.csv"),
             "3,4,setosa,versicolor,virginica\n5.1,3.5,1.4,0.2,0\n7.0,3.2,4.7,1.4,1\n"
             "6.3,3.3,6.0,2.5,2\n");
  CsvDataset ds(dir.file("iris.csv"));
  EXPECT_TRUE(ds.has_header());
  EXPECT_EQ(ds.data().sizes(), IntArrayRef({3, 4}));
  EXPECT_EQ(ds.targets().to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 2}));
  // Read as data, its class names are not numbers, and the message says what to do.
  EXPECT_TRUE(throws_with<IOError>(
      [&] { CsvDataset bad(dir.file("iris.csv"), CsvOptions().header(false)); },
      {"line 1", "column 'column 2'", "'setosa' is not a number", "header(true)"}));
}

TEST(Csv, QuotedFieldsSemicolonsCrlfBlankLinesAndGzip) {
  TempDir dir;
  write_text(dir.file("q.csv"), "a;b;name\r\n1;2;\"x;y\"\r\n\r\n3;4;\"say \"\"hi\"\"\"\r\n");
  CsvDataset ds(dir.file("q.csv"), CsvOptions().delimiter(';'));
  EXPECT_EQ(ds.size(), 2);
  EXPECT_EQ(ds.class_names(), (std::vector<std::string>{"x;y", "say \"hi\""}));
  // The same text gzipped.
  gzFile f = gzopen(dir.file("g.csv.gz").c_str(), "wb");
  const std::string text = "x,y\n1,0\n2,1\n";
  gzwrite(f, text.data(), static_cast<unsigned>(text.size()));
  gzclose(f);
  CsvDataset gz(dir.file("g.csv.gz"));
  EXPECT_EQ(gz.size(), 2);
  EXPECT_EQ(gz.targets().to_vector<int64_t>(), (std::vector<int64_t>{0, 1}));
}

TEST(Csv, MissingValuesAreReportedOrDropped) {
  TempDir dir;
  write_text(dir.file("m.csv"), "mpg,hp,origin\n18,130,1\n25,?,2\n30,95,\n22,100,3\n");
  EXPECT_TRUE(throws_with<IOError>(
      [&] { CsvDataset ds(dir.file("m.csv")); },
      {"m.csv", "line 3", "column 'hp'", "missing value '?'", "drop_missing"}));
  CsvDataset ds(dir.file("m.csv"), CsvOptions().drop_missing(true));
  EXPECT_EQ(ds.size(), 2);
  EXPECT_EQ(ds.dropped_rows(), 2);
  EXPECT_EQ(ds.targets().to_vector<int64_t>(), (std::vector<int64_t>{1, 3}));
}

TEST(Csv, MalformedFilesNameFileLineAndColumn) {
  TempDir dir;
  write_text(dir.file("bad.csv"), "a,b,c\n1,2,0\n3,oops,1\n");
  EXPECT_TRUE(throws_with<IOError>([&] { CsvDataset ds(dir.file("bad.csv")); },
                                   {"bad.csv", "line 3", "column 'b'", "'oops' is not a number"}));
  write_text(dir.file("ragged.csv"), "1,2,0\n3,4\n");
  EXPECT_TRUE(throws_with<IOError>([&] { CsvDataset ds(dir.file("ragged.csv")); },
                                   {"ragged.csv", "line 2 has 2 fields", "first line has 3"}));
  write_text(dir.file("empty.csv"), "\n\n");
  EXPECT_TRUE(throws_with<IOError>([&] { CsvDataset ds(dir.file("empty.csv")); },
                                   {"empty.csv", "is empty"}));
  write_text(dir.file("header_only.csv"), "a,b\n");
  EXPECT_TRUE(throws_with<IOError>(
      [&] { CsvDataset ds(dir.file("header_only.csv"), CsvOptions().header(true)); },
      {"header_only.csv", "no rows"}));
  EXPECT_TRUE(throws_with<IOError>([&] { CsvDataset ds(dir.file("missing.csv")); },
                                   {"missing.csv", "cannot open"}));
  write_text(dir.file("ok.csv"), "a,b\n1,0\n");
  EXPECT_TRUE(throws_with<ValueError>(
      [&] { CsvDataset ds(dir.file("ok.csv"), CsvOptions().label_column(std::string("label"))); },
      {"no column named 'label'", "a, b"}));
  EXPECT_TRUE(throws_with<ValueError>(
      [&] { CsvDataset ds(dir.file("ok.csv"), CsvOptions().label_column(5)); },
      {"label column 5 is out of range", "2 columns"}));
}

}  // namespace
}  // namespace ember
