// The samplers' orders and BatchSampler's cutting.
#include "ember/data/samplers.h"

#include "ember/core/check.h"
#include "ember/data/permutation.h"

namespace ember::data::samplers {
namespace {

void check_size(int64_t size, const char* sampler) {
  EMBER_CHECK(size >= 0, Value, "{}: the data set size must be non-negative, got {}", sampler,
              size);
}

void check_epoch(int64_t epoch, const char* sampler) {
  EMBER_CHECK(epoch >= 0, Value, "{}: epoch must be non-negative, got {}", sampler, epoch);
}

}  // namespace

Sampler::~Sampler() = default;

SequentialSampler::SequentialSampler(int64_t size) : size_(size) {
  check_size(size, "SequentialSampler");
}

std::vector<int64_t> SequentialSampler::indices(int64_t epoch) const {
  check_epoch(epoch, "SequentialSampler");
  std::vector<int64_t> out(static_cast<size_t>(size_));
  for (int64_t i = 0; i < size_; ++i) out[static_cast<size_t>(i)] = i;
  return out;
}

RandomSampler::RandomSampler(int64_t size, std::optional<uint64_t> seed)
    : size_(size), seed_(seed ? *seed : draw_seed()) {
  check_size(size, "RandomSampler");
}

std::vector<int64_t> RandomSampler::indices(int64_t epoch) const {
  check_epoch(epoch, "RandomSampler");
  return random_permutation(size_, seed_, static_cast<uint64_t>(epoch));
}

DistributedSampler::DistributedSampler(int64_t size, int64_t num_replicas, int64_t rank,
                                       bool shuffle, uint64_t seed, bool drop_last)
    : dataset_size_(size),
      num_replicas_(num_replicas),
      rank_(rank),
      shuffle_(shuffle),
      seed_(seed),
      drop_last_(drop_last) {
  check_size(size, "DistributedSampler");
  EMBER_CHECK(num_replicas >= 1, Value,
              "DistributedSampler: num_replicas must be at least 1, got {}", num_replicas);
  EMBER_CHECK(rank >= 0 && rank < num_replicas, Value,
              "DistributedSampler: rank {} is out of range for {} replicas (expected 0 to {})",
              rank, num_replicas, num_replicas - 1);
  num_samples_ = drop_last ? size / num_replicas : (size + num_replicas - 1) / num_replicas;
}

std::vector<int64_t> DistributedSampler::indices(int64_t epoch) const {
  check_epoch(epoch, "DistributedSampler");
  std::vector<int64_t> order;
  if (shuffle_) {
    order = random_permutation(dataset_size_, seed_, static_cast<uint64_t>(epoch));
  } else {
    order.resize(static_cast<size_t>(dataset_size_));
    for (int64_t i = 0; i < dataset_size_; ++i) order[static_cast<size_t>(i)] = i;
  }
  const int64_t total = num_samples_ * num_replicas_;
  // Pad by repeating the order from its start (several times if it is very short).
  for (size_t i = 0; static_cast<int64_t>(order.size()) < total && dataset_size_ > 0; ++i) {
    order.push_back(order[i]);
  }
  std::vector<int64_t> shard;
  shard.reserve(static_cast<size_t>(num_samples_));
  for (int64_t i = rank_; i < total; i += num_replicas_)
    shard.push_back(order[static_cast<size_t>(i)]);
  return shard;
}

BatchSampler::BatchSampler(SamplerPtr sampler, int64_t batch_size, bool drop_last)
    : sampler_(std::move(sampler)), batch_size_(batch_size), drop_last_(drop_last) {
  EMBER_CHECK(sampler_ != nullptr, Value, "BatchSampler: the sampler is null");
  EMBER_CHECK(batch_size >= 1, Value, "BatchSampler: batch_size must be at least 1, got {}",
              batch_size);
}

int64_t BatchSampler::size() const {
  const int64_t n = sampler_->size();
  return drop_last_ ? n / batch_size_ : (n + batch_size_ - 1) / batch_size_;
}

std::vector<std::vector<int64_t>> BatchSampler::batches(int64_t epoch) const {
  const std::vector<int64_t> order = sampler_->indices(epoch);
  std::vector<std::vector<int64_t>> out;
  out.reserve(static_cast<size_t>(size()));
  for (size_t start = 0; start < order.size(); start += static_cast<size_t>(batch_size_)) {
    const size_t end = std::min(order.size(), start + static_cast<size_t>(batch_size_));
    if (drop_last_ && end - start < static_cast<size_t>(batch_size_)) break;
    out.emplace_back(order.begin() + static_cast<std::ptrdiff_t>(start),
                     order.begin() + static_cast<std::ptrdiff_t>(end));
  }
  return out;
}

}  // namespace ember::data::samplers
