// TransformDataset and map().
#include "ember/data/transform_dataset.h"

#include "ember/core/check.h"

namespace ember::data {

TransformDataset::TransformDataset(DatasetPtr base, TransformPtr transform)
    : base_(std::move(base)), transform_(std::move(transform)) {
  EMBER_CHECK(base_ != nullptr, Value, "map: the data set is null");
  EMBER_CHECK(transform_ != nullptr, Value, "map: the transform is null");
}

int64_t TransformDataset::size() const {
  return base_->size();
}

Example<> TransformDataset::get(int64_t index) const {
  return transform_->apply(base_->get(index));
}

Example<> TransformDataset::get_batch(IntArrayRef indices) const {
  return transform_->apply_batch(base_->get_batch(indices));
}

DatasetPtr TransformDataset::to(Device device) const {
  return std::make_shared<TransformDataset>(base_->to(device), transform_);
}

DatasetPtr map(DatasetPtr dataset, TransformPtr transform) {
  return std::make_shared<TransformDataset>(std::move(dataset), std::move(transform));
}

DatasetPtr map(DatasetPtr dataset, std::function<Example<>(Example<>)> fn) {
  return map(std::move(dataset),
             TransformPtr(std::make_shared<const transforms::LambdaTransform>(std::move(fn))));
}

}  // namespace ember::data
