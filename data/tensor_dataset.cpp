// TensorDataset: row views for single examples, and batch gathering: a memcpy per row into one
// fresh tensor for contiguous CPU data, index_select on the device for data on a GPU (its indices
// travel in one small asynchronous copy from pinned memory, so no host synchronisation).
#include "ember/data/tensor_dataset.h"

#include <cstring>

#include "ember/core/check.h"
#include "ember/core/cuda_api.h"
#include "ember/core/factories.h"
#include "ember/core/ops.h"

namespace ember::data {
namespace {

void check_index(int64_t index, int64_t size, const char* op) {
  EMBER_CHECK(index >= 0 && index < size, Index,
              "{}: index {} is out of range for a data set of {} examples", op, index, size);
}

// Rows `indices` of t, stacked: one memcpy per row when t is a contiguous CPU tensor, else
// index_select (strided data, or data on a GPU).
Tensor gather_rows(const Tensor& t, IntArrayRef indices) {
  const auto count = static_cast<int64_t>(indices.size());
  if (t.is_cpu() && t.is_contiguous()) {
    std::vector<int64_t> sizes(t.sizes().begin(), t.sizes().end());
    sizes[0] = count;
    Tensor out = empty(sizes, TensorOptions().dtype(t.dtype()));
    const size_t row_bytes = t.size(0) == 0 ? 0 : t.nbytes() / static_cast<size_t>(t.size(0));
    const char* from = static_cast<const char*>(t.data_ptr());
    char* to = static_cast<char*>(out.data_ptr());
    for (size_t i = 0; i < indices.size(); ++i) {
      std::memcpy(to + i * row_bytes, from + static_cast<size_t>(indices[i]) * row_bytes,
                  row_bytes);
    }
    return out;
  }
  // For a GPU the indices go over in one copy from page-locked memory, which returns at once (a
  // copy from pageable memory would wait for the device's queued work).
  const bool pinned = !t.is_cpu() && cuda::is_available();
  Tensor host_index = empty({count}, TensorOptions().dtype(kInt64).pinned_memory(pinned));
  std::memcpy(host_index.data_ptr(), indices.data(), indices.size() * sizeof(int64_t));
  return index_select(t, 0, host_index.to(t.device(), /*non_blocking=*/pinned));
}

}  // namespace

TensorDataset::TensorDataset(Tensor data, Tensor target)
    : data_(std::move(data)), target_(std::move(target)) {
  EMBER_CHECK(data_.defined(), Value, "TensorDataset: the data tensor is undefined");
  EMBER_CHECK(data_.dim() >= 1, Shape,
              "TensorDataset: data must have a dim 0 that indexes the examples, but it is "
              "zero-dimensional");
  if (target_.defined()) {
    EMBER_CHECK(target_.dim() >= 1 && target_.size(0) == data_.size(0), Shape,
                "TensorDataset: data {} has {} examples but target {} has {}; their dim 0 must "
                "agree",
                data_.shape_str(), data_.size(0), target_.shape_str(),
                target_.dim() >= 1 ? target_.size(0) : int64_t{0});
    EMBER_CHECK(target_.device() == data_.device(), Device,
                "TensorDataset: data is on {} but target is on {}; put them on one device",
                data_.device().str(), target_.device().str());
  }
}

int64_t TensorDataset::size() const {
  return data_.size(0);
}

Example<> TensorDataset::get(int64_t index) const {
  check_index(index, size(), "TensorDataset::get");
  return Example<>(data_.select(0, index), target_.defined() ? target_.select(0, index) : Tensor());
}

Example<> TensorDataset::get_batch(IntArrayRef indices) const {
  const int64_t n = size();
  for (int64_t index : indices) check_index(index, n, "TensorDataset::get_batch");
  return Example<>(gather_rows(data_, indices),
                   target_.defined() ? gather_rows(target_, indices) : Tensor());
}

DatasetPtr TensorDataset::to(Device device) const {
  return std::make_shared<TensorDataset>(data_.to(device),
                                         target_.defined() ? target_.to(device) : Tensor());
}

}  // namespace ember::data
