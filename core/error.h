// The typed errors Ember throws. Every message names the op, the values involved and, where
// there is one, what to do about it. Library code never calls exit() or abort() on bad input.
#pragma once

#include <stdexcept>
#include <string>

#include "ember/core/macros.h"

namespace ember {

// Base of every error Ember throws; catch this to catch them all.
class EMBER_API Error : public std::runtime_error {
 public:
  explicit Error(const std::string& msg) : std::runtime_error(msg) {}
};

// Incompatible or invalid shapes (broadcasting, matmul, view).
class EMBER_API ShapeError : public Error {
  using Error::Error;
};
// A dtype an op does not support, or a mix of dtypes it cannot take.
class EMBER_API DTypeError : public Error {
  using Error::Error;
};
// Tensors on different devices, a device with no kernel, or no such device.
class EMBER_API DeviceError : public Error {
  using Error::Error;
};
// A dimension or element index out of range.
class EMBER_API IndexError : public Error {
  using Error::Error;
};
// An argument value out of its domain (negative size, bad string, bad file).
class EMBER_API ValueError : public Error {
  using Error::Error;
};
// A file that cannot be read or written, or whose contents are corrupt.
class EMBER_API IOError : public Error {
  using Error::Error;
};
// A CUDA, cuBLAS, cuDNN or NCCL call failed.
class EMBER_API CudaError : public Error {
  using Error::Error;
};
// A device or host allocation failed even after releasing cached memory.
class EMBER_API OutOfMemoryError : public Error {
  using Error::Error;
};
// An autograd misuse: backward through a freed graph, a modified saved tensor, ...
class EMBER_API AutogradError : public Error {
  using Error::Error;
};

}  // namespace ember
