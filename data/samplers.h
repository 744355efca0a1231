// Samplers: the order in which a loader visits a data set's indices, epoch by epoch. An epoch's
// order is a pure function of the sampler's settings and the epoch number, so a seeded run is
// reproducible and a resumed run can pick up at any epoch. BatchSampler cuts an order into
// batches; DistributedSampler gives each of several ranks its own shard.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "ember/core/macros.h"

namespace ember::data::samplers {

class EMBER_API Sampler {
 public:
  virtual ~Sampler();
  // How many indices one epoch yields.
  virtual int64_t size() const = 0;
  // The indices of epoch `epoch`, in order.
  virtual std::vector<int64_t> indices(int64_t epoch) const = 0;
};
using SamplerPtr = std::shared_ptr<const Sampler>;

// 0, 1, ..., size - 1 in every epoch.
class EMBER_API SequentialSampler final : public Sampler {
 public:
  explicit SequentialSampler(int64_t size);
  int64_t size() const override { return size_; }
  std::vector<int64_t> indices(int64_t epoch) const override;

 private:
  int64_t size_;
};

// A fresh random permutation in every epoch: epoch e's order depends only on (seed, e). Without
// a seed, one is drawn from Ember's default CPU generator when the sampler is made, so
// ember::manual_seed(s) makes the whole run reproducible.
class EMBER_API RandomSampler final : public Sampler {
 public:
  explicit RandomSampler(int64_t size, std::optional<uint64_t> seed = std::nullopt);
  int64_t size() const override { return size_; }
  std::vector<int64_t> indices(int64_t epoch) const override;
  uint64_t seed() const { return seed_; }

 private:
  int64_t size_;
  uint64_t seed_;
};

// Rank `rank`'s shard of the data set for data-parallel training over num_replicas ranks, like
// PyTorch's DistributedSampler: every rank draws the same order (a permutation from (seed, epoch)
// when shuffling, else 0..size-1), pads it by repeating its start up to a multiple of
// num_replicas (or, with drop_last, cuts the tail), and takes every num_replicas-th index from
// position rank. Each rank gets the same number of indices; together they cover the data set.
class EMBER_API DistributedSampler : public Sampler {
 public:
  DistributedSampler(int64_t size, int64_t num_replicas, int64_t rank, bool shuffle = true,
                     uint64_t seed = 0, bool drop_last = false);
  int64_t size() const override { return num_samples_; }
  std::vector<int64_t> indices(int64_t epoch) const override;
  int64_t num_replicas() const { return num_replicas_; }
  int64_t rank() const { return rank_; }

 private:
  int64_t dataset_size_;
  int64_t num_replicas_;
  int64_t rank_;
  bool shuffle_;
  uint64_t seed_;
  bool drop_last_;
  int64_t num_samples_;
};

// Cuts a sampler's order into batches of batch_size; the last one is shorter unless drop_last
// drops it.
class EMBER_API BatchSampler final {
 public:
  BatchSampler(SamplerPtr sampler, int64_t batch_size, bool drop_last = false);
  // Batches per epoch.
  int64_t size() const;
  std::vector<std::vector<int64_t>> batches(int64_t epoch) const;
  const SamplerPtr& sampler() const { return sampler_; }

 private:
  SamplerPtr sampler_;
  int64_t batch_size_;
  bool drop_last_;
};

}  // namespace ember::data::samplers
