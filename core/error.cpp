// Out-of-line throwing for the checking macros of core/check.h.
#include "ember/core/check.h"

namespace ember::detail {

void throw_error_kind(int kind, const std::string& msg) {
  switch (static_cast<ErrorKind>(kind)) {
    case ErrorKind::Shape:
      throw ShapeError(msg);
    case ErrorKind::DType:
      throw DTypeError(msg);
    case ErrorKind::Device:
      throw DeviceError(msg);
    case ErrorKind::Index:
      throw IndexError(msg);
    case ErrorKind::Value:
      throw ValueError(msg);
    case ErrorKind::IO:
      throw IOError(msg);
    case ErrorKind::Cuda:
      throw CudaError(msg);
    case ErrorKind::OutOfMemory:
      throw OutOfMemoryError(msg);
    case ErrorKind::Autograd:
      throw AutogradError(msg);
    case ErrorKind::Error:
      break;
  }
  throw Error(msg);
}

}  // namespace ember::detail
