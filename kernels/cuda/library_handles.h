// Handles of the CUDA libraries Ember calls (cuBLAS, cuBLASLt, cuDNN), created lazily, one per
// device + stream for each host thread that uses them (a handle must not be used by two threads
// at once), bound to that stream. cuBLAS and cuBLASLt share one workspace per device + stream,
// taken once from Ember's caching allocator and kept: work on one stream runs in order, so every
// handle of that stream may use the same bytes. Included only by the .cpp files that call these
// libraries (it includes their headers).
#pragma once

#include <cublasLt.h>
#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>

#include <cstddef>

namespace ember::cuda {

// cuBLAS's workspace on one device + stream.
struct BlasWorkspace {
  void* data = nullptr;
  size_t bytes = 0;
};

// The cuBLAS handle of this thread for (device, stream), with its stream and workspace set.
// The caller has made `device` current.
cublasHandle_t cublas_handle(int device, cudaStream_t stream);
// The cuBLASLt handle of this thread for the device.
cublasLtHandle_t cublaslt_handle(int device);
// The workspace cuBLAS uses on (device, stream); cuBLASLt calls on that stream pass it too.
BlasWorkspace blas_workspace(int device, cudaStream_t stream);
// The cuDNN handle of this thread for (device, stream), with its stream set.
cudnnHandle_t cudnn_handle(int device, cudaStream_t stream);

}  // namespace ember::cuda
