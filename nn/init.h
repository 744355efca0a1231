// nn::init: the parameter initialisers of torch::nn::init, with PyTorch's formulas for gains and
// fans. Each fills its tensor in place without recording gradients and returns it.
#pragma once

#include <cstdint>
#include <tuple>

#include "ember/core/generator.h"
#include "ember/core/scalar.h"
#include "ember/core/tensor.h"

namespace ember::nn::init {

// Which fan kaiming_* scales by: fan_in keeps the forward pass's variance, fan_out backward's.
enum class FanMode { FanIn, FanOut };
// The nonlinearity whose recommended gain calculate_gain returns.
enum class Nonlinearity {
  Linear,
  Conv1D,
  Conv2D,
  Conv3D,
  ConvTranspose1D,
  ConvTranspose2D,
  ConvTranspose3D,
  Sigmoid,
  Tanh,
  ReLU,
  LeakyReLU,
  SELU
};

inline constexpr FanMode kFanIn = FanMode::FanIn;
inline constexpr FanMode kFanOut = FanMode::FanOut;
inline constexpr Nonlinearity kLinear = Nonlinearity::Linear;
inline constexpr Nonlinearity kConv1D = Nonlinearity::Conv1D;
inline constexpr Nonlinearity kConv2D = Nonlinearity::Conv2D;
inline constexpr Nonlinearity kConv3D = Nonlinearity::Conv3D;
inline constexpr Nonlinearity kConvTranspose1D = Nonlinearity::ConvTranspose1D;
inline constexpr Nonlinearity kConvTranspose2D = Nonlinearity::ConvTranspose2D;
inline constexpr Nonlinearity kConvTranspose3D = Nonlinearity::ConvTranspose3D;
inline constexpr Nonlinearity kSigmoid = Nonlinearity::Sigmoid;
inline constexpr Nonlinearity kTanh = Nonlinearity::Tanh;
inline constexpr Nonlinearity kReLU = Nonlinearity::ReLU;
inline constexpr Nonlinearity kLeakyReLU = Nonlinearity::LeakyReLU;
inline constexpr Nonlinearity kSELU = Nonlinearity::SELU;

// The recommended gain: 1 for linear, conv and sigmoid, 5/3 for tanh, sqrt(2) for relu,
// sqrt(2 / (1 + param^2)) for leaky_relu (param: its negative slope), 3/4 for selu.
EMBER_API double calculate_gain(Nonlinearity nonlinearity, double param = 0.01);

// (fan_in, fan_out) of a weight of 2 or more dims: size(1) and size(0) times the receptive field
// (the product of the dims after the first two), like PyTorch.
EMBER_API std::tuple<int64_t, int64_t> calculate_fan_in_and_fan_out(const Tensor& tensor);
inline std::tuple<int64_t, int64_t> _calculate_fan_in_and_fan_out(const Tensor& tensor) {
  return calculate_fan_in_and_fan_out(tensor);
}

// Uniform in [low, high).
EMBER_API Tensor uniform_(Tensor tensor, double low = 0.0, double high = 1.0,
                          Generator* generator = nullptr);
// Normal with the given mean and standard deviation.
EMBER_API Tensor normal_(Tensor tensor, double mean = 0.0, double std = 1.0,
                         Generator* generator = nullptr);
EMBER_API Tensor constant_(Tensor tensor, const Scalar& value);
EMBER_API Tensor ones_(Tensor tensor);
EMBER_API Tensor zeros_(Tensor tensor);
// The identity matrix (a 2-d tensor).
EMBER_API Tensor eye_(Tensor matrix);

// Glorot: uniform in +-gain * sqrt(6 / (fan_in + fan_out)).
EMBER_API Tensor xavier_uniform_(Tensor tensor, double gain = 1.0, Generator* generator = nullptr);
// Glorot: normal with std gain * sqrt(2 / (fan_in + fan_out)).
EMBER_API Tensor xavier_normal_(Tensor tensor, double gain = 1.0, Generator* generator = nullptr);
// He: uniform in +-sqrt(3) * gain / sqrt(fan), gain = calculate_gain(nonlinearity, a).
EMBER_API Tensor kaiming_uniform_(Tensor tensor, double a = 0.0, FanMode mode = FanMode::FanIn,
                                  Nonlinearity nonlinearity = Nonlinearity::LeakyReLU,
                                  Generator* generator = nullptr);
// He: normal with std gain / sqrt(fan).
EMBER_API Tensor kaiming_normal_(Tensor tensor, double a = 0.0, FanMode mode = FanMode::FanIn,
                                 Nonlinearity nonlinearity = Nonlinearity::LeakyReLU,
                                 Generator* generator = nullptr);

}  // namespace ember::nn::init

namespace ember {
// libtorch spells these torch::kFanIn, torch::kReLU, ...
using nn::init::kConv1D;
using nn::init::kConv2D;
using nn::init::kConv3D;
using nn::init::kConvTranspose1D;
using nn::init::kConvTranspose2D;
using nn::init::kConvTranspose3D;
using nn::init::kFanIn;
using nn::init::kFanOut;
using nn::init::kLeakyReLU;
using nn::init::kLinear;
using nn::init::kReLU;
using nn::init::kSELU;
using nn::init::kSigmoid;
using nn::init::kTanh;
}  // namespace ember
