// Helpers shared by the optimizer tests: the golden files written by
// tests/golden/make_optim_golden.py, and a deterministic gradient (grad = param * 0.7 + shift,
// computed in the parameter's dtype exactly as the golden script does).
#pragma once

#include <string>
#include <vector>

#include "ember/core/safetensors.h"
#include "ember/ember.h"
#include "support/test_util.h"

namespace ember::testing {

inline constexpr double kGoldenGradScale = 0.7;
inline constexpr int kGoldenSteps = 10;

// The tensors of tests/data/golden/<file>, read once.
inline const TensorMap& golden_file(const std::string& file) {
  static std::map<std::string, TensorMap> cache;
  auto it = cache.find(file);
  if (it == cache.end()) {
    it = cache.emplace(file, load_safetensors(std::string(EMBER_TEST_DATA_DIR) + "/golden/" + file))
             .first;
  }
  return it->second;
}

inline const Tensor& golden(const std::string& file, const std::string& name) {
  const TensorMap& m = golden_file(file);
  auto it = m.find(name);
  if (it == m.end()) throw std::runtime_error("golden tensor " + name + " missing from " + file);
  return it->second;
}

// Fresh leaf parameters (requires_grad) holding the golden initial values, in dtype, on device.
inline std::vector<Tensor> golden_params(DType dtype = kFloat32, Device device = Device(kCPU)) {
  std::vector<Tensor> params;
  for (int i = 0; i < 3; ++i) {
    Tensor p = golden("optim_trajectories.safetensors", "init." + std::to_string(i))
                   .to(device, dtype, false, true);
    p.requires_grad_(true);
    params.push_back(p);
  }
  return params;
}

// Same sizes and bit-for-bit the same values (read on the host, element by element).
inline bool same_values(const Tensor& a, const Tensor& b) {
  return a.sizes() == b.sizes() && values(a) == values(b);
}

// Sets p.grad() = p * 0.7 + shift for each parameter (shift: the golden "shift.<i>").
inline void set_golden_grads(const std::vector<Tensor>& params, const std::vector<int>& skip = {}) {
  NoGradGuard no_grad;
  for (size_t i = 0; i < params.size(); ++i) {
    Tensor p = params[i];
    bool skipped = false;
    for (int s : skip) skipped = skipped || s == static_cast<int>(i);
    if (skipped) {
      p.mutable_grad() = Tensor();
      continue;
    }
    const Tensor shift = golden("optim_trajectories.safetensors", "shift." + std::to_string(i))
                             .to(p.device(), p.dtype());
    p.mutable_grad() = p.detach().mul(kGoldenGradScale).add(shift);
  }
}

}  // namespace ember::testing
