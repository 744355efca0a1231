// Generator: a counter-based Philox4x32-10 random stream (seed + offset). Element i of a random
// op draws from counter block (offset + i / k) for a fixed k per op and dtype, so the numbers do
// not depend on threads, tiles or device: the CUDA backend reproduces the CPU's bit for bit.
#pragma once

#include <cstdint>
#include <mutex>

#include "ember/core/device.h"
#include "ember/core/macros.h"

namespace ember {

// What one random op needs: the key and the first counter block it may use.
struct PhiloxState {
  uint64_t seed = 0;
  uint64_t offset = 0;
};

class EMBER_API Generator {
 public:
  explicit Generator(uint64_t seed = 67280421310721ULL) : seed_(seed) {}
  Generator(const Generator&) = delete;
  Generator& operator=(const Generator&) = delete;

  // Restarts the stream from seed.
  void manual_seed(uint64_t seed);
  uint64_t initial_seed() const;
  // Reserves `blocks` counter blocks for one op and returns where they start.
  PhiloxState reserve(uint64_t blocks);
  // The full state, to save and restore a stream (checkpoints, reproducible loaders).
  PhiloxState get_state() const;
  void set_state(PhiloxState state);

 private:
  mutable std::mutex mutex_;
  uint64_t seed_;
  uint64_t offset_ = 0;
};

// The default generator of a device (CPU, or CUDA device i).
EMBER_API Generator& default_generator(Device device = Device(DeviceType::CPU));
// Seeds the default generators of every device, like torch::manual_seed.
EMBER_API void manual_seed(uint64_t seed);

}  // namespace ember
