// ByteReader (internal to data/): sequential reads from a file that may be gzip-compressed
// (detected from its first bytes, whatever its name), through zlib, which reads plain files
// unchanged. A gzip stream cut short is an IOError naming the file, not a silently short read.
#pragma once

#include <cstddef>
#include <string>

#include "ember/core/macros.h"

namespace ember::data::detail {

class EMBER_API ByteReader {
 public:
  // Opens path; throws IOError naming `what` (the reader, e.g. "read_idx") and the file.
  ByteReader(std::string path, std::string what);
  ~ByteReader();
  ByteReader(const ByteReader&) = delete;
  ByteReader& operator=(const ByteReader&) = delete;

  // Reads up to n bytes into dst and returns how many it read (fewer only at the end of the
  // data). Throws IOError on a read error or a truncated or corrupt gzip stream.
  size_t read(void* dst, size_t n);
  // Everything from the current position to the end.
  std::string read_rest();
  // True when the file is gzip-compressed.
  bool compressed() const { return compressed_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::string what_;
  void* file_ = nullptr;  // gzFile
  bool compressed_ = false;
};

// The whole (decompressed) contents of a file.
EMBER_API std::string read_file(const std::string& path, const std::string& what);

}  // namespace ember::data::detail
