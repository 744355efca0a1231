// Device: where a tensor's bytes live (the CPU, or CUDA device N).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>

#include "ember/core/macros.h"

namespace ember {

enum class DeviceType : uint8_t { CPU = 0, CUDA = 1 };
inline constexpr int kNumDeviceTypes = 2;

inline constexpr DeviceType kCPU = DeviceType::CPU;
inline constexpr DeviceType kCUDA = DeviceType::CUDA;

// A device type and an index. The index is -1 for "the current device of this type"
// until a tensor is created on it; CPU tensors always have index -1.
class EMBER_API Device {
 public:
  constexpr Device(DeviceType type = DeviceType::CPU, int8_t index = -1)  // NOLINT: implicit
      : type_(type), index_(type == DeviceType::CPU ? int8_t{-1} : index) {}
  // "cpu", "cuda", "cuda:1"; throws ember::ValueError otherwise.
  Device(std::string_view spec);                                // NOLINT: implicit, like libtorch
  Device(const char* spec) : Device(std::string_view(spec)) {}  // NOLINT
  Device(const std::string& spec) : Device(std::string_view(spec)) {}  // NOLINT

  constexpr DeviceType type() const { return type_; }
  constexpr int8_t index() const { return index_; }
  constexpr bool has_index() const { return index_ >= 0; }
  constexpr bool is_cpu() const { return type_ == DeviceType::CPU; }
  constexpr bool is_cuda() const { return type_ == DeviceType::CUDA; }

  constexpr bool operator==(const Device& o) const {
    return type_ == o.type_ && index_ == o.index_;
  }
  constexpr bool operator!=(const Device& o) const { return !(*this == o); }

  // "cpu" or "cuda:0".
  std::string str() const;

 private:
  DeviceType type_;
  int8_t index_;
};

EMBER_API std::string_view device_type_name(DeviceType t);
EMBER_API std::ostream& operator<<(std::ostream& os, const Device& d);
EMBER_API std::ostream& operator<<(std::ostream& os, DeviceType t);

}  // namespace ember
