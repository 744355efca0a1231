// The CUDA backend's answers to core's DeviceHooks (availability, devices, synchronisation,
// memory statistics), registered at load time so that ember::cuda::* (core/cuda_api.h) and
// resolve_device work through them.
#include <cuda_runtime_api.h>

#include <mutex>
#include <vector>

#include "ember/core/check.h"
#include "ember/core/device_hooks.h"
#include "kernels/cuda/cuda_allocator.h"
#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_context.h"

namespace ember::cuda {
namespace {

class CudaHooks final : public DeviceHooks {
 public:
  bool is_available() const override { return visible_device_count() > 0; }
  int device_count() const override { return visible_device_count(); }
  std::string unavailable_reason() const override {
    return is_available()
               ? std::string()
               : "Ember was built with CUDA but no GPU answered (" + no_device_reason() + ")";
  }
  int current_device() const override {
    require("current_device");
    return get_device();
  }
  void set_device(int index) const override {
    require("set_device");
    check_index(index, "set_device");
    EMBER_CUDA_CHECK(cudaSetDevice(index));
  }
  void synchronize(int index) const override {
    require("synchronize");
    check_index(index, "synchronize");
    DeviceGuard guard(index);
    EMBER_CUDA_CHECK(cudaDeviceSynchronize());
  }
  DeviceMemoryStats memory_stats(int index) const override {
    check_index(index, "memory_stats");
    return device_memory_stats(index);
  }
  void reset_peak_memory_stats(int index) const override {
    check_index(index, "reset_peak_memory_stats");
    reset_device_peak_memory(index);
  }
  void empty_cache() const override {
    if (is_available()) empty_all_caches();
  }
  std::string device_name(int index) const override {
    require("device_name");
    check_index(index, "device_name");
    std::lock_guard<std::mutex> lock(mutex_);
    if (names_.empty()) names_.resize(static_cast<size_t>(visible_device_count()));
    std::string& name = names_[static_cast<size_t>(index)];
    if (name.empty()) {
      cudaDeviceProp prop{};
      EMBER_CUDA_CHECK(cudaGetDeviceProperties(&prop, index));
      name = prop.name;
    }
    return name;
  }

 private:
  void require(const char* what) const {
    EMBER_CHECK(is_available(), Device, "cuda::{}: {}", what, unavailable_reason());
  }
  void check_index(int index, const char* what) const {
    EMBER_CHECK(index >= 0 && index < visible_device_count(), Device,
                "cuda::{}: there is no CUDA device {} ({} visible)", what, index,
                visible_device_count());
  }
  mutable std::mutex mutex_;
  mutable std::vector<std::string> names_;
};

[[maybe_unused]] const bool g_registered = [] {
  set_cuda_hooks(new CudaHooks());  // never destroyed: tensors may be released at exit
  return true;
}();

}  // namespace
}  // namespace ember::cuda
