// The dispatcher: one table op x device type -> kernel, filled at load time by registrars in the
// backends' own files (kernels/cpu, kernels/cuda). Looking up a row is an array index; a missing
// row throws a DeviceError naming the op, the device and what to do (Note [Meta, then impl]).
#pragma once

#include <cstdint>
#include <string_view>

#include "ember/core/device.h"
#include "ember/core/kernel_signatures.h"
#include "ember/core/op_list.h"

namespace ember {

enum class OpId : uint16_t {
#define EMBER_OP_ENUM(name, sig) name,
  EMBER_FOREACH_OP(EMBER_OP_ENUM)
#undef EMBER_OP_ENUM
      kNumOps
};
inline constexpr int kNumOps = static_cast<int>(OpId::kNumOps);

template <OpId op>
struct OpTraits;
#define EMBER_OP_TRAITS(name, sig)              \
  template <>                                   \
  struct OpTraits<OpId::name> {                 \
    using Kernel = sig;                         \
    static constexpr const char* kName = #name; \
  };
EMBER_FOREACH_OP(EMBER_OP_TRAITS)
#undef EMBER_OP_TRAITS

EMBER_API std::string_view op_name(OpId op);

namespace detail {
using AnyKernel = void (*)();
// The table itself, indexed [op][device type].
EMBER_API extern AnyKernel g_kernel_table[kNumOps][kNumDeviceTypes];
[[noreturn]] EMBER_API void throw_missing_kernel(OpId op, Device device);
EMBER_API void register_kernel(OpId op, DeviceType device, AnyKernel kernel);
}  // namespace detail

// True when a kernel is registered for op on the device type.
EMBER_API bool has_kernel(OpId op, DeviceType device);

// The kernel of op for a device; throws DeviceError if there is none.
template <OpId op>
inline typename OpTraits<op>::Kernel* kernel_for(Device device) {
  auto k = detail::g_kernel_table[static_cast<int>(op)][static_cast<int>(device.type())];
  if (EMBER_UNLIKELY(k == nullptr)) detail::throw_missing_kernel(op, device);
  return reinterpret_cast<typename OpTraits<op>::Kernel*>(k);
}

// The kernel of an op known only at run time, as signature Sig (which must be the op's).
template <typename Sig>
inline Sig* lookup_kernel(OpId op, Device device) {
  auto k = detail::g_kernel_table[static_cast<int>(op)][static_cast<int>(device.type())];
  if (EMBER_UNLIKELY(k == nullptr)) detail::throw_missing_kernel(op, device);
  return reinterpret_cast<Sig*>(k);
}

template <OpId op>
struct KernelRegistrar {
  KernelRegistrar(DeviceType device, typename OpTraits<op>::Kernel* kernel) {
    detail::register_kernel(op, device, reinterpret_cast<detail::AnyKernel>(kernel));
  }
};

}  // namespace ember

// Registers fn (whose type must match the op's kernel signature) as the kernel of op on device
// (CPU or CUDA). Use at namespace scope in the backend's kernel file.
#define EMBER_REGISTER_KERNEL(op, device, fn)                                               \
  static const ::ember::KernelRegistrar<::ember::OpId::op> ember_registrar_##op##_##device( \
      ::ember::DeviceType::device, fn)
