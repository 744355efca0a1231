// The stand-in CUDA hooks of a build (or a process) without the CUDA backend, and ember::cuda's
// user-facing functions, which ask whichever hooks are registered.
#include "ember/core/device_hooks.h"

#include "ember/core/check.h"
#include "ember/core/cuda_api.h"
#include "ember/core/generator.h"

namespace ember {
namespace {

class NoCudaHooks final : public DeviceHooks {
 public:
  bool is_available() const override { return false; }
  int device_count() const override { return 0; }
  std::string unavailable_reason() const override {
    return "Ember was built without CUDA (EMBER_WITH_CUDA=OFF), so only the CPU is available";
  }
  int current_device() const override { fail("current_device"); }
  void set_device(int) const override { fail("set_device"); }
  void synchronize(int) const override {}
  DeviceMemoryStats memory_stats(int) const override { return {}; }
  void reset_peak_memory_stats(int) const override {}
  void empty_cache() const override {}
  std::string device_name(int) const override { fail("device_name"); }

 private:
  [[noreturn]] void fail(const char* what) const {
    EMBER_FAIL(Device, "cuda::{}: {}", what, unavailable_reason());
  }
};

const DeviceHooks* g_cuda_hooks = nullptr;

}  // namespace

const DeviceHooks& cuda_hooks() {
  static const NoCudaHooks none;
  return g_cuda_hooks ? *g_cuda_hooks : none;
}

void set_cuda_hooks(const DeviceHooks* hooks) {
  g_cuda_hooks = hooks;
}

Device resolve_device(Device device) {
  if (device.is_cpu()) return device;
  const DeviceHooks& hooks = cuda_hooks();
  EMBER_CHECK(hooks.is_available(), Device, "cannot use device '{}': {}", device.str(),
              hooks.unavailable_reason());
  if (!device.has_index())
    return Device(DeviceType::CUDA, static_cast<int8_t>(hooks.current_device()));
  EMBER_CHECK(device.index() < hooks.device_count(), Device,
              "cannot use device '{}': only {} CUDA device(s) are present", device.str(),
              hooks.device_count());
  return device;
}

namespace cuda {

bool is_available() {
  return cuda_hooks().is_available();
}
int device_count() {
  return cuda_hooks().is_available() ? cuda_hooks().device_count() : 0;
}
std::string unavailable_reason() {
  return is_available() ? std::string() : cuda_hooks().unavailable_reason();
}
static int pick(int device) {
  return device >= 0 ? device : cuda_hooks().current_device();
}
void synchronize(int device) {
  if (is_available()) cuda_hooks().synchronize(pick(device));
}
int current_device() {
  return cuda_hooks().current_device();
}
void set_device(int device) {
  cuda_hooks().set_device(device);
}
std::string device_name(int device) {
  return cuda_hooks().device_name(pick(device));
}
DeviceMemoryStats memory_stats(int device) {
  return is_available() ? cuda_hooks().memory_stats(pick(device)) : DeviceMemoryStats{};
}
void reset_peak_memory_stats(int device) {
  if (is_available()) cuda_hooks().reset_peak_memory_stats(pick(device));
}
void empty_cache() {
  cuda_hooks().empty_cache();
}
void manual_seed_all(uint64_t seed) {
  for (int i = 0; i < device_count(); ++i)
    default_generator(Device(DeviceType::CUDA, static_cast<int8_t>(i))).manual_seed(seed);
}

}  // namespace cuda
}  // namespace ember
