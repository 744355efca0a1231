// Scalar printing and its standalone dtype.
#include "ember/core/scalar.h"

#include <ostream>

namespace ember {

DType Scalar::dtype() const {
  switch (kind_) {
    case Kind::Bool:
      return DType::Bool;
    case Kind::Integral:
      return DType::Int64;
    case Kind::Floating:
      return default_float_dtype();
  }
  return DType::Float32;
}

std::ostream& operator<<(std::ostream& os, const Scalar& s) {
  switch (s.kind()) {
    case Scalar::Kind::Bool:
      return os << (s.to_bool() ? "true" : "false");
    case Scalar::Kind::Integral:
      return os << s.to_int64();
    case Scalar::Kind::Floating:
      return os << s.to_double();
  }
  return os;
}

}  // namespace ember
