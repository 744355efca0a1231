// Device parsing and printing.
#include "ember/core/device.h"

#include <charconv>
#include <ostream>

#include "ember/core/check.h"

namespace ember {

Device::Device(std::string_view spec) : type_(DeviceType::CPU), index_(-1) {
  std::string_view type = spec, index;
  if (auto colon = spec.find(':'); colon != std::string_view::npos) {
    type = spec.substr(0, colon);
    index = spec.substr(colon + 1);
  }
  if (type == "cpu") {
    EMBER_CHECK(index.empty() || index == "0", Value,
                "Device: '{}' is not a device; the CPU takes no index (use \"cpu\")", spec);
    return;
  }
  EMBER_CHECK(type == "cuda", Value,
              "Device: '{}' is not a device; expected \"cpu\", \"cuda\" or \"cuda:N\"", spec);
  type_ = DeviceType::CUDA;
  if (!index.empty()) {
    int value = -1;
    auto [ptr, ec] = std::from_chars(index.data(), index.data() + index.size(), value);
    EMBER_CHECK(
        ec == std::errc() && ptr == index.data() + index.size() && value >= 0 && value < 128, Value,
        "Device: '{}' has a bad device index; expected \"cuda:N\" with N >= 0", spec);
    index_ = static_cast<int8_t>(value);
  }
}

std::string Device::str() const {
  if (type_ == DeviceType::CPU) return "cpu";
  return index_ < 0 ? std::string("cuda") : "cuda:" + std::to_string(index_);
}

std::string_view device_type_name(DeviceType t) {
  return t == DeviceType::CPU ? "cpu" : "cuda";
}

std::ostream& operator<<(std::ostream& os, const Device& d) {
  return os << d.str();
}
std::ostream& operator<<(std::ostream& os, DeviceType t) {
  return os << device_type_name(t);
}

}  // namespace ember
