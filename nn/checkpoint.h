// Checkpoints: ember::save / ember::load of tensors, named tensor maps and module state, in the
// safetensors format (core/safetensors.h), so files move between Ember and PyTorch
// (safetensors.torch.load_file / save_file). Every write goes to a temporary file renamed into
// place: a crash never leaves a half-written checkpoint.
//
//   ember::save("model.safetensors", model);          // model: a holder, a Module, a shared_ptr
//   ember::load("model.safetensors", model);          // strict: names, shapes, dtypes must match
//   ember::load("model.safetensors", model, /*strict=*/false);   // loads what matches
//
// libtorch's argument order (torch::save(model, path), torch::load(model, path)) works too.
#pragma once

#include <memory>
#include <string>
#include <type_traits>

#include "ember/core/device.h"
#include "ember/core/safetensors.h"
#include "ember/core/tensor.h"
#include "ember/nn/module.h"
#include "ember/nn/module_holder.h"

namespace ember {

// ---- save ----
// One tensor, stored under the name "tensor".
EMBER_API void save(const std::string& path, const Tensor& tensor);
EMBER_API void save(const std::string& path, const TensorMap& tensors);
EMBER_API void save(const std::string& path, const OrderedDict<std::string, Tensor>& tensors);
// The module's state_dict(): parameters and buffers by dotted name.
EMBER_API void save(const std::string& path, const nn::Module& module);
template <typename M>
requires nn::detail::is_module_like_v<M>
void save(const std::string& path, const M& module) {
  save(path, static_cast<const nn::Module&>(*module));
}
// libtorch's order: save(value, path).
inline void save(const Tensor& tensor, const std::string& path) {
  save(path, tensor);
}
inline void save(const TensorMap& tensors, const std::string& path) {
  save(path, tensors);
}
inline void save(const OrderedDict<std::string, Tensor>& tensors, const std::string& path) {
  save(path, tensors);
}
template <typename M>
requires(nn::detail::is_module_like_v<M> ||
         std::is_base_of_v<nn::Module, M>) void save(const M& module, const std::string& path) {
  if constexpr (std::is_base_of_v<nn::Module, M>) {
    save(path, static_cast<const nn::Module&>(module));
  } else {
    save(path, static_cast<const nn::Module&>(*module));
  }
}

// ---- load ----
// Every tensor of the file, onto device.
EMBER_API TensorMap load(const std::string& path, Device device = Device(kCPU));
// The one tensor of a file written by save(path, tensor) (or any file holding one tensor).
EMBER_API Tensor load_tensor(const std::string& path, Device device = Device(kCPU));
// Loads the file into module (module.load_state_dict(file, strict)): values are copied into the
// existing parameters and buffers, on the device each one is on. Strict (the default): missing
// keys, unexpected keys and shape or dtype mismatches throw a ValueError naming every one and
// nothing is loaded; not strict: what matches is loaded and the rest reported in the result.
EMBER_API nn::LoadStateDictResult load(const std::string& path, nn::Module& module,
                                       bool strict = true);
template <typename M>
requires nn::detail::is_module_like_v<M> nn::LoadStateDictResult load(const std::string& path,
                                                                      M& module,
                                                                      bool strict = true) {
  return load(path, static_cast<nn::Module&>(*module), strict);
}
// libtorch's order: load(module, path) and load(tensor, path) (strict).
EMBER_API void load(Tensor& tensor, const std::string& path, Device device = Device(kCPU));
inline void load(nn::Module& module, const std::string& path) {
  load(path, module, /*strict=*/true);
}
template <typename M>
requires nn::detail::is_module_like_v<M>
void load(M& module, const std::string& path) {
  load(path, static_cast<nn::Module&>(*module), /*strict=*/true);
}

}  // namespace ember
