// The IDX reader and writer.
#include "ember/data/idx.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "ember/core/check.h"
#include "ember/core/factories.h"
#include "ember/data/byte_reader.h"

namespace ember::data {
namespace {

struct IdxType {
  uint8_t code;
  size_t bytes;  // per value in the file
  DType dtype;   // of the tensor
  const char* name;
};

constexpr IdxType kIdxTypes[] = {
    {0x08, 1, kUInt8, "unsigned byte"}, {0x09, 1, kInt32, "signed byte"},
    {0x0B, 2, kInt32, "short"},         {0x0C, 4, kInt32, "int"},
    {0x0D, 4, kFloat32, "float"},       {0x0E, 8, kFloat64, "double"},
};

const IdxType* find_type(uint8_t code) {
  for (const IdxType& t : kIdxTypes) {
    if (t.code == code) return &t;
  }
  return nullptr;
}

uint32_t big_endian_u32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

std::string dims_string(const std::vector<int64_t>& dims) {
  std::string s;
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? " x " : "") + std::to_string(dims[i]);
  return s;
}

// Big-endian values of `type` in `raw` into the tensor's native values.
void decode(const IdxType& type, const uint8_t* raw, size_t count, void* out) {
  switch (type.code) {
    case 0x09: {
      auto* o = static_cast<int32_t*>(out);
      for (size_t i = 0; i < count; ++i) o[i] = static_cast<int8_t>(raw[i]);
      break;
    }
    case 0x0B: {
      auto* o = static_cast<int32_t*>(out);
      for (size_t i = 0; i < count; ++i) {
        o[i] = static_cast<int16_t>(static_cast<uint16_t>((raw[2 * i] << 8) | raw[2 * i + 1]));
      }
      break;
    }
    case 0x0C:
    case 0x0D: {
      auto* o = static_cast<uint32_t*>(out);
      for (size_t i = 0; i < count; ++i) o[i] = big_endian_u32(raw + 4 * i);
      break;
    }
    case 0x0E: {
      auto* o = static_cast<uint64_t*>(out);
      for (size_t i = 0; i < count; ++i) {
        o[i] = (uint64_t{big_endian_u32(raw + 8 * i)} << 32) | big_endian_u32(raw + 8 * i + 4);
      }
      break;
    }
    default:
      break;
  }
}

}  // namespace

Tensor read_idx(const std::string& path) {
  detail::ByteReader reader(path, "read_idx");
  uint8_t magic[4];
  const size_t got_magic = reader.read(magic, 4);
  EMBER_CHECK(got_magic == 4, IO,
              "read_idx: '{}' is truncated: it holds {} byte(s), fewer than the 4 of an IDX "
              "header's magic number",
              path, got_magic);
  const IdxType* type = find_type(magic[2]);
  EMBER_CHECK(magic[0] == 0 && magic[1] == 0 && type != nullptr && magic[3] >= 1, IO,
              "read_idx: '{}' has a bad magic number 0x{:02x}{:02x}{:02x}{:02x}: an IDX file "
              "starts with two zero bytes, a type code (0x08 unsigned byte, 0x09 signed byte, "
              "0x0B short, 0x0C int, 0x0D float, 0x0E double) and its number of dims (at least "
              "1). Is this an IDX file (MNIST's format)?",
              path, magic[0], magic[1], magic[2], magic[3]);
  const int ndims = magic[3];
  std::vector<uint8_t> header(static_cast<size_t>(4 * ndims));
  const size_t got_header = reader.read(header.data(), header.size());
  EMBER_CHECK(got_header == header.size(), IO,
              "read_idx: '{}' is truncated in its header: {} dims need {} bytes of sizes, the "
              "file holds {}",
              path, ndims, header.size(), got_header);
  std::vector<int64_t> dims(static_cast<size_t>(ndims));
  size_t count = 1;
  for (int d = 0; d < ndims; ++d) {
    dims[static_cast<size_t>(d)] = big_endian_u32(header.data() + 4 * d);
    const auto n = static_cast<size_t>(dims[static_cast<size_t>(d)]);
    EMBER_CHECK(n == 0 || count <= (size_t{1} << 46) / n, IO,
                "read_idx: '{}' has implausible dims {} (more than 2^46 values)", path,
                dims_string(dims));
    count *= n;
  }
  Tensor out = empty(dims, TensorOptions().dtype(type->dtype));
  const size_t bytes = count * type->bytes;
  size_t got = 0;
  if (type->code == 0x08) {
    got = reader.read(out.data_ptr(), bytes);
  } else {
    std::vector<uint8_t> raw(bytes);
    got = reader.read(raw.data(), bytes);
    if (got == bytes) decode(*type, raw.data(), count, out.data_ptr());
  }
  EMBER_CHECK(got == bytes, IO,
              "read_idx: '{}' is truncated: its header promises {} values of type {} ({} bytes) "
              "but only {} bytes follow the header",
              path, dims_string(dims), type->name, bytes, got);
  uint8_t extra[4096];
  size_t trailing = 0;
  for (size_t n; (n = reader.read(extra, sizeof(extra))) > 0;) trailing += n;
  EMBER_CHECK(trailing == 0, IO,
              "read_idx: '{}' has {} byte(s) past the {} values of type {} its header promises; "
              "the header or the file is corrupt",
              path, trailing, dims_string(dims), type->name);
  return out;
}

void write_idx(const std::string& path, const Tensor& t) {
  EMBER_CHECK(t.defined(), Value, "write_idx: the tensor is undefined");
  uint8_t code = 0;
  switch (t.dtype()) {
    case kUInt8:
      code = 0x08;
      break;
    case kInt32:
      code = 0x0C;
      break;
    case kFloat32:
      code = 0x0D;
      break;
    case kFloat64:
      code = 0x0E;
      break;
    default:
      EMBER_FAIL(DType, "write_idx: IDX holds uint8, int32, float32 or float64, not {}",
                 dtype_name(t.dtype()));
  }
  EMBER_CHECK(t.dim() >= 1 && t.dim() <= 255, Shape,
              "write_idx: IDX holds 1 to 255 dims, got a tensor of shape {}", t.shape_str());
  const Tensor host = t.cpu().contiguous();
  std::vector<uint8_t> bytes;
  bytes.reserve(4 + 4 * static_cast<size_t>(t.dim()) + host.nbytes());
  bytes.insert(bytes.end(), {0, 0, code, static_cast<uint8_t>(t.dim())});
  for (int64_t s : t.sizes()) {
    EMBER_CHECK(s <= int64_t{0xFFFFFFFF}, Shape,
                "write_idx: dim size {} does not fit IDX's 32 bits", s);
    const auto u = static_cast<uint32_t>(s);
    bytes.insert(bytes.end(), {static_cast<uint8_t>(u >> 24), static_cast<uint8_t>(u >> 16),
                               static_cast<uint8_t>(u >> 8), static_cast<uint8_t>(u)});
  }
  const auto* values = static_cast<const uint8_t*>(host.data_ptr());
  const size_t width = host.element_size();
  for (size_t i = 0; i < host.nbytes(); i += width) {
    for (size_t b = width; b-- > 0;) bytes.push_back(values[i + b]);  // to big-endian
  }
  const bool gz = path.size() >= 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
  const std::string tmp = path + ".partial";
  gzFile f = gzopen(tmp.c_str(), gz ? "wb6" : "wbT");
  EMBER_CHECK(f != nullptr, IO, "write_idx: cannot create '{}': {}", tmp, std::strerror(errno));
  size_t written = 0;
  while (written < bytes.size()) {
    const auto chunk = static_cast<unsigned>(std::min<size_t>(bytes.size() - written, 1u << 30));
    const int n = gzwrite(f, bytes.data() + written, chunk);
    if (n <= 0) break;
    written += static_cast<size_t>(n);
  }
  const int closed = gzclose(f);
  if (written != bytes.size() || closed != Z_OK) {
    std::remove(tmp.c_str());
    EMBER_FAIL(IO, "write_idx: writing '{}' failed after {} of {} bytes", path, written,
               bytes.size());
  }
  EMBER_CHECK(std::rename(tmp.c_str(), path.c_str()) == 0, IO,
              "write_idx: cannot rename '{}' to '{}': {}", tmp, path, std::strerror(errno));
}

}  // namespace ember::data
