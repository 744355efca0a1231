// Checking of CUDA, cuBLAS, cuDNN and NCCL calls, usable from .cu and .cpp files alike. A failed
// call throws ember::CudaError naming the expression, file, line and the library's own message;
// the message is formatted by host functions in cuda_check.cpp (fmt does not compile in .cu
// files). check_launch(op) after every kernel launch turns a launch error into the same error
// and, when EMBER_CUDA_SYNC=1 is set, synchronises so that an asynchronous fault names its op.
#pragma once

#include <cuda_runtime_api.h>

#include "ember/core/macros.h"

namespace ember::cuda::detail {

[[noreturn]] EMBER_API void throw_cuda_error(cudaError_t status, const char* expr, const char* file,
                                             int line);
// Statuses of the other libraries travel as int so this header needs none of their headers.
[[noreturn]] EMBER_API void throw_cublas_error(int status, const char* expr, const char* file,
                                               int line);
[[noreturn]] EMBER_API void throw_cudnn_error(int status, const char* expr, const char* file,
                                              int line);
[[noreturn]] EMBER_API void throw_nccl_error(int status, const char* expr, const char* file,
                                             int line);

// True when EMBER_CUDA_SYNC=1 was set when Ember first launched a kernel.
EMBER_API bool sync_after_launch();

}  // namespace ember::cuda::detail

namespace ember::cuda {

// Checks the last launch on the current device (cudaGetLastError); with EMBER_CUDA_SYNC=1 also
// waits for the device so that a fault inside the kernel is reported here, naming op.
EMBER_API void check_launch(const char* op);

}  // namespace ember::cuda

#define EMBER_CUDA_CHECK(expr)                                                                \
  do {                                                                                        \
    const cudaError_t ember_cuda_status_ = (expr);                                            \
    if (EMBER_UNLIKELY(ember_cuda_status_ != cudaSuccess))                                    \
      ::ember::cuda::detail::throw_cuda_error(ember_cuda_status_, #expr, __FILE__, __LINE__); \
  } while (0)

// The call site includes the library's header (it calls the library).
#define EMBER_CUBLAS_CHECK(expr)                                                               \
  do {                                                                                         \
    const auto ember_cublas_status_ = (expr);                                                  \
    if (EMBER_UNLIKELY(ember_cublas_status_ != CUBLAS_STATUS_SUCCESS))                         \
      ::ember::cuda::detail::throw_cublas_error(static_cast<int>(ember_cublas_status_), #expr, \
                                                __FILE__, __LINE__);                           \
  } while (0)

#define EMBER_CUDNN_CHECK(expr)                                                              \
  do {                                                                                       \
    const auto ember_cudnn_status_ = (expr);                                                 \
    if (EMBER_UNLIKELY(ember_cudnn_status_ != CUDNN_STATUS_SUCCESS))                         \
      ::ember::cuda::detail::throw_cudnn_error(static_cast<int>(ember_cudnn_status_), #expr, \
                                               __FILE__, __LINE__);                          \
  } while (0)

#define EMBER_NCCL_CHECK(expr)                                                             \
  do {                                                                                     \
    const auto ember_nccl_status_ = (expr);                                                \
    if (EMBER_UNLIKELY(ember_nccl_status_ != ncclSuccess))                                 \
      ::ember::cuda::detail::throw_nccl_error(static_cast<int>(ember_nccl_status_), #expr, \
                                              __FILE__, __LINE__);                         \
  } while (0)
