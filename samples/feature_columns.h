// Feature columns, as the book builds them for its regression model: a recipe that turns a
// table's raw columns into the network's input, fitted on the training rows only.
//   numeric(c)            standardised: (value - mean) / standard deviation of the training rows
//                         (sample standard deviation, as pandas' describe() gives it)
//   bucketized(c, edges)  the index of the bucket a value falls in, one column: 0 below edges[0],
//                         i where edges[i-1] <= value < edges[i], edges.size() from the last edge
//                         (torch.bucketize(..., right=True))
//   one_hot(c)            one 0/1 column per distinct value seen in the training rows, in
//                         increasing order (a value the training rows lack gives all zeros)
// The input is the columns in the order they were added: numeric and bucketized columns give
// one value each, one-hot columns one per category.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "ember/ember.h"
#include "tabular_data.h"

namespace samples {

class FeatureColumns {
 public:
  FeatureColumns& numeric(std::string column);
  FeatureColumns& bucketized(std::string column, std::vector<double> edges);
  FeatureColumns& one_hot(std::string column);

  // Learns what the columns need from the training rows: each numeric column's mean and standard
  // deviation, each one-hot column's categories. Throws ember::ValueError for a constant numeric
  // column (its standard deviation is 0) or an unknown column name.
  void fit(const Table& train);
  // The input of the rows of table: float32 [rows, width()]. fit() must have run.
  ember::Tensor transform(const Table& table) const;

  // The number of input values per row (after fit()).
  int64_t width() const;
  // One name per input value: "Weight", "Model Year bucket", "Origin=2", ...
  std::vector<std::string> names() const;

 private:
  enum class Kind { Numeric, Bucketized, OneHot };
  struct Column {
    Column(Kind kind, std::string name, std::vector<double> edges = {})
        : kind(kind), name(std::move(name)), edges(std::move(edges)) {}
    Kind kind;
    std::string name;
    std::vector<double> edges;       // bucketized
    double mean = 0, stddev = 1;     // numeric, from fit()
    std::vector<double> categories;  // one-hot, from fit()
  };
  std::vector<Column> columns_;
  bool fitted_ = false;
};

}  // namespace samples
