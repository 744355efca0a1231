// ByteReader over zlib's gzFile (transparent for uncompressed files).
#include "ember/data/byte_reader.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

#include "ember/core/check.h"

namespace ember::data::detail {
namespace {

gzFile as_gz(void* f) {
  return static_cast<gzFile>(f);
}

}  // namespace

ByteReader::ByteReader(std::string path, std::string what)
    : path_(std::move(path)), what_(std::move(what)) {
  errno = 0;
  gzFile f = gzopen(path_.c_str(), "rb");
  EMBER_CHECK(f != nullptr, IO, "{}: cannot open '{}': {}", what_, path_,
              errno != 0 ? std::strerror(errno) : "out of memory");
  file_ = f;
  gzbuffer(f, 1 << 17);
  // gzdirect() answers after the first read: peek one byte.
  const int c = gzgetc(f);
  if (c != -1) gzungetc(c, f);
  compressed_ = gzdirect(f) == 0;
}

ByteReader::~ByteReader() {
  if (file_ != nullptr) gzclose(as_gz(file_));
}

size_t ByteReader::read(void* dst, size_t n) {
  size_t total = 0;
  char* out = static_cast<char*>(dst);
  while (total < n) {
    const size_t chunk = std::min<size_t>(n - total, size_t{1} << 30);
    const int got = gzread(as_gz(file_), out + total, static_cast<unsigned>(chunk));
    if (got < 0) {
      int code = 0;
      const char* msg = gzerror(as_gz(file_), &code);
      EMBER_FAIL(IO, "{}: cannot read '{}': {}{}", what_, path_,
                 code == Z_DATA_ERROR ? "corrupt gzip data: " : "",
                 code == Z_ERRNO ? std::strerror(errno) : msg);
    }
    total += static_cast<size_t>(got);
    if (static_cast<size_t>(got) < chunk) break;
  }
  if (total < n && compressed_) {
    int code = 0;
    const char* msg = gzerror(as_gz(file_), &code);
    EMBER_CHECK(code == Z_OK, IO, "{}: '{}' is a truncated or corrupt gzip file ({})", what_, path_,
                msg);
  }
  return total;
}

std::string ByteReader::read_rest() {
  std::string out;
  char buffer[1 << 16];
  for (;;) {
    const size_t got = read(buffer, sizeof(buffer));
    out.append(buffer, got);
    if (got < sizeof(buffer)) return out;
  }
}

std::string read_file(const std::string& path, const std::string& what) {
  ByteReader reader(path, what);
  return reader.read_rest();
}

}  // namespace ember::data::detail
