// The kernel table and the error for a missing row.
#include "ember/core/dispatch.h"

#include "ember/core/check.h"
#include "ember/core/device_hooks.h"
#include "kernels/dtype_dispatch.h"

namespace ember {

namespace detail {
AnyKernel g_kernel_table[kNumOps][kNumDeviceTypes] = {};

void register_kernel(OpId op, DeviceType device, AnyKernel kernel) {
  g_kernel_table[static_cast<int>(op)][static_cast<int>(device)] = kernel;
}

void throw_missing_kernel(OpId op, Device device) {
  if (device.is_cuda() && !cuda_hooks().is_available()) {
    EMBER_FAIL(Device, "{}: cannot run on {}: {}", op_name(op), device.str(),
               cuda_hooks().unavailable_reason());
  }
  EMBER_FAIL(Device,
             "{}: no kernel is registered for device '{}'. Move the inputs to a device that has "
             "one (for example with .cpu()) or report the missing kernel",
             op_name(op), device.str());
}
}  // namespace detail

std::string_view op_name(OpId op) {
  static constexpr std::string_view kNames[] = {
#define EMBER_OP_NAME(name, sig) #name,
      EMBER_FOREACH_OP(EMBER_OP_NAME)
#undef EMBER_OP_NAME
  };
  auto i = static_cast<int>(op);
  return i >= 0 && i < kNumOps ? kNames[i] : std::string_view("unknown op");
}

bool has_kernel(OpId op, DeviceType device) {
  return detail::g_kernel_table[static_cast<int>(op)][static_cast<int>(device)] != nullptr;
}

}  // namespace ember

namespace ember::detail {
void throw_unsupported_dtype(const char* op, DType dtype) {
  EMBER_FAIL(DType, "{}: dtype {} is not supported by this op on this device", op,
             dtype_name(dtype));
}
}  // namespace ember::detail
