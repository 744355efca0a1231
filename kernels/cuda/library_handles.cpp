// The lazily created cuBLAS, cuBLASLt and cuDNN handles and cuBLAS's workspace (see
// library_handles.h). Handles live until the process ends: destroying them during static
// teardown, after the CUDA runtime may already be gone, can crash, and their number is bounded
// by threads x devices x streams.
#include "kernels/cuda/library_handles.h"

#include <map>
#include <mutex>
#include <utility>

#include "ember/core/allocator.h"
#include "ember/core/device.h"
#include "kernels/cuda/cuda_check.h"

namespace ember::cuda {
namespace {

// 32 MiB: what NVIDIA recommends for cuBLAS on Hopper (and PyTorch's default there).
constexpr size_t kBlasWorkspaceBytes = size_t{32} << 20;

using StreamKey = std::pair<int, cudaStream_t>;

struct ThreadHandles {
  std::map<StreamKey, cublasHandle_t> cublas;
  std::map<int, cublasLtHandle_t> cublaslt;
  std::map<StreamKey, cudnnHandle_t> cudnn;
};

ThreadHandles& thread_handles() {
  // Leaked on purpose (see the top of the file): a heap object whose destructor never runs.
  thread_local ThreadHandles* handles = new ThreadHandles();
  return *handles;
}

std::mutex g_workspace_mutex;
std::map<StreamKey, BlasWorkspace>& workspaces() {
  static auto* w = new std::map<StreamKey, BlasWorkspace>();
  return *w;
}

}  // namespace

BlasWorkspace blas_workspace(int device, cudaStream_t stream) {
  std::lock_guard<std::mutex> lock(g_workspace_mutex);
  BlasWorkspace& w = workspaces()[{device, stream}];
  if (w.data == nullptr) {
    // From the caching allocator, never returned: kept for every later call on this stream.
    w.data = get_allocator(kCUDA)->allocate(kBlasWorkspaceBytes, Device(kCUDA, device));
    w.bytes = kBlasWorkspaceBytes;
  }
  return w;
}

cublasHandle_t cublas_handle(int device, cudaStream_t stream) {
  auto& map = thread_handles().cublas;
  auto it = map.find({device, stream});
  if (it != map.end()) return it->second;
  cublasHandle_t handle = nullptr;
  EMBER_CUBLAS_CHECK(cublasCreate(&handle));
  EMBER_CUBLAS_CHECK(cublasSetStream(handle, stream));
  const BlasWorkspace w = blas_workspace(device, stream);
  EMBER_CUBLAS_CHECK(cublasSetWorkspace(handle, w.data, w.bytes));
  map.emplace(StreamKey{device, stream}, handle);
  return handle;
}

cublasLtHandle_t cublaslt_handle(int device) {
  auto& map = thread_handles().cublaslt;
  auto it = map.find(device);
  if (it != map.end()) return it->second;
  cublasLtHandle_t handle = nullptr;
  EMBER_CUBLAS_CHECK(cublasLtCreate(&handle));
  map.emplace(device, handle);
  return handle;
}

cudnnHandle_t cudnn_handle(int device, cudaStream_t stream) {
  auto& map = thread_handles().cudnn;
  auto it = map.find({device, stream});
  if (it != map.end()) return it->second;
  cudnnHandle_t handle = nullptr;
  EMBER_CUDNN_CHECK(cudnnCreate(&handle));
  EMBER_CUDNN_CHECK(cudnnSetStream(handle, stream));
  map.emplace(StreamKey{device, stream}, handle);
  return handle;
}

}  // namespace ember::cuda
