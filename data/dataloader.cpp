// DataLoader: the epoch plan (a BatchSampler's batches), the worker threads and their ring of
// batch slots, pinning and the transfer to the delivery device.
//
// Note [Loader ordering]
// Batch j of an epoch is assembled from the j-th index list of the plan, whoever assembles it:
// workers take jobs in order from a shared counter, write batch j into slot j % capacity, and the
// consumer waits for slot j, so the sequence of batches is the same with any number of workers.
// A worker may run at most `capacity` (workers * prefetch) batches ahead of the consumer. An
// exception while assembling batch j is stored in its slot and rethrown when the consumer reaches
// batch j (its type and message intact); the loop can go on with batch j + 1. A new epoch bumps a
// generation counter: results of the old epoch that workers finish later are dropped.
#include "ember/data/dataloader.h"

#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "ember/core/check.h"
#include "ember/core/cuda_api.h"
#include "ember/core/device_hooks.h"
#include "ember/core/factories.h"
#include "ember/core/tensor.h"

namespace ember::data {
namespace {

samplers::SamplerPtr default_sampler(const DatasetPtr& dataset, const DataLoaderOptions& options) {
  EMBER_CHECK(dataset != nullptr, Value, "DataLoader: the data set is null");
  if (options.shuffle()) {
    return std::make_shared<samplers::RandomSampler>(dataset->size(), options.seed());
  }
  return std::make_shared<samplers::SequentialSampler>(dataset->size());
}

// Batch assembly runs on one thread: a batch is a few hundred kilobytes, too little to pay for
// waking an OpenMP team (which, on a busy machine, costs milliseconds). The setting is the
// calling thread's own and is restored afterwards.
class SingleThreadedScope {
 public:
#ifdef _OPENMP
  SingleThreadedScope() : previous_(omp_get_max_threads()) {
    omp_set_num_threads(1);
  }
  ~SingleThreadedScope() {
    omp_set_num_threads(previous_);
  }

 private:
  int previous_;
#endif
};

// A copy of a CPU tensor in page-locked memory.
Tensor pinned_copy(const Tensor& t) {
  if (!t.defined() || !t.is_cpu()) return t;
  Tensor pinned = empty(t.sizes(), TensorOptions().dtype(t.dtype()).pinned_memory(true));
  pinned.copy_(t);
  return pinned;
}

}  // namespace

class DataLoader::Impl {
 public:
  Impl(DatasetPtr dataset, samplers::SamplerPtr sampler, DataLoaderOptions options)
      : options_(std::move(options)),
        batch_sampler_(checked_sampler(std::move(sampler)), checked_batch_size(options_),
                       options_.drop_last()) {
    EMBER_CHECK(dataset != nullptr, Value, "DataLoader: the data set is null");
    EMBER_CHECK(options_.workers() >= 0, Value, "DataLoader: workers must be non-negative, got {}",
                options_.workers());
    EMBER_CHECK(options_.prefetch() >= 1, Value,
                "DataLoader: prefetch must be at least 1 batch per worker, got {}",
                options_.prefetch());
    if (options_.device()) device_ = resolve_device(*options_.device());
    if (options_.device_resident()) {
      EMBER_CHECK(device_.has_value(), Value,
                  "DataLoader: device_resident needs the device to hold the data set, e.g. "
                  "DataLoaderOptions(64).device(kCUDA).device_resident(true)");
      dataset = dataset->to(*device_);
    }
    dataset_ = std::move(dataset);
    pin_ = options_.pin_memory() && !options_.device_resident() && cuda::is_available();
    const int64_t workers = options_.device_resident() ? 0 : options_.workers();
    if (workers > 0) {
      capacity_ = workers * options_.prefetch();
      slots_.resize(static_cast<size_t>(capacity_));
      threads_.reserve(static_cast<size_t>(workers));
      for (int64_t i = 0; i < workers; ++i) threads_.emplace_back([this] { worker_loop(); });
    }
  }

  ~Impl() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    work_cv_.notify_all();
    for (std::thread& t : threads_) t.join();
  }

  void start_epoch() {
    auto plan = std::make_shared<const std::vector<std::vector<int64_t>>>(
        batch_sampler_.batches(next_epoch_++));
    std::vector<Slot> old;  // released outside the lock
    if (!threads_.empty()) {
      std::lock_guard<std::mutex> lock(mutex_);
      ++generation_;
      plan_ = plan;
      next_job_ = 0;
      taken_ = 0;
      old.swap(slots_);
      slots_.resize(static_cast<size_t>(capacity_));
    }
    work_cv_.notify_all();
    local_plan_ = std::move(plan);
    next_batch_ = 0;
    finished_ = false;
    advance();
  }

  void advance() {
    current_ = Example<>();
    if (finished_ || next_batch_ >= static_cast<int64_t>(local_plan_->size())) {
      finished_ = true;
      return;
    }
    const int64_t j = next_batch_++;
    if (threads_.empty()) {
      current_ = deliver(assemble((*local_plan_)[static_cast<size_t>(j)]));
      return;
    }
    Slot slot;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      Slot& s = slots_[static_cast<size_t>(j % capacity_)];
      ready_cv_.wait(lock, [&] { return s.batch == j; });
      slot = std::move(s);
      s = Slot();
      taken_ = j + 1;
    }
    work_cv_.notify_all();
    if (slot.error) std::rethrow_exception(slot.error);
    current_ = deliver(std::move(slot.value));
  }

  bool finished() const { return finished_; }
  Example<>& current() { return current_; }
  int64_t size() const { return batch_sampler_.size(); }
  int64_t epoch() const { return next_epoch_; }
  void set_epoch(int64_t epoch) {
    EMBER_CHECK(epoch >= 0, Value, "DataLoader::set_epoch: epoch must be non-negative, got {}",
                epoch);
    next_epoch_ = epoch;
  }
  const DataLoaderOptions& options() const { return options_; }
  const DatasetPtr& dataset() const { return dataset_; }

 private:
  struct Slot {
    int64_t batch = -1;  // which batch the slot holds; -1: none
    Example<> value;
    std::exception_ptr error;
  };

  static samplers::SamplerPtr checked_sampler(samplers::SamplerPtr sampler) {
    EMBER_CHECK(sampler != nullptr, Value, "DataLoader: the sampler is null");
    return sampler;
  }
  static int64_t checked_batch_size(const DataLoaderOptions& options) {
    EMBER_CHECK(options.batch_size() >= 1, Value,
                "DataLoader: batch_size must be at least 1, got {}", options.batch_size());
    return options.batch_size();
  }

  // The batch of these indices, in pinned memory when asked.
  Example<> assemble(const std::vector<int64_t>& indices) const {
    SingleThreadedScope single_threaded;
    Example<> batch = dataset_->get_batch(indices);
    if (pin_) {
      batch.data = pinned_copy(batch.data);
      batch.target = pinned_copy(batch.target);
    }
    return batch;
  }

  // The batch on the delivery device: asynchronous from pinned memory.
  Example<> deliver(Example<> batch) const {
    if (!device_) return batch;
    if (batch.data.defined()) batch.data = batch.data.to(*device_, pin_);
    if (batch.target.defined()) batch.target = batch.target.to(*device_, pin_);
    return batch;
  }

  void worker_loop() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      work_cv_.wait(lock, [&] {
        return stop_ || (plan_ && next_job_ < static_cast<int64_t>(plan_->size()) &&
                         next_job_ < taken_ + capacity_);
      });
      if (stop_) return;
      const int64_t job = next_job_++;
      const uint64_t generation = generation_;
      const auto plan = plan_;
      lock.unlock();
      Slot result;
      result.batch = job;
      try {
        result.value = assemble((*plan)[static_cast<size_t>(job)]);
      } catch (...) {
        result.error = std::current_exception();
      }
      lock.lock();
      if (generation != generation_) {
        // A batch of an abandoned epoch: drop it, outside the lock.
        lock.unlock();
        result = Slot();
        lock.lock();
        continue;
      }
      slots_[static_cast<size_t>(job % capacity_)] = std::move(result);
      ready_cv_.notify_all();
    }
  }

  DataLoaderOptions options_;
  samplers::BatchSampler batch_sampler_;
  DatasetPtr dataset_;
  std::optional<Device> device_;
  bool pin_ = false;
  int64_t next_epoch_ = 0;

  // The epoch in progress, as the consumer sees it.
  std::shared_ptr<const std::vector<std::vector<int64_t>>> local_plan_;
  int64_t next_batch_ = 0;
  bool finished_ = true;
  Example<> current_;

  // Shared with the workers (guarded by mutex_).
  std::vector<std::thread> threads_;
  int64_t capacity_ = 0;
  std::mutex mutex_;
  std::condition_variable work_cv_;
  std::condition_variable ready_cv_;
  bool stop_ = false;
  uint64_t generation_ = 0;
  std::shared_ptr<const std::vector<std::vector<int64_t>>> plan_;
  int64_t next_job_ = 0;
  int64_t taken_ = 0;
  std::vector<Slot> slots_;
};

DataLoader::DataLoader(DatasetPtr dataset, DataLoaderOptions options)
    : DataLoader(dataset, default_sampler(dataset, options), options) {}

DataLoader::DataLoader(DatasetPtr dataset, samplers::SamplerPtr sampler, DataLoaderOptions options)
    : impl_(std::make_unique<Impl>(std::move(dataset), std::move(sampler), std::move(options))) {}

DataLoader::~DataLoader() = default;
DataLoader::DataLoader(DataLoader&&) noexcept = default;
DataLoader& DataLoader::operator=(DataLoader&&) noexcept = default;

DataLoader::Iterator DataLoader::begin() {
  impl_->start_epoch();
  return Iterator(impl_.get());
}

int64_t DataLoader::size() const {
  return impl_->size();
}
int64_t DataLoader::epoch() const {
  return impl_->epoch();
}
void DataLoader::set_epoch(int64_t epoch) {
  impl_->set_epoch(epoch);
}
const DataLoaderOptions& DataLoader::options() const {
  return impl_->options();
}
const DatasetPtr& DataLoader::dataset() const {
  return impl_->dataset();
}

Example<>& DataLoader::Iterator::operator*() const {
  EMBER_CHECK(impl_ != nullptr && !impl_->finished(), Index,
              "DataLoader::Iterator: dereferenced past the end of the epoch");
  return impl_->current();
}

DataLoader::Iterator& DataLoader::Iterator::operator++() {
  EMBER_CHECK(impl_ != nullptr, Index, "DataLoader::Iterator: incremented past the end");
  impl_->advance();
  return *this;
}

bool DataLoader::Iterator::operator==(const Iterator& other) const {
  const bool this_end = impl_ == nullptr || impl_->finished();
  const bool other_end = other.impl_ == nullptr || other.impl_->finished();
  if (this_end || other_end) return this_end == other_end;
  return impl_ == other.impl_;
}

}  // namespace ember::data
