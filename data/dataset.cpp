// Dataset's default batch gathering and device move, and the stacking collation.
#include "ember/data/dataset.h"

#include <numeric>

#include "ember/core/check.h"
#include "ember/core/ops.h"
#include "ember/data/tensor_dataset.h"

namespace ember::data {

namespace {

void check_same_shape(const Tensor& t, const Tensor& first, size_t i, const char* what) {
  EMBER_CHECK(t.sizes() == first.sizes(), Shape,
              "collate: example {}'s {} has shape {} but example 0's has {}; the examples of a "
              "batch must share one shape (resize or pad them in a transform)",
              i, what, t.shape_str(), first.shape_str());
}

}  // namespace

Dataset::~Dataset() = default;

Example<> Dataset::get_batch(IntArrayRef indices) const {
  std::vector<Example<>> examples;
  examples.reserve(indices.size());
  for (int64_t index : indices) examples.push_back(get(index));
  return collate(examples);
}

DatasetPtr Dataset::to(Device device) const {
  std::vector<int64_t> all(static_cast<size_t>(size()));
  std::iota(all.begin(), all.end(), int64_t{0});
  EMBER_CHECK(!all.empty(), Value, "Dataset::to({}): the data set is empty", device.str());
  Example<> everything = get_batch(all);
  Tensor target = everything.target.defined() ? everything.target.to(device) : Tensor();
  return std::make_shared<TensorDataset>(everything.data.to(device), std::move(target));
}

Example<> collate(const std::vector<Example<>>& examples) {
  EMBER_CHECK(!examples.empty(), Value, "collate: expected at least one example, got none");
  const bool with_target = examples.front().target.defined();
  std::vector<Tensor> data, targets;
  data.reserve(examples.size());
  targets.reserve(with_target ? examples.size() : 0);
  for (size_t i = 0; i < examples.size(); ++i) {
    EMBER_CHECK(examples[i].data.defined(), Value, "collate: example {} has no data tensor", i);
    EMBER_CHECK(examples[i].target.defined() == with_target, Value,
                "collate: example {} {} a target but example 0 {}; a batch needs targets on all "
                "of its examples or on none",
                i, with_target ? "lacks" : "has", with_target ? "has one" : "has none");
    check_same_shape(examples[i].data, examples[0].data, i, "data");
    if (with_target) check_same_shape(examples[i].target, examples[0].target, i, "target");
    data.push_back(examples[i].data);
    if (with_target) targets.push_back(examples[i].target);
  }
  return Example<>(stack(data), with_target ? stack(targets) : Tensor());
}

}  // namespace ember::data
