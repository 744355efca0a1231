// Reading and writing safetensors files (see core/safetensors.h).
//
// Note [Safetensors layout]
//   bytes [0, 8)        N, the header length, unsigned little-endian
//   bytes [8, 8 + N)    a JSON object: {"__metadata__": {"k": "v", ...},
//                         "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [b, e]}, ...}
//                       padded with spaces so that the data starts 8-byte aligned
//   bytes [8 + N, end)  the data; a tensor's bytes are [8 + N + b, 8 + N + e), little-endian,
//                       row-major
// Like the reference implementation, the writer orders tensors by name with no gaps, omits an
// empty "__metadata__", and the reader requires the byte ranges to tile the data exactly (no
// overlap, no gap, nothing after the last tensor). Every field is checked before any data is
// read, and data is only ever read inside the file.
#include "ember/core/safetensors.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "ember/core/check.h"
#include "ember/core/elementwise.h"
#include "ember/core/shape_utils.h"

namespace ember {
namespace {

static_assert(std::endian::native == std::endian::little,
              "safetensors data is little-endian; a big-endian host would need byte swaps");

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

// The reference implementation's limit: larger headers are refused before they are read.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;
// Deeper JSON than any valid header needs is refused while parsing.
constexpr int kMaxJsonDepth = 8;
constexpr const char* kMetadataKey = "__metadata__";

struct DTypeCode {
  DType dtype;
  const char* code;
};
constexpr DTypeCode kDTypeCodes[] = {
    {kBool, "BOOL"},   {kUInt8, "U8"},      {kInt32, "I32"},   {kInt64, "I64"},
    {kFloat16, "F16"}, {kBFloat16, "BF16"}, {kFloat32, "F32"}, {kFloat64, "F64"},
};

const char* dtype_code(DType dtype) {
  for (const DTypeCode& c : kDTypeCodes) {
    if (c.dtype == dtype) return c.code;
  }
  return "?";
}

bool dtype_from_code(const std::string& code, DType& dtype) {
  for (const DTypeCode& c : kDTypeCodes) {
    if (code == c.code) {
      dtype = c.dtype;
      return true;
    }
  }
  return false;
}

// ---- reading ----

// One tensor as the header describes it; begin/end are relative to the data section.
struct Entry {
  std::string name;
  DType dtype = kFloat32;
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;
};

struct Header {
  std::vector<Entry> entries;  // in name order
  SafetensorsMetadata metadata;
  uint64_t data_start = 0;  // 8 + N
};

// Where bytes come from: a file (read with pread) or memory. `what` names it in errors.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  virtual uint64_t size() const = 0;
  // Copies [offset, offset + n) to dst; the caller has checked the range against size().
  virtual void read(uint64_t offset, void* dst, size_t n) const = 0;
  const std::string& op() const { return op_; }
  const std::string& what() const { return what_; }

 protected:
  ByteSource(std::string op, std::string what) : op_(std::move(op)), what_(std::move(what)) {}

 private:
  std::string op_, what_;
};

class MemorySource final : public ByteSource {
 public:
  MemorySource(const char* op, std::string_view bytes)
      : ByteSource(op, fmt::format("buffer of {} bytes", bytes.size())), bytes_(bytes) {}
  uint64_t size() const override { return bytes_.size(); }
  void read(uint64_t offset, void* dst, size_t n) const override {
    if (n) std::memcpy(dst, bytes_.data() + offset, n);
  }

 private:
  std::string_view bytes_;
};

class FileSource final : public ByteSource {
 public:
  FileSource(const char* op, const std::string& path)
      : ByteSource(op, fmt::format("file '{}'", path)) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    EMBER_CHECK(fd_ >= 0, IO, "{}: cannot open file '{}': {}", op, path, std::strerror(errno));
    struct stat st {};
    const bool stat_ok = ::fstat(fd_, &st) == 0;
    const int err = errno;
    if (!stat_ok || !S_ISREG(st.st_mode)) {
      ::close(fd_);
      EMBER_FAIL(IO, "{}: cannot read file '{}': {}", op, path,
                 !stat_ok              ? std::strerror(err)
                 : S_ISDIR(st.st_mode) ? "it is a directory"
                                       : "it is not a regular file");
    }
    size_ = static_cast<uint64_t>(st.st_size);
  }
  ~FileSource() override { ::close(fd_); }
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  uint64_t size() const override { return size_; }
  void read(uint64_t offset, void* dst, size_t n) const override {
    char* p = static_cast<char*>(dst);
    while (n > 0) {
      const ssize_t got = ::pread(fd_, p, n, static_cast<off_t>(offset));
      if (got < 0 && errno == EINTR) continue;
      EMBER_CHECK(got > 0, IO, "{}: {}: read of {} bytes at offset {} failed: {}", this->op(),
                  what(), n, offset,
                  got < 0 ? std::strerror(errno) : "the file ended (truncated?)");
      p += got;
      n -= static_cast<size_t>(got);
      offset += static_cast<uint64_t>(got);
    }
  }

 private:
  int fd_ = -1;
  uint64_t size_ = 0;
};

// Parses the header JSON; duplicate keys and absurd nesting are errors (the JSON library would
// otherwise keep the last duplicate silently).
json parse_json(const ByteSource& src, const std::string& text) {
  std::vector<std::set<std::string>> keys;  // one key set per open object
  std::string problem;
  auto callback = [&](int depth, json::parse_event_t event, json& parsed) {
    if (depth > kMaxJsonDepth && problem.empty()) {
      problem = fmt::format("the header nests deeper than {} levels", kMaxJsonDepth);
    }
    switch (event) {
      case json::parse_event_t::object_start:
        keys.emplace_back();
        break;
      case json::parse_event_t::object_end:
        if (!keys.empty()) keys.pop_back();
        break;
      case json::parse_event_t::key:
        if (!keys.empty() && !keys.back().insert(parsed.get<std::string>()).second &&
            problem.empty()) {
          problem = fmt::format("duplicate key \"{}\" in the header", parsed.get<std::string>());
        }
        break;
      default:
        break;
    }
    return problem.empty();
  };
  json root;
  try {
    root = json::parse(text.begin(), text.end(), callback);
  } catch (const json::exception& e) {
    EMBER_FAIL(IO, "{}: {}: the header is not valid JSON ({})", src.op(), src.what(), e.what());
  }
  EMBER_CHECK(problem.empty(), IO, "{}: {}: {}", src.op(), src.what(), problem);
  return root;
}

// A non-negative JSON integer, or an error naming the tensor and the field.
uint64_t json_unsigned(const ByteSource& src, const std::string& name, const char* field,
                       const json& value) {
  if (value.is_number_unsigned()) return value.get<uint64_t>();
  EMBER_CHECK(!value.is_number_integer(), IO, "{}: {}: tensor '{}': {} has the negative value {}",
              src.op(), src.what(), name, field, value.dump());
  EMBER_FAIL(IO, "{}: {}: tensor '{}': {} has {}, which is not a non-negative integer", src.op(),
             src.what(), name, field, value.dump());
}

Entry parse_entry(const ByteSource& src, const std::string& name, const json& info,
                  uint64_t data_size) {
  EMBER_CHECK(info.is_object(), IO, "{}: {}: tensor '{}': its entry {} is not a JSON object",
              src.op(), src.what(), name, info.dump());
  Entry e;
  e.name = name;
  for (const char* key : {"dtype", "shape", "data_offsets"}) {
    EMBER_CHECK(info.contains(key), IO, "{}: {}: tensor '{}': the entry has no \"{}\"", src.op(),
                src.what(), name, key);
  }
  const json& dtype = info["dtype"];
  EMBER_CHECK(dtype.is_string(), IO, "{}: {}: tensor '{}': dtype {} is not a string", src.op(),
              src.what(), name, dtype.dump());
  EMBER_CHECK(dtype_from_code(dtype.get<std::string>(), e.dtype), IO,
              "{}: {}: tensor '{}': unknown dtype {} (Ember reads BOOL, U8, I32, I64, F16, BF16, "
              "F32 and F64)",
              src.op(), src.what(), name, dtype.dump());

  const json& shape = info["shape"];
  EMBER_CHECK(shape.is_array(), IO, "{}: {}: tensor '{}': shape {} is not a list", src.op(),
              src.what(), name, shape.dump());
  uint64_t numel = 1;
  bool overflow = false;
  for (const json& s : shape) {
    const uint64_t size = json_unsigned(src, name, "shape", s);
    EMBER_CHECK(size <= static_cast<uint64_t>(INT64_MAX), IO,
                "{}: {}: tensor '{}': size {} in shape is too large", src.op(), src.what(), name,
                size);
    e.shape.push_back(static_cast<int64_t>(size));
    overflow = overflow || __builtin_mul_overflow(numel, size, &numel);
  }
  const uint64_t itemsize = element_size(e.dtype);
  uint64_t nbytes = 0;
  overflow = overflow || __builtin_mul_overflow(numel, itemsize, &nbytes);

  const json& offsets = info["data_offsets"];
  EMBER_CHECK(offsets.is_array() && offsets.size() == 2, IO,
              "{}: {}: tensor '{}': data_offsets {} is not a list of two offsets", src.op(),
              src.what(), name, offsets.dump());
  e.begin = json_unsigned(src, name, "data_offsets", offsets[0]);
  e.end = json_unsigned(src, name, "data_offsets", offsets[1]);
  EMBER_CHECK(e.begin <= e.end, IO, "{}: {}: tensor '{}': data_offsets [{}, {}] are reversed",
              src.op(), src.what(), name, e.begin, e.end);
  EMBER_CHECK(e.end <= data_size, IO,
              "{}: {}: tensor '{}': data_offsets [{}, {}] run past the end of the data ({} bytes): "
              "the file is truncated or the offsets are out of range",
              src.op(), src.what(), name, e.begin, e.end, data_size);
  EMBER_CHECK(
      !overflow && e.end - e.begin == nbytes, IO,
      "{}: {}: tensor '{}': data_offsets [{}, {}] hold {} bytes but shape {} of {} needs {}",
      src.op(), src.what(), name, e.begin, e.end, e.end - e.begin, detail::shape_string(e.shape),
      dtype.get<std::string>(), overflow ? std::string("more than 2^64") : std::to_string(nbytes));
  return e;
}

// Reads and checks the length, the JSON and every entry against the size of the source.
Header read_header(const ByteSource& src) {
  const uint64_t size = src.size();
  EMBER_CHECK(size >= 8, IO, "{}: {}: too small ({} bytes) to hold the 8-byte header length",
              src.op(), src.what(), size);
  unsigned char length_bytes[8];
  src.read(0, length_bytes, 8);
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | length_bytes[i];
  EMBER_CHECK(n <= kMaxHeaderBytes, IO,
              "{}: {}: header length {} is absurd (the limit is {} bytes): not a safetensors file "
              "or corrupted",
              src.op(), src.what(), n, kMaxHeaderBytes);
  EMBER_CHECK(n <= size - 8, IO,
              "{}: {}: header length {} is larger than the file ({} bytes after the length): "
              "truncated or not a safetensors file",
              src.op(), src.what(), n, size - 8);
  std::string text(static_cast<size_t>(n), '\0');
  src.read(8, text.data(), text.size());

  const json root = parse_json(src, text);
  EMBER_CHECK(root.is_object(), IO, "{}: {}: the header is not a JSON object but {}", src.op(),
              src.what(), root.type_name());
  Header header;
  header.data_start = 8 + n;
  const uint64_t data_size = size - header.data_start;
  for (auto it = root.begin(); it != root.end(); ++it) {
    if (it.key() == kMetadataKey) {
      EMBER_CHECK(it.value().is_object(), IO, "{}: {}: \"__metadata__\" is not a JSON object",
                  src.op(), src.what());
      for (auto m = it.value().begin(); m != it.value().end(); ++m) {
        EMBER_CHECK(m.value().is_string(), IO,
                    "{}: {}: \"__metadata__\" value of \"{}\" is {}, not a string", src.op(),
                    src.what(), m.key(), m.value().dump());
        header.metadata.emplace(m.key(), m.value().get<std::string>());
      }
      continue;
    }
    header.entries.push_back(parse_entry(src, it.key(), it.value(), data_size));
  }

  // The byte ranges must tile [0, data_size) (Note [Safetensors layout]).
  std::vector<const Entry*> by_offset;
  for (const Entry& e : header.entries) by_offset.push_back(&e);
  std::sort(by_offset.begin(), by_offset.end(), [](const Entry* a, const Entry* b) {
    return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
  });
  uint64_t expected = 0;
  const Entry* previous = nullptr;
  for (const Entry* e : by_offset) {
    EMBER_CHECK(e->begin >= expected, IO,
                "{}: {}: tensors '{}' (bytes [{}, {})) and '{}' (bytes [{}, {})) overlap", src.op(),
                src.what(), previous ? previous->name : "", previous ? previous->begin : 0,
                expected, e->name, e->begin, e->end);
    EMBER_CHECK(e->begin == expected, IO,
                "{}: {}: a gap of {} bytes lies before tensor '{}' (bytes [{}, {}))", src.op(),
                src.what(), e->begin - expected, e->name, e->begin, e->end);
    expected = e->end;
    previous = e;
  }
  EMBER_CHECK(expected == data_size, IO,
              "{}: {}: {} bytes follow the last tensor's data (the data section holds {} bytes, "
              "the header describes {})",
              src.op(), src.what(), data_size - expected, data_size, expected);
  return header;
}

TensorMap read_tensors(const ByteSource& src, Device device) {
  const Header header = read_header(src);
  TensorMap tensors;
  for (const Entry& e : header.entries) {
    Tensor t = detail::empty_tensor(e.shape, e.dtype, Device(kCPU));
    src.read(header.data_start + e.begin, t.data_ptr(), static_cast<size_t>(e.end - e.begin));
    if (e.dtype == kBool) {
      // Any non-zero byte is true; a bool must hold 0 or 1.
      auto* bytes = static_cast<unsigned char*>(t.data_ptr());
      for (int64_t i = 0; i < t.numel(); ++i) bytes[i] = bytes[i] != 0;
    }
    tensors.emplace(e.name, device.is_cpu() ? t : t.to(device));
  }
  return tensors;
}

// ---- writing ----

// The header bytes (length + padded JSON) of tensors written in name order without gaps.
std::string make_header(const char* op, const TensorMap& tensors,
                        const SafetensorsMetadata& metadata) {
  ordered_json root = ordered_json::object();
  if (!metadata.empty()) {
    ordered_json meta = ordered_json::object();
    for (const auto& [key, value] : metadata) meta[key] = value;
    root[kMetadataKey] = std::move(meta);
  }
  uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    EMBER_CHECK(t.defined(), Value, "{}: tensor '{}' is undefined", op, name);
    EMBER_CHECK(name != kMetadataKey, Value,
                "{}: \"__metadata__\" is reserved for the metadata and cannot name a tensor", op);
    const uint64_t nbytes = t.nbytes();
    ordered_json entry = ordered_json::object();
    entry["dtype"] = dtype_code(t.dtype());
    entry["shape"] = ordered_json::array();
    for (int64_t s : t.sizes()) entry["shape"].push_back(s);
    entry["data_offsets"] = {offset, offset + nbytes};
    root[name] = std::move(entry);
    offset += nbytes;
  }
  std::string text;
  try {
    text = root.dump();
  } catch (const ordered_json::exception& e) {
    EMBER_FAIL(Value, "{}: a tensor name or metadata string is not valid UTF-8 ({})", op, e.what());
  }
  text.append((8 - text.size() % 8) % 8, ' ');
  std::string header(8, '\0');
  const uint64_t n = text.size();
  for (int i = 0; i < 8; ++i) header[static_cast<size_t>(i)] = static_cast<char>(n >> (8 * i));
  return header + text;
}

// A contiguous CPU tensor with t's values (t itself when it already is one).
Tensor host_contiguous(const Tensor& t) {
  return t.to(Device(kCPU)).contiguous();
}

// "<path>.tmp.<pid>", removed on destruction unless committed by renaming it over path.
class TempFile {
 public:
  TempFile(const char* op, const std::string& path)
      : op_(op), path_(path), temp_(fmt::format("{}.tmp.{}", path, ::getpid())) {
    fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    EMBER_CHECK(fd_ >= 0, IO, "{}: cannot create '{}' to write '{}': {}", op, temp_, path,
                std::strerror(errno));
  }
  ~TempFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(temp_.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  void write(const void* data, size_t n) {
    const char* p = static_cast<const char*>(data);
    while (n > 0) {
      const ssize_t done = ::write(fd_, p, n);
      if (done < 0 && errno == EINTR) continue;
      EMBER_CHECK(done > 0, IO, "{}: writing '{}' failed: {}", op_, temp_,
                  done < 0 ? std::strerror(errno) : "no progress");
      p += done;
      n -= static_cast<size_t>(done);
    }
  }

  // Flushes to disk and renames over the target; the directory entry is flushed best-effort.
  void commit() {
    EMBER_CHECK(::fsync(fd_) == 0, IO, "{}: flushing '{}' failed: {}", op_, temp_,
                std::strerror(errno));
    const int fd = fd_;
    fd_ = -1;
    EMBER_CHECK(::close(fd) == 0, IO, "{}: closing '{}' failed: {}", op_, temp_,
                std::strerror(errno));
    EMBER_CHECK(::rename(temp_.c_str(), path_.c_str()) == 0, IO,
                "{}: cannot rename '{}' to '{}': {}", op_, temp_, path_, std::strerror(errno));
    committed_ = true;
    const size_t slash = path_.rfind('/');
    const std::string dir = slash == std::string::npos ? "." : path_.substr(0, slash + 1);
    const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd >= 0) {
      (void)::fsync(dir_fd);
      ::close(dir_fd);
    }
  }

 private:
  const char* op_;
  std::string path_, temp_;
  int fd_ = -1;
  bool committed_ = false;
};

}  // namespace

std::string serialize_safetensors(const TensorMap& tensors, const SafetensorsMetadata& metadata) {
  std::string bytes = make_header("serialize_safetensors", tensors, metadata);
  for (const auto& [name, t] : tensors) {
    const Tensor host = host_contiguous(t);
    if (host.nbytes() > 0) bytes.append(static_cast<const char*>(host.data_ptr()), host.nbytes());
  }
  return bytes;
}

void save_safetensors(const std::string& path, const TensorMap& tensors,
                      const SafetensorsMetadata& metadata) {
  const char* op = "save_safetensors";
  const std::string header = make_header(op, tensors, metadata);  // checks before any file work
  TempFile file(op, path);
  file.write(header.data(), header.size());
  for (const auto& [name, t] : tensors) {
    const Tensor host = host_contiguous(t);
    file.write(host.data_ptr(), host.nbytes());
  }
  file.commit();
}

TensorMap load_safetensors(const std::string& path, Device device) {
  return read_tensors(FileSource("load_safetensors", path), device);
}

SafetensorsMetadata load_safetensors_metadata(const std::string& path) {
  return read_header(FileSource("load_safetensors_metadata", path)).metadata;
}

TensorMap deserialize_safetensors(std::string_view bytes, Device device) {
  return read_tensors(MemorySource("deserialize_safetensors", bytes), device);
}

SafetensorsMetadata deserialize_safetensors_metadata(std::string_view bytes) {
  return read_header(MemorySource("deserialize_safetensors_metadata", bytes)).metadata;
}

}  // namespace ember
