// Subset, ConcatDataset and random_split.
#include "ember/data/subset.h"

#include <algorithm>
#include <numeric>

#include "ember/core/check.h"
#include "ember/core/ops.h"
#include "ember/data/permutation.h"

namespace ember::data {
namespace {

void check_index(int64_t index, int64_t size, const char* op) {
  EMBER_CHECK(index >= 0 && index < size, Index,
              "{}: index {} is out of range for a data set of {} examples", op, index, size);
}

DatasetPtr checked(DatasetPtr base, const char* op) {
  EMBER_CHECK(base != nullptr, Value, "{}: the base data set is null", op);
  return base;
}

}  // namespace

// ---- Subset ----
Subset::Subset(DatasetPtr base, std::vector<int64_t> indices)
    : base_(checked(std::move(base), "Subset")), indices_(std::move(indices)) {
  const int64_t n = base_->size();
  for (int64_t index : indices_) check_index(index, n, "Subset");
}

int64_t Subset::size() const {
  return static_cast<int64_t>(indices_.size());
}

Example<> Subset::get(int64_t index) const {
  check_index(index, size(), "Subset::get");
  return base_->get(indices_[static_cast<size_t>(index)]);
}

Example<> Subset::get_batch(IntArrayRef indices) const {
  std::vector<int64_t> mapped(indices.size());
  const int64_t n = size();
  for (size_t i = 0; i < indices.size(); ++i) {
    check_index(indices[i], n, "Subset::get_batch");
    mapped[i] = indices_[static_cast<size_t>(indices[i])];
  }
  return base_->get_batch(mapped);
}

DatasetPtr Subset::to(Device device) const {
  return std::make_shared<Subset>(base_->to(device), indices_);
}

// ---- ConcatDataset ----
ConcatDataset::ConcatDataset(std::vector<DatasetPtr> datasets) : datasets_(std::move(datasets)) {
  EMBER_CHECK(!datasets_.empty(), Value, "ConcatDataset: expected at least one data set, got none");
  int64_t total = 0;
  for (size_t i = 0; i < datasets_.size(); ++i) {
    EMBER_CHECK(datasets_[i] != nullptr, Value, "ConcatDataset: data set {} is null", i);
    total += datasets_[i]->size();
    ends_.push_back(total);
  }
}

int64_t ConcatDataset::size() const {
  return ends_.back();
}

std::pair<size_t, int64_t> ConcatDataset::locate(int64_t index) const {
  const auto it = std::upper_bound(ends_.begin(), ends_.end(), index);
  const auto which = static_cast<size_t>(it - ends_.begin());
  const int64_t start = which == 0 ? 0 : ends_[which - 1];
  return {which, index - start};
}

Example<> ConcatDataset::get(int64_t index) const {
  check_index(index, size(), "ConcatDataset::get");
  const auto [which, local] = locate(index);
  return datasets_[which]->get(local);
}

Example<> ConcatDataset::get_batch(IntArrayRef indices) const {
  // Runs of consecutive indices that fall in one data set are gathered together.
  const int64_t n = size();
  std::vector<Example<>> parts;
  size_t run_set = 0;
  std::vector<int64_t> run;
  auto flush = [&] {
    if (!run.empty()) parts.push_back(datasets_[run_set]->get_batch(run));
    run.clear();
  };
  for (int64_t index : indices) {
    check_index(index, n, "ConcatDataset::get_batch");
    const auto [which, local] = locate(index);
    if (which != run_set) flush();
    run_set = which;
    run.push_back(local);
  }
  flush();
  EMBER_CHECK(!parts.empty(), Value, "ConcatDataset::get_batch: expected at least one index");
  if (parts.size() == 1) return std::move(parts.front());
  std::vector<Tensor> data, targets;
  const bool with_target = parts.front().target.defined();
  for (size_t i = 0; i < parts.size(); ++i) {
    EMBER_CHECK(parts[i].target.defined() == with_target, Value,
                "ConcatDataset::get_batch: some of the concatenated data sets have targets and "
                "some do not; a batch needs targets on all of its examples or on none");
    data.push_back(parts[i].data);
    if (with_target) targets.push_back(parts[i].target);
  }
  return Example<>(cat(data), with_target ? cat(targets) : Tensor());
}

DatasetPtr ConcatDataset::to(Device device) const {
  std::vector<DatasetPtr> moved;
  for (const DatasetPtr& d : datasets_) moved.push_back(d->to(device));
  return std::make_shared<ConcatDataset>(std::move(moved));
}

// ---- random_split ----
std::vector<std::shared_ptr<Subset>> random_split(DatasetPtr dataset,
                                                  const std::vector<int64_t>& lengths,
                                                  uint64_t seed) {
  dataset = checked(std::move(dataset), "random_split");
  int64_t total = 0;
  for (int64_t length : lengths) {
    EMBER_CHECK(length >= 0, Value, "random_split: lengths must be non-negative, got {}", lengths);
    total += length;
  }
  EMBER_CHECK(total == dataset->size(), Value,
              "random_split: lengths {} sum to {} but the data set has {} examples", lengths, total,
              dataset->size());
  const std::vector<int64_t> perm = random_permutation(total, seed);
  std::vector<std::shared_ptr<Subset>> parts;
  auto from = perm.begin();
  for (int64_t length : lengths) {
    parts.push_back(std::make_shared<Subset>(dataset, std::vector<int64_t>(from, from + length)));
    from += length;
  }
  return parts;
}

std::vector<std::shared_ptr<Subset>> random_split(DatasetPtr dataset,
                                                  const std::vector<int64_t>& lengths,
                                                  Generator& generator) {
  return random_split(std::move(dataset), lengths, draw_seed(&generator));
}

}  // namespace ember::data
