// libtorch's data API as libtorch spells it, so that a libtorch training program ports by changing
// its include to <ember/data/libtorch_compat.h> (after <ember/ember.h>) and `torch::` to `ember::`:
//
//   auto train = ember::data::datasets::MNIST(root, ember::data::datasets::MNIST::Mode::kTrain)
//                    .map(ember::data::transforms::Normalize<>(0.1307, 0.3081))
//                    .map(ember::data::transforms::Stack<>());
//   const size_t n = train.size().value();
//   auto loader = ember::data::make_data_loader<ember::data::samplers::SequentialSampler>(
//       std::move(train), ember::data::DataLoaderOptions(64).workers(2));
//   for (auto& batch : *loader) { batch.data; batch.target; }
//
// These value-typed data set templates only describe a pipeline; make_data_loader turns it into
// Ember's own data sets (load_mnist, map, ...) and returns Ember's DataLoader. Differences from
// libtorch: batches are always collated into one Example<> (Stack<> changes nothing, and a
// pipeline without it yields the same stacked batches); data sets must have a size; get() of a
// user data set is called from worker threads at once, as libtorch's stateless loader does.
// This header is kept out of <ember/ember.h>, whose compile time it would add to.
#pragma once

#include <concepts>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "ember/core/error.h"
#include "ember/data/data.h"

namespace ember {
// torch::optional and torch::nullopt, which libtorch data sets' size() returns.
using std::nullopt;
using std::optional;
}  // namespace ember

namespace ember::data {
namespace datasets {

template <typename SourceDataset, typename AppliedTransform>
class MapDataset;

// .map(transform) for the data set templates below (libtorch's BatchDataset::map).
template <typename Self>
class Mappable {
 public:
  template <typename TransformType>
  MapDataset<Self, TransformType> map(TransformType transform) & {
    return MapDataset<Self, TransformType>(static_cast<Self&>(*this), std::move(transform));
  }
  template <typename TransformType>
  MapDataset<Self, TransformType> map(TransformType transform) && {
    return MapDataset<Self, TransformType>(std::move(static_cast<Self&>(*this)),
                                           std::move(transform));
  }
};

// libtorch's base of user-defined data sets: derive, and override get() and size().
template <typename Self, typename SingleExample = Example<>>
class Dataset : public Mappable<Self> {
 public:
  using ExampleType = SingleExample;
  virtual ~Dataset() = default;
  virtual ExampleType get(size_t index) = 0;
  virtual std::optional<size_t> size() const = 0;
};

// libtorch's MNIST: images float32 [1, 28, 28] in [0, 1] (or whatever size the files hold),
// targets int64, read by Ember's load_mnist (raw or .gz files, any count).
class MNIST : public Mappable<MNIST> {
 public:
  enum class Mode { kTrain, kTest };
  using ExampleType = Example<>;

  explicit MNIST(const std::string& root, Mode mode = Mode::kTrain)
      : native_(load_mnist(root, mode == Mode::kTrain ? MnistSplit::Train : MnistSplit::Test)),
        train_(mode == Mode::kTrain) {}

  Example<> get(size_t index) const { return native_->get(static_cast<int64_t>(index)); }
  std::optional<size_t> size() const { return static_cast<size_t>(native_->size()); }
  bool is_train() const noexcept { return train_; }
  const Tensor& images() const { return native_->data(); }
  const Tensor& targets() const { return native_->targets(); }
  // Ember's data set behind it.
  DatasetPtr native() const { return native_; }

 private:
  std::shared_ptr<TensorDataset> native_;
  bool train_;
};

namespace detail {

// Ember's view of a user's libtorch-style data set (its get() may be non-const, as libtorch's).
template <typename UserDataset>
class UserDatasetAdapter final : public data::Dataset {
 public:
  explicit UserDatasetAdapter(UserDataset dataset) : dataset_(std::move(dataset)) {}
  int64_t size() const override {
    const std::optional<size_t> n = dataset_.size();
    if (!n) {
      throw ValueError(
          "make_data_loader: the data set's size() returned nullopt; Ember's loaders need data "
          "sets of known size");
    }
    return static_cast<int64_t>(*n);
  }
  Example<> get(int64_t index) const override { return dataset_.get(static_cast<size_t>(index)); }

 private:
  mutable UserDataset dataset_;
};

template <typename D>
concept HasNative = requires(const D& d) {
  { d.native() } -> std::convertible_to<DatasetPtr>;
};

// Ember's data set for any of: an Ember DatasetPtr, a template above, a user's data set.
template <typename D>
DatasetPtr to_native(D dataset) {
  if constexpr (std::is_convertible_v<D, DatasetPtr>) {
    return DatasetPtr(std::move(dataset));
  } else if constexpr (HasNative<D>) {
    return std::move(dataset).native();
  } else {
    static_assert(std::is_convertible_v<decltype(dataset.get(size_t{0})), Example<>>,
                  "a data set for Ember's loaders returns Example<> from get(size_t)");
    return std::make_shared<UserDatasetAdapter<D>>(std::move(dataset));
  }
}

}  // namespace detail

// libtorch's MapDataset: source with transform applied to each example (and, in Ember's loader,
// to each collated batch at once where the transform allows it).
template <typename SourceDataset, typename AppliedTransform>
class MapDataset : public Mappable<MapDataset<SourceDataset, AppliedTransform>> {
  static_assert(std::is_base_of_v<data::Transform, AppliedTransform>,
                "map() takes Ember transforms (ember::data::transforms::Normalize<>, Stack<>, "
                "Lambda<>, TensorLambda<>, ToTensor, Compose) or a class derived from "
                "ember::data::Transform");

 public:
  using DatasetType = SourceDataset;
  using TransformType = AppliedTransform;
  using ExampleType = Example<>;

  MapDataset(SourceDataset dataset, AppliedTransform transform)
      : dataset_(std::move(dataset)), transform_(std::move(transform)) {}

  Example<> get(size_t index) { return transform_.apply(dataset_.get(index)); }
  std::optional<size_t> size() const { return dataset_.size(); }
  const SourceDataset& dataset() const { return dataset_; }
  const AppliedTransform& transform() const { return transform_; }
  DatasetPtr native() const& {
    return data::map(detail::to_native(dataset_),
                     TransformPtr(std::make_shared<const AppliedTransform>(transform_)));
  }
  DatasetPtr native() && {
    return data::map(detail::to_native(std::move(dataset_)),
                     TransformPtr(std::make_shared<const AppliedTransform>(std::move(transform_))));
  }

 private:
  SourceDataset dataset_;
  AppliedTransform transform_;
};

}  // namespace datasets

namespace transforms {

// libtorch's TensorTransform: override `Tensor operator()(Tensor input)`; targets pass unchanged.
template <typename Target = Tensor>
class TensorTransform : public data::Transform {
 public:
  virtual Tensor operator()(Tensor input) = 0;
  Example<> apply(Example<> example) const override {
    example.data = (*const_cast<TensorTransform*>(this))(std::move(example.data));
    return example;
  }
};

}  // namespace transforms

namespace samplers {

// libtorch's distributed samplers: rank's shard, padded with repeats to equal lengths
// (allow_duplicates; false cuts the tail instead). Ember's loader advances the epoch itself.
class DistributedRandomSampler : public DistributedSampler {
 public:
  explicit DistributedRandomSampler(size_t size, size_t num_replicas = 1, size_t rank = 0,
                                    bool allow_duplicates = true)
      : DistributedSampler(static_cast<int64_t>(size), static_cast<int64_t>(num_replicas),
                           static_cast<int64_t>(rank), /*shuffle=*/true, /*seed=*/0,
                           /*drop_last=*/!allow_duplicates) {}
};

class DistributedSequentialSampler : public DistributedSampler {
 public:
  explicit DistributedSequentialSampler(size_t size, size_t num_replicas = 1, size_t rank = 0,
                                        bool allow_duplicates = true)
      : DistributedSampler(static_cast<int64_t>(size), static_cast<int64_t>(num_replicas),
                           static_cast<int64_t>(rank), /*shuffle=*/false, /*seed=*/0,
                           /*drop_last=*/!allow_duplicates) {}
};

}  // namespace samplers

// libtorch's make_data_loader: a loader over dataset (a pipeline of the templates above, a user's
// data set, or an Ember DatasetPtr) in the order of Sampler, made from the data set's size.
// libtorch's default Sampler is RandomSampler, as here.
template <typename Sampler = samplers::RandomSampler, typename DatasetType>
requires(!std::is_base_of_v<samplers::Sampler, std::decay_t<DatasetType>>)
    std::unique_ptr<DataLoader> make_data_loader(DatasetType dataset,
                                                 DataLoaderOptions options = DataLoaderOptions()) {
  DatasetPtr native = datasets::detail::to_native(std::move(dataset));
  auto sampler = std::make_shared<const Sampler>(native->size());
  return std::make_unique<DataLoader>(std::move(native), std::move(sampler), std::move(options));
}

// The same with a sampler object.
template <typename DatasetType, typename Sampler>
requires std::is_base_of_v<samplers::Sampler, Sampler> std::unique_ptr<DataLoader> make_data_loader(
    DatasetType dataset, Sampler sampler, DataLoaderOptions options = DataLoaderOptions()) {
  return std::make_unique<DataLoader>(datasets::detail::to_native(std::move(dataset)),
                                      std::make_shared<const Sampler>(std::move(sampler)),
                                      std::move(options));
}

}  // namespace ember::data
