// Host side of nn_kernel_support.h: scratch buffers, the bad-position word and the CPU kernels'
// error messages.
#include "kernels/cuda/nn_kernel_support.h"

#include <cuda_runtime_api.h>

#include "ember/core/check.h"
#include "ember/core/elementwise.h"
#include "kernels/cuda/cuda_check.h"

namespace ember::cuda {

Tensor nn_scratch(int64_t bytes, int device) {
  return ::ember::detail::empty_tensor({bytes}, kUInt8, Device(kCUDA, device));
}

BadPositionFlag::BadPositionFlag(int device, CUstream_st* stream)
    : word_(nn_scratch(sizeof(unsigned long long), device)), stream_(stream) {
  EMBER_CUDA_CHECK(cudaMemsetAsync(word_.data_ptr(), 0xff, sizeof(unsigned long long), stream));
}

unsigned long long* BadPositionFlag::slot() const {
  return static_cast<unsigned long long*>(word_.data_ptr());
}

int64_t BadPositionFlag::wait_and_read() const {
  unsigned long long v = kNoBadPosition;
  // Pageable destination: the copy returns once the value has landed, after the queued work.
  EMBER_CUDA_CHECK(
      cudaMemcpyAsync(&v, word_.data_ptr(), sizeof(v), cudaMemcpyDeviceToHost, stream_));
  EMBER_CUDA_CHECK(cudaStreamSynchronize(stream_));
  return v == kNoBadPosition ? -1 : static_cast<int64_t>(v);
}

int64_t read_int64(const Tensor& t, int64_t position, CUstream_st* stream) {
  int64_t v = 0;
  EMBER_CUDA_CHECK(cudaMemcpyAsync(&v, t.data_ptr<int64_t>() + position, sizeof(v),
                                   cudaMemcpyDeviceToHost, stream));
  EMBER_CUDA_CHECK(cudaStreamSynchronize(stream));
  return v;
}

void throw_class_target_error(const char* op, int64_t target, int64_t position,
                              const ClassLossArgs& args) {
  EMBER_FAIL(Index,
             "{}: target {} at position {} is out of bounds for {} classes (expected 0 to {}, or "
             "ignore_index {})",
             op, target, position, args.classes, args.classes - 1, args.ignore_index);
}

void throw_embedding_index_error(const char* op, int64_t index, int64_t position,
                                 int64_t num_weights) {
  EMBER_FAIL(Index,
             "{}: index {} at position {} is out of range for {} embeddings (expected 0 to {})", op,
             index, position, num_weights, num_weights - 1);
}

void throw_pool_index_error(int64_t index, int64_t position, int64_t plane_size) {
  EMBER_FAIL(Index,
             "max_pool2d_backward: index {} at position {} of indices is outside the input plane "
             "of {} elements; pass the indices max_pool2d_with_indices returned",
             index, position, plane_size);
}

}  // namespace ember::cuda
