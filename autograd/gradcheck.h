// gradcheck: compares the gradients autograd computes for a function with central finite
// differences, element by element (float64 inputs on the CPU recommended). gradgradcheck does the
// same for the gradient itself (double backward through create_graph).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "ember/core/tensor.h"

namespace ember::autograd {

struct GradcheckResult {
  bool ok = true;
  std::string message;  // the first mismatch, with input, element and both values
  explicit operator bool() const { return ok; }
};

using TensorFunction = std::function<Tensor(const std::vector<Tensor>&)>;

// Checks d fn(inputs) / d inputs (every input that requires grad) against finite differences:
// |analytical - numerical| <= atol + rtol * |numerical| for every Jacobian entry.
EMBER_API GradcheckResult gradcheck(const TensorFunction& fn, const std::vector<Tensor>& inputs,
                                    double eps = 1e-6, double atol = 1e-5, double rtol = 1e-3);

// Checks the gradient of (inputs -> grad of <fn(inputs), v> w.r.t. inputs) for a random v.
EMBER_API GradcheckResult gradgradcheck(const TensorFunction& fn, const std::vector<Tensor>& inputs,
                                        double eps = 1e-6, double atol = 1e-5, double rtol = 1e-3);

}  // namespace ember::autograd
