// nn::utils: gradient clipping, like torch::nn::utils::clip_grad_norm_ and clip_grad_value_.
#pragma once

#include <initializer_list>
#include <vector>

#include "ember/core/tensor.h"

namespace ember::nn::utils {

// Scales the gradients of parameters (those without one are skipped) so that their total
// norm_type-norm, taken over all of them together, is at most max_norm, and returns that total
// norm from before the scaling. Per-parameter norms and the scaling run on the gradients'
// device without a host sync; only the returned total is read back (once). norm_type may be
// infinity (max |g|). error_if_nonfinite: a NaN or infinite total throws a ValueError.
EMBER_API double clip_grad_norm_(const std::vector<Tensor>& parameters, double max_norm,
                                 double norm_type = 2.0, bool error_if_nonfinite = false);
EMBER_API double clip_grad_norm_(std::initializer_list<Tensor> parameters, double max_norm,
                                 double norm_type = 2.0, bool error_if_nonfinite = false);
EMBER_API double clip_grad_norm_(const Tensor& parameter, double max_norm, double norm_type = 2.0,
                                 bool error_if_nonfinite = false);

// Clamps every gradient of parameters to [-clip_value, clip_value] in place.
EMBER_API void clip_grad_value_(const std::vector<Tensor>& parameters, double clip_value);
EMBER_API void clip_grad_value_(std::initializer_list<Tensor> parameters, double clip_value);
EMBER_API void clip_grad_value_(const Tensor& parameter, double clip_value);

}  // namespace ember::nn::utils
