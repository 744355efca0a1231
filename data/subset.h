// Views over other data sets: Subset (chosen indices of one), ConcatDataset (several end to end)
// and random_split (disjoint random subsets of given lengths, from a seed or a Generator).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "ember/data/dataset.h"

namespace ember {
class Generator;
}

namespace ember::data {

// The examples of base at `indices`, in that order (indices may repeat).
class EMBER_API Subset : public Dataset {
 public:
  Subset(DatasetPtr base, std::vector<int64_t> indices);

  int64_t size() const override;
  Example<> get(int64_t index) const override;
  Example<> get_batch(IntArrayRef indices) const override;
  DatasetPtr to(Device device) const override;

  const std::vector<int64_t>& indices() const { return indices_; }
  const DatasetPtr& base() const { return base_; }

 private:
  DatasetPtr base_;
  std::vector<int64_t> indices_;
};

// The examples of each data set in turn. A batch spanning several is gathered from each and
// concatenated, so each keeps its fast batch path.
class EMBER_API ConcatDataset : public Dataset {
 public:
  explicit ConcatDataset(std::vector<DatasetPtr> datasets);

  int64_t size() const override;
  Example<> get(int64_t index) const override;
  Example<> get_batch(IntArrayRef indices) const override;
  DatasetPtr to(Device device) const override;

  const std::vector<DatasetPtr>& datasets() const { return datasets_; }

 private:
  // (data set, index inside it) of a global index.
  std::pair<size_t, int64_t> locate(int64_t index) const;

  std::vector<DatasetPtr> datasets_;
  std::vector<int64_t> ends_;  // cumulative sizes
};

// Splits dataset into disjoint Subsets of the given lengths (which must sum to its size) after a
// random permutation of its indices: the same seed gives the same split on every run and machine.
EMBER_API std::vector<std::shared_ptr<Subset>> random_split(DatasetPtr dataset,
                                                            const std::vector<int64_t>& lengths,
                                                            uint64_t seed);
// The same with the permutation's seed drawn from generator (which advances).
EMBER_API std::vector<std::shared_ptr<Subset>> random_split(DatasetPtr dataset,
                                                            const std::vector<int64_t>& lengths,
                                                            Generator& generator);

}  // namespace ember::data
