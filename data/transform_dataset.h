// map(): a data set whose examples pass through a transform. Batches are gathered from the base
// data set in one step and transformed as a whole (Transform::apply_batch), so Normalize over an
// in-memory data set costs a few element-wise ops per batch, not per example.
#pragma once

#include <functional>
#include <memory>
#include <type_traits>

#include "ember/data/dataset.h"
#include "ember/data/transforms.h"

namespace ember::data {

class EMBER_API TransformDataset : public Dataset {
 public:
  TransformDataset(DatasetPtr base, TransformPtr transform);

  int64_t size() const override;
  Example<> get(int64_t index) const override;
  Example<> get_batch(IntArrayRef indices) const override;
  // The base moves to the device; the transform then runs there on each batch.
  DatasetPtr to(Device device) const override;

  const DatasetPtr& base() const { return base_; }
  const TransformPtr& transform() const { return transform_; }

 private:
  DatasetPtr base_;
  TransformPtr transform_;
};

// dataset with transform applied to its examples.
EMBER_API DatasetPtr map(DatasetPtr dataset, TransformPtr transform);
// The same with a user function of an example.
EMBER_API DatasetPtr map(DatasetPtr dataset, std::function<Example<>(Example<>)> fn);
// The same with a transform object: map(mnist, transforms::Normalize(0.1307, 0.3081)).
template <typename T>
requires std::is_base_of_v<Transform, std::decay_t<T>> DatasetPtr map(DatasetPtr dataset,
                                                                      T&& transform) {
  return map(std::move(dataset),
             TransformPtr(std::make_shared<const std::decay_t<T>>(std::forward<T>(transform))));
}

}  // namespace ember::data
