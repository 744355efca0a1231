// ember::save / ember::load on top of the safetensors reader and writer (core/safetensors.h).
#include "ember/nn/checkpoint.h"

#include "ember/core/check.h"

namespace ember {

namespace {
// What the safetensors tools of the Python world write, so they treat the file as PyTorch's.
const SafetensorsMetadata& checkpoint_metadata() {
  static const SafetensorsMetadata metadata{{"format", "pt"}};
  return metadata;
}

TensorMap to_tensor_map(const OrderedDict<std::string, Tensor>& tensors) {
  TensorMap map;
  for (const auto& item : tensors) map.emplace(item.key(), item.value());
  return map;
}
}  // namespace

void save(const std::string& path, const Tensor& tensor) {
  EMBER_CHECK(tensor.defined(), Value, "save: the tensor to save to {} is undefined", path);
  save_safetensors(path, TensorMap{{"tensor", tensor}}, checkpoint_metadata());
}

void save(const std::string& path, const TensorMap& tensors) {
  save_safetensors(path, tensors, checkpoint_metadata());
}

void save(const std::string& path, const OrderedDict<std::string, Tensor>& tensors) {
  save_safetensors(path, to_tensor_map(tensors), checkpoint_metadata());
}

void save(const std::string& path, const nn::Module& module) {
  save_safetensors(path, to_tensor_map(module.state_dict()), checkpoint_metadata());
}

TensorMap load(const std::string& path, Device device) {
  return load_safetensors(path, device);
}

Tensor load_tensor(const std::string& path, Device device) {
  TensorMap tensors = load_safetensors(path, device);
  EMBER_CHECK(tensors.size() == 1, Value,
              "load_tensor: {} holds {} tensors, not one; use ember::load(path) to read them all",
              path, tensors.size());
  return tensors.begin()->second;
}

void load(Tensor& tensor, const std::string& path, Device device) {
  tensor = load_tensor(path, device);
}

nn::LoadStateDictResult load(const std::string& path, nn::Module& module, bool strict) {
  // Read on the CPU; load_state_dict copies each tensor to the device its parameter is on.
  return module.load_state_dict(load_safetensors(path, Device(kCPU)), strict);
}

}  // namespace ember
