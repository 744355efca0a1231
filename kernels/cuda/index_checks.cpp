// The host side of Ember's CUDA index bounds checks and kernel limits (see index_checks.h).
#include "kernels/cuda/index_checks.h"

#include <cuda_runtime_api.h>

#include <limits>

#include "ember/core/check.h"
#include "ember/core/elementwise.h"
#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_context.h"

namespace ember::cuda {

IndexBoundsCheck::IndexBoundsCheck(int device) : device_(device) {
  word_ = device_scratch(sizeof(unsigned long long), device);
  EMBER_CUDA_CHECK(
      cudaMemsetAsync(word_.data_ptr(), 0xff, sizeof(unsigned long long), current_stream(device)));
}

unsigned long long* IndexBoundsCheck::slot() const {
  return static_cast<unsigned long long*>(word_.data_ptr());
}

void IndexBoundsCheck::throw_if_recorded(const Tensor& index, int64_t dim, int64_t size,
                                         const char* op) const {
  DeviceGuard guard(device_);
  cudaStream_t stream = current_stream(device_);
  unsigned long long position = kNoBadIndex;
  EMBER_CUDA_CHECK(cudaMemcpyAsync(&position, word_.data_ptr(), sizeof position,
                                   cudaMemcpyDeviceToHost, stream));
  synchronize_stream(stream);
  if (position == kNoBadIndex) return;
  const int64_t offset =
      index_math::linear_to_offset(static_cast<int64_t>(position), static_cast<int>(index.dim()),
                                   index.sizes().data(), index.strides().data());
  int64_t value = 0;
  EMBER_CUDA_CHECK(cudaMemcpyAsync(&value, index.data_ptr<int64_t>() + offset, sizeof value,
                                   cudaMemcpyDeviceToHost, stream));
  synchronize_stream(stream);
  EMBER_FAIL(Index, "{}: index {} is out of bounds for dimension {} with size {}", op, value, dim,
             size);
}

DimArray to_dim_array(IntArrayRef values, const char* op) {
  EMBER_CHECK(values.size() <= static_cast<size_t>(kMaxIndexDims), Shape,
              "{}: CUDA kernels take tensors of at most {} dims, got {}; reshape the tensor "
              "first",
              op, kMaxIndexDims, values.size());
  DimArray a{};
  for (size_t d = 0; d < values.size(); ++d) a.v[d] = values[d];
  return a;
}

void check_sortable_size(int64_t numel, const char* op) {
  EMBER_CHECK(numel <= std::numeric_limits<int32_t>::max(), Shape,
              "{}: the CUDA kernel sorts at most {} elements at once, got {}; sort on the CPU or "
              "in parts",
              op, std::numeric_limits<int32_t>::max(), numel);
}

Tensor device_scratch(int64_t bytes, int device) {
  return ::ember::detail::empty_tensor({bytes}, kUInt8, Device(kCUDA, device));
}

}  // namespace ember::cuda
