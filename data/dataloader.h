// DataLoader: batches of a data set in a range-for, in the order of a sampler, assembled ahead by
// worker threads (or on the caller's thread), optionally in pinned host memory and copied to a
// GPU asynchronously, or gathered on the GPU from a device-resident copy of the data set. With or
// without workers it yields the same batches in the same order; an error while assembling a batch
// (a corrupt file, a throwing transform) reaches the loop at that batch with its own type and
// message. Options follow libtorch's DataLoaderOptions, with PyTorch's names beside them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <type_traits>

#include "ember/core/device.h"
#include "ember/data/dataset.h"
#include "ember/data/samplers.h"

namespace ember::data {

class EMBER_API DataLoaderOptions {
 public:
  DataLoaderOptions() = default;
  // Implicit, like libtorch's: make_data_loader(dataset, 64).
  DataLoaderOptions(int64_t batch_size) : batch_size_(batch_size) {}  // NOLINT: implicit

  // Examples per batch (default 1).
  DataLoaderOptions& batch_size(int64_t n) {
    batch_size_ = n;
    return *this;
  }
  int64_t batch_size() const { return batch_size_; }
  // Visit the examples in a fresh random order every epoch (a RandomSampler seeded by seed()).
  DataLoaderOptions& shuffle(bool s) {
    shuffle_ = s;
    return *this;
  }
  bool shuffle() const { return shuffle_; }
  // Drop the last, incomplete batch of an epoch.
  DataLoaderOptions& drop_last(bool d) {
    drop_last_ = d;
    return *this;
  }
  bool drop_last() const { return drop_last_; }
  // Threads that assemble batches ahead of the loop; 0 assembles each on the caller's thread.
  DataLoaderOptions& workers(int64_t n) {
    workers_ = n;
    return *this;
  }
  int64_t workers() const { return workers_; }
  DataLoaderOptions& num_workers(int64_t n) { return workers(n); }
  int64_t num_workers() const { return workers_; }
  // Batches each worker may have ready ahead of the loop (PyTorch's prefetch_factor, default 2).
  DataLoaderOptions& prefetch(int64_t n) {
    prefetch_ = n;
    return *this;
  }
  int64_t prefetch() const { return prefetch_; }
  // Assemble batches in page-locked host memory, so that their copy to device() is asynchronous
  // (without a GPU there is nothing to pin and batches stay in ordinary memory).
  DataLoaderOptions& pin_memory(bool p) {
    pin_memory_ = p;
    return *this;
  }
  bool pin_memory() const { return pin_memory_; }
  // Where batches are delivered (default: where the data set keeps them).
  DataLoaderOptions& device(Device d) {
    device_ = d;
    return *this;
  }
  std::optional<Device> device() const { return device_; }
  // Copy the whole data set to device() once and gather every batch there with index_select: no
  // host work per example, for data sets that fit in GPU memory. Batches are then gathered on the
  // caller's thread (workers are not used), each in one asynchronous device gather.
  DataLoaderOptions& device_resident(bool r) {
    device_resident_ = r;
    return *this;
  }
  bool device_resident() const { return device_resident_; }
  // Seed of the shuffle; unset: drawn from Ember's default CPU generator (ember::manual_seed).
  DataLoaderOptions& seed(uint64_t s) {
    seed_ = s;
    return *this;
  }
  std::optional<uint64_t> seed() const { return seed_; }
  // libtorch's option; Ember's loaders always deliver batches in order.
  DataLoaderOptions& enforce_ordering(bool e) {
    enforce_ordering_ = e;
    return *this;
  }
  bool enforce_ordering() const { return enforce_ordering_; }

 private:
  int64_t batch_size_ = 1;
  bool shuffle_ = false;
  bool drop_last_ = false;
  int64_t workers_ = 0;
  int64_t prefetch_ = 2;
  bool pin_memory_ = false;
  std::optional<Device> device_;
  bool device_resident_ = false;
  std::optional<uint64_t> seed_;
  bool enforce_ordering_ = true;
};

class EMBER_API DataLoader {
 public:
  // Batches in sequential order, or shuffled every epoch with options.shuffle().
  explicit DataLoader(DatasetPtr dataset, DataLoaderOptions options = DataLoaderOptions());
  // The same over a data set given by value: DataLoader(TensorDataset(x, y), 64).
  template <typename D>
  requires std::is_base_of_v<Dataset, std::decay_t<D>>
  explicit DataLoader(D&& dataset, DataLoaderOptions options = DataLoaderOptions())
      : DataLoader(DatasetPtr(std::make_shared<const std::decay_t<D>>(std::forward<D>(dataset))),
                   std::move(options)) {}
  // Batches in the order of sampler (options.shuffle() is then ignored).
  DataLoader(DatasetPtr dataset, samplers::SamplerPtr sampler, DataLoaderOptions options);
  // Stops and joins the workers, also in the middle of an epoch.
  ~DataLoader();
  DataLoader(DataLoader&&) noexcept;
  DataLoader& operator=(DataLoader&&) noexcept;
  DataLoader(const DataLoader&) = delete;
  DataLoader& operator=(const DataLoader&) = delete;

  class Impl;

  // An input iterator over one epoch's batches.
  class EMBER_API Iterator {
   public:
    using value_type = Example<>;
    using reference = Example<>&;
    using pointer = Example<>*;
    using difference_type = std::ptrdiff_t;

    Iterator() = default;
    Example<>& operator*() const;
    Example<>* operator->() const { return &**this; }
    // Moves to the next batch (waiting for it; rethrows an error raised while assembling it).
    Iterator& operator++();
    bool operator==(const Iterator& other) const;

   private:
    friend class DataLoader;
    explicit Iterator(Impl* impl) : impl_(impl) {}
    Impl* impl_ = nullptr;  // null: the end
  };

  // Starts the next epoch (abandoning an unfinished one) and waits for its first batch.
  Iterator begin();
  Iterator end() { return Iterator(); }

  // Batches per epoch.
  int64_t size() const;
  // The epoch the next begin() starts (0 first, then one more per begin()).
  int64_t epoch() const;
  // Makes the next begin() start epoch `epoch` (to resume a run, or to keep ranks in step).
  void set_epoch(int64_t epoch);
  const DataLoaderOptions& options() const;
  // The data set batches come from (on the device when device_resident).
  const DatasetPtr& dataset() const;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace ember::data
