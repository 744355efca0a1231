// Feature columns (see feature_columns.h): standardisation, bucketing and one-hot encoding of a
// table's columns, written with Ember's tensor ops.
#include "feature_columns.h"

#include <fmt/core.h>

#include <algorithm>
#include <set>
#include <utility>

namespace samples {

using ember::Tensor;

FeatureColumns& FeatureColumns::numeric(std::string column) {
  columns_.emplace_back(Kind::Numeric, std::move(column));
  fitted_ = false;
  return *this;
}

FeatureColumns& FeatureColumns::bucketized(std::string column, std::vector<double> edges) {
  if (edges.empty() || !std::is_sorted(edges.begin(), edges.end())) {
    throw ember::ValueError(fmt::format(
        "feature columns: bucketized(\"{}\") needs at least one edge, in increasing order",
        column));
  }
  columns_.emplace_back(Kind::Bucketized, std::move(column), std::move(edges));
  fitted_ = false;
  return *this;
}

FeatureColumns& FeatureColumns::one_hot(std::string column) {
  columns_.emplace_back(Kind::OneHot, std::move(column));
  fitted_ = false;
  return *this;
}

void FeatureColumns::fit(const Table& train) {
  for (Column& c : columns_) {
    const Tensor values = train.column(c.name);
    if (c.kind == Kind::Numeric) {
      c.mean = values.mean().item<double>();
      c.stddev = values.std({}, /*correction=*/1).item<double>();
      if (!(c.stddev > 0)) {
        throw ember::ValueError(fmt::format(
            "feature columns: numeric column \"{}\" is constant over the {} training rows (mean "
            "{}): it cannot be standardised",
            c.name, train.rows(), c.mean));
      }
    } else if (c.kind == Kind::OneHot) {
      const std::vector<double> v = values.to_vector<double>();
      const std::set<double> distinct(v.begin(), v.end());
      c.categories.assign(distinct.begin(), distinct.end());
    }
  }
  fitted_ = true;
}

Tensor FeatureColumns::transform(const Table& table) const {
  if (!fitted_) throw ember::ValueError("feature columns: transform() before fit()");
  std::vector<Tensor> parts;
  for (const Column& c : columns_) {
    const Tensor values = table.column(c.name);
    switch (c.kind) {
      case Kind::Numeric:
        parts.push_back(((values - c.mean) / c.stddev).unsqueeze(1));
        break;
      case Kind::Bucketized: {
        // The number of edges at or below the value.
        Tensor bucket = ember::zeros_like(values);
        for (double edge : c.edges) bucket = bucket + values.ge(edge).to(ember::kFloat64);
        parts.push_back(bucket.unsqueeze(1));
        break;
      }
      case Kind::OneHot:
        for (double category : c.categories) {
          parts.push_back(values.eq(category).to(ember::kFloat64).unsqueeze(1));
        }
        break;
    }
  }
  return ember::cat(parts, 1).to(ember::kFloat32);
}

int64_t FeatureColumns::width() const {
  int64_t width = 0;
  for (const Column& c : columns_) {
    width += c.kind == Kind::OneHot ? static_cast<int64_t>(c.categories.size()) : 1;
  }
  return width;
}

std::vector<std::string> FeatureColumns::names() const {
  std::vector<std::string> names;
  for (const Column& c : columns_) {
    switch (c.kind) {
      case Kind::Numeric:
        names.push_back(c.name);
        break;
      case Kind::Bucketized:
        names.push_back(c.name + " bucket");
        break;
      case Kind::OneHot:
        for (double category : c.categories)
          names.push_back(fmt::format("{}={}", c.name, category));
        break;
    }
  }
  return names;
}

}  // namespace samples
