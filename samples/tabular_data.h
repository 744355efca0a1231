// Tables of numbers for the regression sample: named columns of float64 values and a target
// column, read from the UCI Auto MPG file or from scikit-learn's copy of the diabetes data.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ember/ember.h"

namespace samples {

struct Table {
  std::vector<std::string> columns;  // the names of values' columns
  ember::Tensor values;              // float64 [rows, columns]
  std::string target_name;
  ember::Tensor target;      // float64 [rows]
  int64_t dropped_rows = 0;  // rows skipped while reading (missing values)

  int64_t rows() const { return values.size(0); }
  // The column named name, float64 [rows]; throws ember::ValueError naming the known columns.
  ember::Tensor column(const std::string& name) const;
  // The rows at index (int64 [k]), in that order.
  Table select_rows(const ember::Tensor& index) const;
};

// The UCI Auto MPG file (auto-mpg.data): per line MPG, Cylinders, Displacement, Horsepower,
// Weight, Acceleration, Model Year, Origin separated by blanks, then a tab and the quoted car
// name. Rows with a missing value ("?", six horsepowers) are dropped (392 of 398 rows stay).
// MPG is the target. A first line without a number (column names, as some copies add) is skipped.
// Throws ember::IOError naming the file and line of anything else.
Table read_auto_mpg(const std::string& path);

// Where Debian's python3-sklearn keeps its data files.
inline constexpr const char* kSklearnDataDir =
    "/usr/lib/python3/dist-packages/sklearn/datasets/data";

// scikit-learn's diabetes data in its raw units (diabetes_data_raw.csv.gz, 442 rows of age, sex,
// bmi, bp, s1 ... s6, and diabetes_target.csv.gz, a disease progression score one year later)
// from directory dir. Throws ember::IOError when a file is missing or malformed.
Table read_sklearn_diabetes(const std::string& dir = kSklearnDataDir);

}  // namespace samples
