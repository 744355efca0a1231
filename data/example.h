// Example: one sample (or one collated batch) of a data set, a `data` tensor and a `target`
// tensor, like libtorch's torch::data::Example<>. A batch is an Example whose tensors have the
// examples stacked along a new dim 0.
#pragma once

#include "ember/core/tensor.h"

namespace ember::data {

template <typename Data = Tensor, typename Target = Tensor>
struct Example {
  using DataType = Data;
  using TargetType = Target;

  Example() = default;
  Example(Data data, Target target) : data(std::move(data)), target(std::move(target)) {}

  Data data;
  // Undefined for data sets without targets.
  Target target;
};

// A collated batch: data [B, ...] and target [B, ...].
using Batch = Example<>;

}  // namespace ember::data
