// The CSV reader: splits lines into fields (double quotes protect delimiters), decides the header,
// parses numbers with std::from_chars, maps class names and builds the two tensors.
#include "ember/data/csv.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <map>
#include <string_view>

#include "ember/core/check.h"
#include "ember/core/factories.h"
#include "ember/data/byte_reader.h"

namespace ember::data {

struct CsvDataset::Parsed {
  Tensor data;
  Tensor target;
  std::vector<std::string> feature_names;
  std::string label_name;
  std::vector<std::string> class_names;
  int64_t dropped_rows = 0;
  bool has_header = false;
};

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// The fields of one line; a field in double quotes may hold the delimiter ("" is a quote).
std::vector<std::string> split_fields(std::string_view line, char delimiter) {
  std::vector<std::string> fields;
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"' && trim(field).empty()) {
      field.clear();
      quoted = true;
    } else if (c == delimiter) {
      fields.emplace_back(trim(field));
      field.clear();
    } else {
      field += c;
    }
  }
  fields.emplace_back(trim(field));
  return fields;
}

std::optional<double> parse_number(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

bool is_missing(std::string_view s) {
  std::string lower(s);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower.empty() || lower == "?" || lower == "na" || lower == "n/a" || lower == "null";
}

struct Line {
  int64_t number;  // 1-based, in the file
  std::vector<std::string> fields;
};

// Non-blank lines of the text, split into fields.
std::vector<Line> split_lines(const std::string& text, char delimiter) {
  std::vector<Line> lines;
  size_t start = 0;
  int64_t number = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    ++number;
    const std::string_view line = trim(std::string_view(text).substr(start, end - start));
    if (!line.empty()) lines.push_back({number, split_fields(line, delimiter)});
    start = end + 1;
  }
  return lines;
}

bool guess_header(const std::vector<Line>& lines) {
  if (lines.size() < 2) return false;
  const auto& first = lines[0].fields;
  const auto& second = lines[1].fields;
  for (size_t c = 0; c < first.size() && c < second.size(); ++c) {
    if (!parse_number(first[c]) && parse_number(second[c])) return true;
  }
  return false;
}

CsvDataset::Parsed parse_csv(const std::string& path, const CsvOptions& options) {
  const std::string text = detail::read_file(path, "CsvDataset");
  std::vector<Line> lines = split_lines(text, options.delimiter());
  EMBER_CHECK(!lines.empty(), IO, "CsvDataset: '{}' is empty", path);

  CsvDataset::Parsed out;
  out.has_header = options.header() ? *options.header() : guess_header(lines);
  const size_t columns = lines[0].fields.size();
  std::vector<std::string> names(columns);
  for (size_t c = 0; c < columns; ++c) {
    names[c] = out.has_header ? lines[0].fields[c] : "column " + std::to_string(c);
  }
  const size_t first_row = out.has_header ? 1 : 0;
  EMBER_CHECK(lines.size() > first_row, IO, "CsvDataset: '{}' has a header line but no rows", path);

  // The label column.
  std::optional<size_t> label;
  if (options.has_label()) {
    if (!options.label_name().empty()) {
      EMBER_CHECK(out.has_header, Value,
                  "CsvDataset: label column '{}' is chosen by name, but '{}' has no header line "
                  "(choose it by index, or set CsvOptions().header(true))",
                  options.label_name(), path);
      const auto it = std::find(names.begin(), names.end(), options.label_name());
      EMBER_CHECK(it != names.end(), Value,
                  "CsvDataset: '{}' has no column named '{}'; its columns are {}", path,
                  options.label_name(), fmt::join(names, ", "));
      label = static_cast<size_t>(it - names.begin());
    } else {
      const int64_t n = static_cast<int64_t>(columns);
      const int64_t index = options.label_index();
      EMBER_CHECK(index >= -n && index < n, Value,
                  "CsvDataset: label column {} is out of range for '{}', which has {} columns",
                  index, path, columns);
      label = static_cast<size_t>(index < 0 ? index + n : index);
    }
  }
  for (size_t c = 0; c < columns; ++c) {
    if (c != label) out.feature_names.push_back(names[c]);
  }
  if (label) out.label_name = names[*label];
  const size_t features = out.feature_names.size();
  EMBER_CHECK(features > 0, IO,
              "CsvDataset: '{}' has no feature columns (its only column is the label)", path);

  // The rows.
  std::vector<float> values;
  std::vector<std::string> labels;
  values.reserve((lines.size() - first_row) * features);
  for (size_t r = first_row; r < lines.size(); ++r) {
    const Line& line = lines[r];
    EMBER_CHECK(line.fields.size() == columns, IO,
                "CsvDataset: '{}' line {} has {} fields, but the first line has {}", path,
                line.number, line.fields.size(), columns);
    bool missing = false;
    for (size_t c = 0; c < columns && !missing; ++c) missing = is_missing(line.fields[c]);
    if (missing && options.drop_missing()) {
      ++out.dropped_rows;
      continue;
    }
    for (size_t c = 0; c < columns; ++c) {
      const std::string& field = line.fields[c];
      EMBER_CHECK(!is_missing(field), IO,
                  "CsvDataset: '{}' line {}, column '{}': missing value '{}'; pass "
                  "CsvOptions().drop_missing(true) to skip such rows",
                  path, line.number, names[c], field);
      if (c == label) {
        labels.push_back(field);
        continue;
      }
      const std::optional<double> v = parse_number(field);
      EMBER_CHECK(v.has_value(), IO,
                  "CsvDataset: '{}' line {}, column '{}': '{}' is not a number (feature columns "
                  "must be numeric{})",
                  path, line.number, names[c], field,
                  r == 0 ? "; if this line names the columns, set CsvOptions().header(true)" : "");
      values.push_back(static_cast<float>(*v));
    }
  }
  const auto rows = static_cast<int64_t>(values.size() / features);
  EMBER_CHECK(rows > 0, IO,
              "CsvDataset: '{}' has no rows left after dropping {} with missing values", path,
              out.dropped_rows);
  out.data =
      tensor(values, {rows, static_cast<int64_t>(features)}, TensorOptions().dtype(kFloat32));

  if (label) {
    std::vector<double> numbers;
    bool numeric = options.label_type() != LabelType::Class;
    for (const std::string& l : labels) {
      if (!numeric) break;
      const std::optional<double> v = parse_number(l);
      if (v) {
        numbers.push_back(*v);
      } else {
        numeric = false;
      }
    }
    if (options.label_type() == LabelType::Float) {
      EMBER_CHECK(numeric, IO,
                  "CsvDataset: '{}' column '{}' should hold numbers (LabelType::Float), but holds "
                  "'{}'",
                  path, out.label_name, labels[numbers.size()]);
      std::vector<float> f(numbers.begin(), numbers.end());
      out.target = tensor(f, TensorOptions().dtype(kFloat32));
    } else if (numeric) {
      const bool integral = std::all_of(numbers.begin(), numbers.end(), [](double v) {
        return std::isfinite(v) && v == std::floor(v);
      });
      if (integral) {
        std::vector<int64_t> ints(numbers.begin(), numbers.end());
        out.target = tensor(ints, TensorOptions().dtype(kInt64));
      } else {
        std::vector<float> f(numbers.begin(), numbers.end());
        out.target = tensor(f, TensorOptions().dtype(kFloat32));
      }
    } else {
      // Class names, numbered in order of first appearance or sorted.
      std::vector<std::string> classes;
      std::map<std::string, int64_t> index;
      for (const std::string& l : labels) {
        if (index.emplace(l, 0).second) classes.push_back(l);
      }
      if (options.class_order() == ClassOrder::Sorted) std::sort(classes.begin(), classes.end());
      for (size_t i = 0; i < classes.size(); ++i) index[classes[i]] = static_cast<int64_t>(i);
      std::vector<int64_t> ids;
      ids.reserve(labels.size());
      for (const std::string& l : labels) ids.push_back(index[l]);
      out.target = tensor(ids, TensorOptions().dtype(kInt64));
      out.class_names = std::move(classes);
    }
  }
  return out;
}

}  // namespace

CsvDataset::CsvDataset(const std::string& path, const CsvOptions& options)
    : CsvDataset(parse_csv(path, options)) {}

CsvDataset::CsvDataset(Parsed parsed)
    : TensorDataset(std::move(parsed.data), std::move(parsed.target)),
      feature_names_(std::move(parsed.feature_names)),
      label_name_(std::move(parsed.label_name)),
      class_names_(std::move(parsed.class_names)),
      dropped_rows_(parsed.dropped_rows),
      has_header_(parsed.has_header) {}

}  // namespace ember::data
