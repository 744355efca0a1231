// TensorDataset: a data set held in two tensors whose rows (dim 0) are the examples' data and
// targets. Batches are gathered in one step (a row copy per example on the CPU, index_select on
// a GPU), so in-memory data sets such as MNIST cost no per-example work beyond the copy.
#pragma once

#include "ember/core/tensor.h"
#include "ember/data/dataset.h"

namespace ember::data {

class EMBER_API TensorDataset : public Dataset {
 public:
  // data [N, ...] and target [N, ...] (or undefined: a data set without targets), on one device.
  explicit TensorDataset(Tensor data, Tensor target = Tensor());

  int64_t size() const override;
  // Views of row `index` of data and target.
  Example<> get(int64_t index) const override;
  Example<> get_batch(IntArrayRef indices) const override;
  DatasetPtr to(Device device) const override;

  const Tensor& data() const { return data_; }
  const Tensor& targets() const { return target_; }

 private:
  Tensor data_;
  Tensor target_;
};

}  // namespace ember::data
