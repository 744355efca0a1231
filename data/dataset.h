// Dataset: the interface every data set implements (a size, one example by index, and a batch of
// examples by indices), shared by data loaders and their worker threads through DatasetPtr.
// User-defined data sets derive from it and override size() and get().
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "ember/core/array_ref.h"
#include "ember/core/device.h"
#include "ember/data/example.h"

namespace ember::data {

class Dataset;
using DatasetPtr = std::shared_ptr<const Dataset>;

class EMBER_API Dataset {
 public:
  virtual ~Dataset();

  // The number of examples.
  virtual int64_t size() const = 0;

  // Example `index`, 0 <= index < size(). Loader workers call this from several threads at once:
  // keep it free of unsynchronised mutable state.
  virtual Example<> get(int64_t index) const = 0;

  // The examples at `indices`, collated: data and targets stacked along a new dim 0. The default
  // calls get() for each index and stacks; data sets held in tensors gather in one step.
  virtual Example<> get_batch(IntArrayRef indices) const;

  // This data set with its tensors on `device` (for device-resident loading). The default reads
  // every example once into a TensorDataset on the device; data sets built on others move their
  // base and keep their own work (transforms run on the device).
  virtual DatasetPtr to(Device device) const;
};

// Stacks the data and the targets of examples along a new dim 0 (ember::stack). The targets must
// be all defined or all undefined. Throws ValueError on an empty list.
EMBER_API Example<> collate(const std::vector<Example<>>& examples);

}  // namespace ember::data
