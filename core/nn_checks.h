// Checks shared by the device-neutral front halves of the neural-network ops (core/ops_linalg.cpp,
// ops_conv.cpp, ops_pool.cpp, ops_norm.cpp, ops_softmax.cpp, ops_loss.cpp, ...): each throws a
// typed error whose message names the op, the argument and the offending values. Internal.
#pragma once

#include <array>
#include <string_view>

#include "ember/core/tensor.h"

namespace ember::detail {

// ValueError unless t is defined.
EMBER_API void nn_check_defined(std::string_view op, std::string_view what, const Tensor& t);
// DTypeError unless t is float32 or float64 (what the nn kernels compute in).
EMBER_API void nn_check_float(std::string_view op, std::string_view what, const Tensor& t);
// DTypeError / DeviceError unless other (when defined) has ref's dtype and device.
EMBER_API void nn_check_like(std::string_view op, std::string_view what_ref, const Tensor& ref,
                             std::string_view what, const Tensor& other);
// ShapeError unless t (when defined) is 1-D of size n.
EMBER_API void nn_check_vector(std::string_view op, std::string_view what, const Tensor& t,
                               int64_t n);
// {h, w} from one value (both dims) or two; ValueError for another count or a value below min.
EMBER_API std::array<int64_t, 2> nn_pair(std::string_view op, std::string_view what, IntArrayRef v,
                                         int64_t min);

}  // namespace ember::detail
