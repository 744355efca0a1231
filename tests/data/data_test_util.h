// Helpers of the data tests: a temporary folder removed at the end of a test, raw file writing,
// and comparison of whole batches.
#pragma once

#include <gtest/gtest.h>

#include <unistd.h>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "ember/ember.h"

namespace ember::testing {

// A fresh folder under the system's temporary folder, deleted with everything in it.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("ember_data_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string path() const { return path_.string(); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

inline void write_text(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream out(path, std::ios::binary);
  out << text;
}

inline std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Exact equality of sizes, dtype and values (both tensors undefined counts as equal).
inline ::testing::AssertionResult same_tensor(const Tensor& a, const Tensor& b) {
  if (a.defined() != b.defined()) return ::testing::AssertionFailure() << "one is undefined";
  if (!a.defined()) return ::testing::AssertionSuccess();
  if (a.sizes() != b.sizes() || a.dtype() != b.dtype()) {
    return ::testing::AssertionFailure() << a.toString() << " vs " << b.toString();
  }
  const std::vector<double> va = a.to_vector<double>(), vb = b.to_vector<double>();
  for (size_t i = 0; i < va.size(); ++i) {
    if (va[i] != vb[i]) {
      return ::testing::AssertionFailure()
             << "element " << i << ": " << va[i] << " vs " << vb[i] << " in " << a.toString();
    }
  }
  return ::testing::AssertionSuccess();
}

// Every batch of one epoch, copied to the CPU.
inline std::vector<data::Example<>> collect(data::DataLoader& loader) {
  std::vector<data::Example<>> out;
  for (auto& batch : loader) {
    out.emplace_back(batch.data.cpu(), batch.target.defined() ? batch.target.cpu() : Tensor());
  }
  return out;
}

// 0, 1, ..., n - 1 as int64.
inline Tensor range_tensor(int64_t n) {
  std::vector<int64_t> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = i;
  return tensor(v);
}

// An [n, rows, cols] uint8 tensor whose pixel (i, r, c) is (i * 7 + r * cols + c) mod 256.
inline Tensor pattern_images(int64_t n, int64_t rows, int64_t cols) {
  std::vector<uint8_t> v(static_cast<size_t>(n * rows * cols));
  for (size_t k = 0; k < v.size(); ++k) {
    const auto i = static_cast<int64_t>(k) / (rows * cols);
    v[k] = static_cast<uint8_t>((i * 7 + static_cast<int64_t>(k) % (rows * cols)) % 256);
  }
  return tensor(v, {n, rows, cols});
}

}  // namespace ember::testing
