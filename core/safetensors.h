// Named-tensor files in the safetensors format (https://github.com/huggingface/safetensors), the
// format of Ember's checkpoints and golden test files, readable by PyTorch and the reverse:
// an 8-byte little-endian header length N, N bytes of JSON naming each tensor's dtype, shape and
// byte range, then the raw little-endian data. Reading checks every field of the header against
// the file before touching any data, and refuses a truncated, corrupted or hostile file with an
// ember::IOError that names the file and the problem.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "ember/core/device.h"
#include "ember/core/macros.h"
#include "ember/core/tensor.h"

namespace ember {

// Names to tensors, in name order.
using TensorMap = std::map<std::string, Tensor>;
// The file's free-form string metadata (the header's "__metadata__" object).
using SafetensorsMetadata = std::map<std::string, std::string>;

// Writes tensors (any device, any strides) and metadata to path atomically: the bytes go to
// "<path>.tmp.<pid>", are flushed to disk, and the temporary file is renamed over path. On any
// failure the temporary file is removed, path keeps its previous contents, and an IOError is
// thrown (a ValueError for an undefined tensor or a reserved name).
EMBER_API void save_safetensors(const std::string& path, const TensorMap& tensors,
                                const SafetensorsMetadata& metadata = {});

// Reads every tensor of the file at path onto device.
EMBER_API TensorMap load_safetensors(const std::string& path, Device device = Device(kCPU));

// Reads only the metadata of the file at path (the header is fully checked).
EMBER_API SafetensorsMetadata load_safetensors_metadata(const std::string& path);

// The bytes save_safetensors would write.
EMBER_API std::string serialize_safetensors(const TensorMap& tensors,
                                            const SafetensorsMetadata& metadata = {});

// The tensors (on device) and metadata of the file held in bytes.
EMBER_API TensorMap deserialize_safetensors(std::string_view bytes, Device device = Device(kCPU));
EMBER_API SafetensorsMetadata deserialize_safetensors_metadata(std::string_view bytes);

}  // namespace ember
