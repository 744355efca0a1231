// Reads the regression sample's tables: the UCI Auto MPG file (parsed here, as it is neither CSV
// nor whitespace-clean) and scikit-learn's diabetes files (through ember::data::CsvDataset).
#include "tabular_data.h"

#include <fmt/core.h>

#include <charconv>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string_view>
#include <system_error>

namespace samples {

using ember::Tensor;

Tensor Table::column(const std::string& name) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i] == name) return values.select(1, static_cast<int64_t>(i));
  }
  std::string known;
  for (const std::string& c : columns) known += (known.empty() ? "" : ", ") + c;
  throw ember::ValueError(fmt::format("table: no column \"{}\" (columns: {})", name, known));
}

Table Table::select_rows(const Tensor& index) const {
  Table out = *this;
  out.values = values.index_select(0, index);
  out.target = target.index_select(0, index);
  return out;
}

namespace {

bool parse_double(std::string_view text, double& value) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  return ec == std::errc() && ptr == end;
}

}  // namespace

Table read_auto_mpg(const std::string& path) {
  std::ifstream file(path);
  if (!file) throw ember::IOError(fmt::format("auto-mpg: cannot open \"{}\"", path));
  constexpr size_t kFields = 8;
  Table table;
  table.columns = {"Cylinders",    "Displacement", "Horsepower", "Weight",
                   "Acceleration", "Model Year",   "Origin"};
  table.target_name = "MPG";
  std::vector<double> values, target;
  std::string line;
  int64_t line_number = 0;
  bool first_record = true;
  while (std::getline(file, line)) {
    ++line_number;
    // The car name follows a tab, in quotes: drop it (and a stray carriage return).
    line = line.substr(0, line.find_first_of("\t\"\r"));
    std::istringstream fields(line);
    std::vector<std::string> tokens;
    for (std::string token; fields >> token;) tokens.push_back(token);
    if (tokens.empty()) continue;
    if (first_record) {
      first_record = false;
      double unused = 0;
      bool any_number = false;
      for (const std::string& token : tokens) any_number |= parse_double(token, unused);
      if (!any_number) continue;  // a line of column names
    }
    if (tokens.size() != kFields) {
      throw ember::IOError(fmt::format(
          "auto-mpg: \"{}\" line {}: {} fields before the car name, expected {} (MPG, Cylinders, "
          "Displacement, Horsepower, Weight, Acceleration, Model Year, Origin)",
          path, line_number, tokens.size(), kFields));
    }
    double row[kFields];
    bool missing = false;
    for (size_t i = 0; i < kFields; ++i) {
      if (tokens[i] == "?") {
        missing = true;
      } else if (!parse_double(tokens[i], row[i])) {
        throw ember::IOError(
            fmt::format("auto-mpg: \"{}\" line {}: field {} \"{}\" is not a number", path,
                        line_number, i + 1, tokens[i]));
      }
    }
    if (missing) {
      ++table.dropped_rows;
      continue;
    }
    target.push_back(row[0]);
    values.insert(values.end(), row + 1, row + kFields);
  }
  if (target.empty()) throw ember::IOError(fmt::format("auto-mpg: \"{}\" has no rows", path));
  const int64_t rows = static_cast<int64_t>(target.size());
  table.values = ember::tensor(values, {rows, static_cast<int64_t>(kFields - 1)});
  table.target = ember::tensor(target);
  return table;
}

Table read_sklearn_diabetes(const std::string& dir) {
  const std::string data_path = dir + "/diabetes_data_raw.csv.gz";
  const std::string target_path = dir + "/diabetes_target.csv.gz";
  for (const std::string& p : {data_path, target_path}) {
    if (!std::ifstream(p)) {
      throw ember::IOError(fmt::format(
          "diabetes: cannot open \"{}\" (Debian's python3-sklearn provides it; tools/setup.sh "
          "installs it)",
          p));
    }
  }
  // Blank-separated numbers without a header; every column a feature.
  const auto options = ember::data::CsvOptions().delimiter(' ').header(false).no_label();
  const ember::data::CsvDataset data(data_path, options);
  const ember::data::CsvDataset target(target_path, options);
  if (data.data().size(1) != 10 || target.data().size(1) != 1 || data.size() != target.size()) {
    throw ember::IOError(fmt::format(
        "diabetes: expected 10 feature columns and one target column of equal length, found {} "
        "rows x {} in \"{}\" and {} rows x {} in \"{}\"",
        data.size(), data.data().size(1), data_path, target.size(), target.data().size(1),
        target_path));
  }
  Table table;
  table.columns = {"age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"};
  table.values = data.data().to(ember::kFloat64);
  table.target_name = "progression";
  table.target = target.data().select(1, 0).to(ember::kFloat64).contiguous();
  return table;
}

}  // namespace samples
