// The host side of kernels/cuda/cuda_check.h: formats and throws the errors of failed CUDA,
// cuBLAS, cuDNN and NCCL calls, and checks kernel launches (synchronising under EMBER_CUDA_SYNC).
#include "kernels/cuda/cuda_check.h"

#include <cublas_api.h>
#include <cudnn.h>
#include <nccl.h>

#include <cstdlib>
#include <cstring>

#include "ember/core/check.h"

namespace ember::cuda::detail {

namespace {
// "kernels/cuda/foo.cpp" rather than the build machine's absolute path.
const char* short_path(const char* file) {
  for (const char* root : {"kernels/", "core/", "tests/"}) {
    if (const char* p = std::strstr(file, root)) return p;
  }
  return file;
}
}  // namespace

void throw_cuda_error(cudaError_t status, const char* expr, const char* file, int line) {
  if (status == cudaErrorMemoryAllocation) {
    EMBER_FAIL(OutOfMemory, "CUDA call {} failed at {}:{}: {} ({})", expr, short_path(file), line,
               cudaGetErrorString(status), cudaGetErrorName(status));
  }
  EMBER_FAIL(Cuda, "CUDA call {} failed at {}:{}: {} ({})", expr, short_path(file), line,
             cudaGetErrorString(status), cudaGetErrorName(status));
}

void throw_cublas_error(int status, const char* expr, const char* file, int line) {
  EMBER_FAIL(Cuda, "cuBLAS call {} failed at {}:{}: {} (status {})", expr, short_path(file), line,
             cublasGetStatusString(static_cast<cublasStatus_t>(status)), status);
}

void throw_cudnn_error(int status, const char* expr, const char* file, int line) {
  EMBER_FAIL(Cuda, "cuDNN call {} failed at {}:{}: {} (status {})", expr, short_path(file), line,
             cudnnGetErrorString(static_cast<cudnnStatus_t>(status)), status);
}

void throw_nccl_error(int status, const char* expr, const char* file, int line) {
  EMBER_FAIL(Cuda, "NCCL call {} failed at {}:{}: {} (status {})", expr, short_path(file), line,
             ncclGetErrorString(static_cast<ncclResult_t>(status)), status);
}

bool sync_after_launch() {
  static const bool enabled = [] {
    const char* v = std::getenv("EMBER_CUDA_SYNC");
    return v != nullptr && std::strcmp(v, "1") == 0;
  }();
  return enabled;
}

}  // namespace ember::cuda::detail

namespace ember::cuda {

void check_launch(const char* op) {
  const cudaError_t launch = cudaGetLastError();
  if (EMBER_UNLIKELY(launch != cudaSuccess)) {
    EMBER_FAIL(Cuda, "{}: the CUDA kernel failed to launch: {} ({})", op,
               cudaGetErrorString(launch), cudaGetErrorName(launch));
  }
  if (detail::sync_after_launch()) {
    const cudaError_t run = cudaDeviceSynchronize();
    if (run != cudaSuccess) {
      EMBER_FAIL(Cuda, "{}: the CUDA kernel failed while running (EMBER_CUDA_SYNC=1): {} ({})", op,
                 cudaGetErrorString(run), cudaGetErrorName(run));
    }
  }
}

}  // namespace ember::cuda
