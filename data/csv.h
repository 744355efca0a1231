// CsvDataset: a table of numbers from a CSV file (raw or gzipped), with or without a header
// line: the feature columns become float32 data [N, F] and one label column the target.
//
// Labels: numbers stay numbers (int64 when all are integers, float32 otherwise), and names
// (e.g. "setosa") become class indices int64, numbered in order of first appearance in the file
// by default, or in sorted (byte-wise) order with ClassOrder::Sorted; class_names() maps back.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ember/data/tensor_dataset.h"

namespace ember::data {

// How class names are numbered.
enum class ClassOrder { Appearance, Sorted };
// What the label column holds: Auto (numbers if every label is a number, else class names),
// Class (always class names, even "1", "2"), Float (a regression target, float32).
enum class LabelType { Auto, Class, Float };

class EMBER_API CsvOptions {
 public:
  // Field separator (default ',').
  CsvOptions& delimiter(char d) {
    delimiter_ = d;
    return *this;
  }
  char delimiter() const { return delimiter_; }
  // Whether the first line names the columns. Unset (the default): it does when one of its
  // fields is not a number while the same field of the second line is.
  CsvOptions& header(bool h) {
    header_ = h;
    return *this;
  }
  std::optional<bool> header() const { return header_; }
  // The label column by index (negative counts from the end; default -1, the last column) ...
  CsvOptions& label_column(int64_t index) {
    label_index_ = index;
    label_name_.clear();
    has_label_ = true;
    return *this;
  }
  // ... or by its name in the header.
  CsvOptions& label_column(std::string name) {
    label_name_ = std::move(name);
    has_label_ = true;
    return *this;
  }
  int64_t label_index() const { return label_index_; }
  const std::string& label_name() const { return label_name_; }
  // Every column is a feature; the data set has no targets.
  CsvOptions& no_label() {
    has_label_ = false;
    return *this;
  }
  bool has_label() const { return has_label_; }
  CsvOptions& class_order(ClassOrder o) {
    class_order_ = o;
    return *this;
  }
  ClassOrder class_order() const { return class_order_; }
  CsvOptions& label_type(LabelType t) {
    label_type_ = t;
    return *this;
  }
  LabelType label_type() const { return label_type_; }
  // Skip rows with a missing value ("", "?", "NA", "N/A", "null") instead of failing on them.
  CsvOptions& drop_missing(bool d) {
    drop_missing_ = d;
    return *this;
  }
  bool drop_missing() const { return drop_missing_; }

 private:
  char delimiter_ = ',';
  std::optional<bool> header_;
  int64_t label_index_ = -1;
  std::string label_name_;
  bool has_label_ = true;
  ClassOrder class_order_ = ClassOrder::Appearance;
  LabelType label_type_ = LabelType::Auto;
  bool drop_missing_ = false;
};

class EMBER_API CsvDataset : public TensorDataset {
 public:
  // Reads the whole file. Throws IOError naming the file, line and column of what is wrong (a
  // field that is not a number, a row with another number of fields, a missing value, no rows),
  // ValueError for a label column that does not exist.
  explicit CsvDataset(const std::string& path, const CsvOptions& options = CsvOptions());

  // The feature columns' names (from the header, else "column <index>").
  const std::vector<std::string>& feature_names() const { return feature_names_; }
  const std::string& label_name() const { return label_name_; }
  // Class index -> name when the labels were names; empty otherwise.
  const std::vector<std::string>& class_names() const { return class_names_; }
  // Rows skipped by drop_missing.
  int64_t dropped_rows() const { return dropped_rows_; }
  bool has_header() const { return has_header_; }

  struct Parsed;

 private:
  explicit CsvDataset(Parsed parsed);

  std::vector<std::string> feature_names_;
  std::string label_name_;
  std::vector<std::string> class_names_;
  int64_t dropped_rows_ = 0;
  bool has_header_ = false;
};

}  // namespace ember::data
