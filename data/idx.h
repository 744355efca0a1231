// IDX files, MNIST's format: two zero bytes, a type code, the number of dims, each dim as a
// big-endian 32-bit count, then the values in row-major order (big-endian). Read raw or
// gzip-compressed, with any dims (any count, any image size).
#pragma once

#include <string>

#include "ember/core/tensor.h"

namespace ember::data {

// The tensor an IDX file holds, with the header's dims: type 0x08 (unsigned byte) gives uint8,
// 0x09/0x0B/0x0C (signed byte, short, int) give int32, 0x0D float32, 0x0E float64. Throws IOError
// naming the file and what is wrong: missing, bad magic, unknown type, truncated header or data,
// or bytes past the end of the data.
EMBER_API Tensor read_idx(const std::string& path);

// Writes t (uint8, int32, float32 or float64) as an IDX file, gzip-compressed when path ends in
// ".gz". The file appears complete or not at all (written beside it, then renamed).
EMBER_API void write_idx(const std::string& path, const Tensor& t);

}  // namespace ember::data
