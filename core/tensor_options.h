// TensorOptions: dtype, device, requires_grad and pinned memory for factories, with libtorch's
// chained setters (TensorOptions().dtype(kFloat64).device(kCUDA)). DType and Device convert
// implicitly, so ember::zeros({2, 3}, kFloat64) and ember::ones({4}, kCUDA) work.
#pragma once

#include <optional>

#include "ember/core/device.h"
#include "ember/core/dtype.h"

namespace ember {

class TensorOptions {
 public:
  TensorOptions() = default;
  TensorOptions(DType dtype) : dtype_(dtype) {}          // NOLINT: implicit
  TensorOptions(Device device) : device_(device) {}      // NOLINT: implicit
  TensorOptions(DeviceType device) : device_(device) {}  // NOLINT: implicit

  TensorOptions dtype(DType d) const {
    TensorOptions o = *this;
    o.dtype_ = d;
    return o;
  }
  TensorOptions device(Device d) const {
    TensorOptions o = *this;
    o.device_ = d;
    return o;
  }
  TensorOptions requires_grad(bool r) const {
    TensorOptions o = *this;
    o.requires_grad_ = r;
    return o;
  }
  TensorOptions pinned_memory(bool p) const {
    TensorOptions o = *this;
    o.pinned_memory_ = p;
    return o;
  }

  // The dtype, or the default float dtype if none was set.
  DType dtype() const { return dtype_ ? *dtype_ : default_float_dtype(); }
  bool has_dtype() const { return dtype_.has_value(); }
  std::optional<DType> dtype_opt() const { return dtype_; }
  Device device() const { return device_; }
  bool requires_grad() const { return requires_grad_; }
  bool pinned_memory() const { return pinned_memory_; }

 private:
  std::optional<DType> dtype_;
  Device device_ = Device(DeviceType::CPU);
  bool requires_grad_ = false;
  bool pinned_memory_ = false;
};

// libtorch's shorthands: ember::dtype(kFloat64), ember::device(kCUDA).
inline TensorOptions dtype(DType d) {
  return TensorOptions().dtype(d);
}
inline TensorOptions device(Device d) {
  return TensorOptions().device(d);
}
inline TensorOptions requires_grad(bool r = true) {
  return TensorOptions().requires_grad(r);
}

}  // namespace ember
