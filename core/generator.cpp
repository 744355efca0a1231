// Generator state and the per-device default generators.
#include "ember/core/generator.h"

#include <memory>
#include <mutex>

#include "ember/core/check.h"
#include "ember/core/cuda_api.h"

namespace ember {

void Generator::manual_seed(uint64_t seed) {
  std::lock_guard<std::mutex> lock(mutex_);
  seed_ = seed;
  offset_ = 0;
}

uint64_t Generator::initial_seed() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return seed_;
}

PhiloxState Generator::reserve(uint64_t blocks) {
  std::lock_guard<std::mutex> lock(mutex_);
  PhiloxState s{seed_, offset_};
  offset_ += blocks;
  return s;
}

PhiloxState Generator::get_state() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return {seed_, offset_};
}

void Generator::set_state(PhiloxState state) {
  std::lock_guard<std::mutex> lock(mutex_);
  seed_ = state.seed;
  offset_ = state.offset;
}

namespace {
constexpr int kMaxCudaDevices = 64;
std::mutex g_generators_mutex;
std::unique_ptr<Generator> g_cuda_generators[kMaxCudaDevices];
}  // namespace

Generator& default_generator(Device device) {
  if (device.is_cpu()) {
    static auto* cpu = new Generator();
    return *cpu;
  }
  int index = device.has_index() ? device.index() : 0;
  EMBER_CHECK(index < kMaxCudaDevices, Device, "default_generator: device index {} out of range",
              index);
  std::lock_guard<std::mutex> lock(g_generators_mutex);
  auto& g = g_cuda_generators[index];
  if (!g) g = std::make_unique<Generator>();
  return *g;
}

void manual_seed(uint64_t seed) {
  default_generator(Device(DeviceType::CPU)).manual_seed(seed);
  std::lock_guard<std::mutex> lock(g_generators_mutex);
  for (auto& g : g_cuda_generators) {
    if (!g) g = std::make_unique<Generator>();
    g->manual_seed(seed);
  }
}

}  // namespace ember
