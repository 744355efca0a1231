// Tests of the safetensors reader and writer: round trips of every dtype and shape kind, metadata,
// the exact bytes of a small file, every kind of corrupted or hostile file (built by hand), and the
// atomic write (a failed save leaves the previous file and no temporary file behind).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/test_util.h"

namespace ember {
namespace {

namespace fs = std::filesystem;
using ::ember::testing::random_tensor;
using ::ember::testing::throws_with;

// Same dtype, shape and bytes.
::testing::AssertionResult identical(const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype() || a.sizes() != b.sizes()) {
    return ::testing::AssertionFailure() << a.toString() << " vs " << b.toString();
  }
  const Tensor ca = a.cpu().contiguous(), cb = b.cpu().contiguous();
  if (a.nbytes() && std::memcmp(ca.data_ptr(), cb.data_ptr(), a.nbytes()) != 0) {
    return ::testing::AssertionFailure() << "the bytes of " << a.toString() << " differ";
  }
  return ::testing::AssertionSuccess();
}

// A file of the format from its parts: the header length (the JSON's unless given), the JSON,
// the data.
std::string file_bytes(const std::string& header, const std::string& data,
                       std::optional<uint64_t> length = std::nullopt) {
  const uint64_t n = length.value_or(header.size());
  std::string out;
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  return out + header + data;
}

// A fresh directory for one test, removed afterwards.
class SafetensorsFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "ember_safetensors_XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  // Names of every file in the directory.
  std::vector<std::string> listing() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_)) names.push_back(e.path().filename());
    std::sort(names.begin(), names.end());
    return names;
  }
  void write(const std::string& name, const std::string& bytes) const {
    std::ofstream(path(name), std::ios::binary) << bytes;
  }

  fs::path dir_;
};

TensorMap every_dtype() {
  TensorMap m;
  m["f32"] = random_tensor({3, 4}, kFloat32);
  m["f64"] = random_tensor({5}, kFloat64);
  m["f16"] = random_tensor({2, 3}, kFloat16);
  m["bf16"] = random_tensor({2, 2, 2}, kBFloat16);
  m["i64"] = random_tensor({4}, kInt64, -1000, 1000);
  m["i32"] = random_tensor({2, 5}, kInt32, -1000, 1000);
  m["u8"] = random_tensor({7}, kUInt8, 0, 255);
  m["bool"] = random_tensor({3, 3}) > 0.0;
  m["scalar"] = scalar_tensor(2.5, kFloat64);
  m["empty"] = zeros({0, 3}, kInt32);
  m["empty_vec"] = zeros({0});
  return m;
}

// ---- round trips ----

TEST(Safetensors, RoundTripsEveryDtypeZeroDimAndEmptyInMemory) {
  const TensorMap in = every_dtype();
  const SafetensorsMetadata meta = {{"format", "pt"}, {"note", "ünïcode \"quoted\"\n"}};
  const std::string bytes = serialize_safetensors(in, meta);
  const TensorMap out = deserialize_safetensors(bytes);
  ASSERT_EQ(out.size(), in.size());
  for (const auto& [name, t] : in) {
    ASSERT_TRUE(out.count(name)) << name;
    EXPECT_TRUE(identical(out.at(name), t)) << name;
  }
  EXPECT_EQ(deserialize_safetensors_metadata(bytes), meta);
  EXPECT_TRUE(deserialize_safetensors_metadata(serialize_safetensors(in)).empty());
  // Header length and data start are 8-byte aligned.
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  EXPECT_EQ(n % 8, 0u);
}

TEST_F(SafetensorsFiles, RoundTripsThroughAFile) {
  const TensorMap in = every_dtype();
  save_safetensors(path("model.safetensors"), in, {{"epoch", "3"}});
  const TensorMap out = load_safetensors(path("model.safetensors"));
  ASSERT_EQ(out.size(), in.size());
  for (const auto& [name, t] : in) EXPECT_TRUE(identical(out.at(name), t)) << name;
  EXPECT_EQ(load_safetensors_metadata(path("model.safetensors")),
            (SafetensorsMetadata{{"epoch", "3"}}));
  EXPECT_EQ(listing(), std::vector<std::string>{"model.safetensors"});
  // The file holds exactly what serialize_safetensors gives.
  std::ifstream f(path("model.safetensors"), std::ios::binary);
  const std::string on_disk((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_EQ(on_disk, serialize_safetensors(in, {{"epoch", "3"}}));
}

TEST(Safetensors, WritesStridedTensorsByValue) {
  const Tensor base = random_tensor({4, 6});
  const TensorMap in = {{"t", base.t()},
                        {"slice", base.slice(1, 1, 6, 2)},
                        {"expanded", tensor({1.0, 2.0}).unsqueeze(0).expand({3, 2})}};
  const TensorMap out = deserialize_safetensors(serialize_safetensors(in));
  for (const auto& [name, t] : in) {
    EXPECT_TRUE(out.at(name).is_contiguous()) << name;
    EXPECT_TRUE(identical(out.at(name), t)) << name;
  }
}

TEST(Safetensors, WritesTheExactBytesOfTheFormat) {
  const TensorMap in = {{"b", scalar_tensor(int64_t{7})}, {"a", tensor({1.0, -2.0})}};
  const std::string json =
      R"({"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
      R"("b":{"dtype":"I64","shape":[],"data_offsets":[8,16]}}      )";  // 138 + 6 spaces
  ASSERT_EQ(json.size(), 144u);
  const std::string expected = std::string("\x90\0\0\0\0\0\0\0", 8) + json +
                               std::string("\0\0\x80\x3f\0\0\0\xc0", 8) +  // 1.0f, -2.0f
                               std::string("\x07\0\0\0\0\0\0\0", 8);       // int64 7
  EXPECT_EQ(serialize_safetensors(in, {{"format", "pt"}}), expected);
  // And the reader takes a file of the reference layout without padding.
  const std::string compact = file_bytes(
      R"({"x":{"dtype":"I32","shape":[1],"data_offsets":[0,4]}})", std::string("\x05\0\0\0", 4));
  EXPECT_EQ(deserialize_safetensors(compact).at("x").to_vector<int32_t>(), std::vector<int32_t>{5});
}

TEST(Safetensors, BoolBytesOtherThanOneReadAsTrue) {
  const std::string bytes = file_bytes(R"({"m":{"dtype":"BOOL","shape":[3],"data_offsets":[0,3]}})",
                                       std::string("\x00\x02\x01", 3));
  const Tensor m = deserialize_safetensors(bytes).at("m");
  EXPECT_EQ(m.to(kInt64).to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 1}));
}

TEST(Safetensors, EmptyMapAndNamesThatNeedEscaping) {
  EXPECT_TRUE(deserialize_safetensors(serialize_safetensors({})).empty());
  const TensorMap in = {{"layer.0/w \"q\"\\", ones({2})}, {"", zeros({1})}};
  const TensorMap out = deserialize_safetensors(serialize_safetensors(in));
  for (const auto& [name, t] : in) EXPECT_TRUE(identical(out.at(name), t)) << name;
}

TEST(Safetensors, RefusesToWriteUndefinedOrReservedNames) {
  EXPECT_TRUE(throws_with<ValueError>(
      [] {
        (void)serialize_safetensors({{"w", Tensor()}});
      },
      {"serialize_safetensors", "'w'", "undefined"}));
  EXPECT_TRUE(throws_with<ValueError>(
      [] {
        (void)serialize_safetensors({{"__metadata__", ones({1})}});
      },
      {"serialize_safetensors", "__metadata__", "reserved"}));
  EXPECT_TRUE(throws_with<ValueError>(
      [] {
        (void)serialize_safetensors({{std::string("bad\xff"), ones({1})}});
      },
      {"serialize_safetensors", "UTF-8"}));
}

// ---- hostile and corrupted input ----

// deserialize_safetensors(bytes) throws an IOError naming the buffer and every part.
::testing::AssertionResult refused(const std::string& bytes,
                                   std::initializer_list<std::string> parts) {
  std::vector<std::string> all = {"deserialize_safetensors",
                                  "buffer of " + std::to_string(bytes.size()) + " bytes"};
  all.insert(all.end(), parts.begin(), parts.end());
  try {
    (void)deserialize_safetensors(bytes);
  } catch (const IOError& e) {
    const std::string msg = e.what();
    for (const std::string& p : all) {
      if (msg.find(p) == std::string::npos) {
        return ::testing::AssertionFailure() << "message \"" << msg << "\" lacks \"" << p << "\"";
      }
    }
    return ::testing::AssertionSuccess();
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << "threw another exception: " << e.what();
  }
  return ::testing::AssertionFailure() << "did not throw";
}

std::string entry(const std::string& name, const std::string& dtype, const std::string& shape,
                  const std::string& offsets) {
  return "\"" + name + R"(":{"dtype":")" + dtype + R"(","shape":)" + shape + R"(,"data_offsets":)" +
         offsets + "}";
}

TEST(SafetensorsHostile, BadHeaderLength) {
  EXPECT_TRUE(refused(std::string("\x10\0\0", 3), {"too small", "3 bytes"}));
  EXPECT_TRUE(refused(std::string(), {"too small", "0 bytes"}));
  const std::string json = "{" + entry("a", "F32", "[1]", "[0,4]") + "}";
  EXPECT_TRUE(
      refused(file_bytes(json, std::string(4, '\0'), json.size() + 5),
              {"header length " + std::to_string(json.size() + 5), "larger than the file"}));
  EXPECT_TRUE(refused(file_bytes(json, "", uint64_t{1} << 63),
                      {"header length 9223372036854775808", "absurd"}));
  EXPECT_TRUE(refused(file_bytes(json, "", 100'000'001), {"100000001", "absurd"}));
}

TEST(SafetensorsHostile, BadJson) {
  EXPECT_TRUE(refused(file_bytes(R"({"a": )", ""), {"not valid JSON"}));
  EXPECT_TRUE(refused(file_bytes("", ""), {"not valid JSON"}));
  EXPECT_TRUE(refused(file_bytes(std::string("{\0}", 3), ""), {"not valid JSON"}));
  EXPECT_TRUE(refused(file_bytes("[1, 2]", ""), {"not a JSON object", "array"}));
  EXPECT_TRUE(refused(file_bytes(R"("text")", ""), {"not a JSON object", "string"}));
  EXPECT_TRUE(refused(file_bytes(R"({"a": 3})", ""), {"tensor 'a'", "not a JSON object"}));
  EXPECT_TRUE(
      refused(file_bytes(std::string(5000, '[') + std::string(5000, ']'), ""), {"nests deeper"}));
}

TEST(SafetensorsHostile, BadDtypeAndShape) {
  auto one = [](const std::string& dtype, const std::string& shape, const std::string& offsets,
                size_t data) {
    return file_bytes("{" + entry("w", dtype, shape, offsets) + "}", std::string(data, '\0'));
  };
  EXPECT_TRUE(refused(one("I16", "[2]", "[0,4]", 4), {"tensor 'w'", "unknown dtype \"I16\""}));
  EXPECT_TRUE(refused(one("F8_E4M3", "[2]", "[0,2]", 2), {"unknown dtype \"F8_E4M3\""}));
  EXPECT_TRUE(refused(
      file_bytes(R"({"w":{"dtype":5,"shape":[1],"data_offsets":[0,4]}})", std::string(4, '\0')),
      {"tensor 'w'", "dtype 5 is not a string"}));
  EXPECT_TRUE(refused(one("F32", "[-1]", "[0,4]", 4), {"tensor 'w'", "shape", "negative", "-1"}));
  EXPECT_TRUE(refused(one("F32", "[2.5]", "[0,4]", 4), {"tensor 'w'", "2.5", "not a"}));
  EXPECT_TRUE(refused(one("F32", "[\"2\"]", "[0,8]", 8), {"tensor 'w'", "\"2\"", "not a"}));
  EXPECT_TRUE(refused(one("F32", "2", "[0,8]", 8), {"tensor 'w'", "shape 2 is not a list"}));
  EXPECT_TRUE(refused(one("F32", "[4611686018427387904,4611686018427387904]", "[0,8]", 8),
                      {"tensor 'w'", "more than 2^64"}));
  EXPECT_TRUE(refused(file_bytes(R"({"w":{"dtype":"F32","data_offsets":[0,4]}})", ""),
                      {"tensor 'w'", "no \"shape\""}));
}

TEST(SafetensorsHostile, BadOffsets) {
  auto one = [](const std::string& shape, const std::string& offsets, size_t data) {
    return file_bytes("{" + entry("w", "F32", shape, offsets) + "}", std::string(data, '\0'));
  };
  EXPECT_TRUE(refused(one("[2]", "[0,800]", 8), {"tensor 'w'", "[0, 800]", "run past", "8 bytes"}));
  EXPECT_TRUE(refused(one("[2]", "[8,0]", 8), {"tensor 'w'", "[8, 0]", "reversed"}));
  EXPECT_TRUE(refused(one("[3]", "[0,8]", 8), {"tensor 'w'", "hold 8 bytes", "[3]", "needs 12"}));
  EXPECT_TRUE(refused(one("[2]", "[0]", 8), {"tensor 'w'", "not a list of two offsets"}));
  EXPECT_TRUE(refused(one("[2]", "[0,8,9]", 8), {"tensor 'w'", "not a list of two offsets"}));
  EXPECT_TRUE(refused(one("[2]", "[-8,0]", 8), {"tensor 'w'", "data_offsets", "negative"}));
  EXPECT_TRUE(refused(one("[0]", "[1e3,1e3]", 8), {"tensor 'w'", "1000.0", "not a"}));
}

TEST(SafetensorsHostile, OverlapsGapsAndTrailingBytes) {
  const std::string overlap =
      "{" + entry("a", "F32", "[2]", "[0,8]") + "," + entry("b", "F32", "[2]", "[4,12]") + "}";
  EXPECT_TRUE(refused(file_bytes(overlap, std::string(12, '\0')),
                      {"'a' (bytes [0, 8))", "'b' (bytes [4, 12))", "overlap"}));
  const std::string same =
      "{" + entry("a", "F32", "[2]", "[0,8]") + "," + entry("b", "I32", "[2]", "[0,8]") + "}";
  EXPECT_TRUE(refused(file_bytes(same, std::string(8, '\0')), {"overlap"}));
  const std::string gap =
      "{" + entry("a", "F32", "[1]", "[0,4]") + "," + entry("b", "F32", "[1]", "[8,12]") + "}";
  EXPECT_TRUE(refused(file_bytes(gap, std::string(12, '\0')), {"gap of 4 bytes", "'b'"}));
  const std::string one = "{" + entry("a", "F32", "[1]", "[0,4]") + "}";
  EXPECT_TRUE(refused(file_bytes(one, std::string(6, '\0')), {"2 bytes follow the last tensor"}));
}

TEST(SafetensorsHostile, DuplicateNamesAndBadMetadata) {
  const std::string dup =
      "{" + entry("a", "F32", "[1]", "[0,4]") + "," + entry("a", "F32", "[1]", "[4,8]") + "}";
  EXPECT_TRUE(refused(file_bytes(dup, std::string(8, '\0')), {"duplicate key \"a\""}));
  EXPECT_TRUE(
      refused(file_bytes(R"({"w":{"dtype":"F32","dtype":"I32","shape":[1],"data_offsets":[0,4]}})",
                         std::string(4, '\0')),
              {"duplicate key \"dtype\""}));
  EXPECT_TRUE(refused(file_bytes(R"({"__metadata__":{"k":1}})", ""),
                      {"__metadata__", "\"k\"", "not a string"}));
  EXPECT_TRUE(refused(file_bytes(R"({"__metadata__":[]})", ""), {"__metadata__", "not a JSON"}));
}

TEST(SafetensorsHostile, TruncatedData) {
  const std::string full = serialize_safetensors({{"a", ones({4})}, {"b", ones({2}, kInt64)}});
  const std::string cut = full.substr(0, full.size() - 5);
  EXPECT_TRUE(refused(cut, {"tensor 'b'", "run past the end", "truncated"}));
  // Every prefix of a valid file is refused without reading out of bounds.
  for (size_t n = 0; n < full.size(); ++n) {
    EXPECT_THROW((void)deserialize_safetensors(std::string_view(full).substr(0, n)), IOError)
        << "prefix of " << n << " bytes";
  }
}

TEST(SafetensorsHostile, CorruptedBytesNeverCrash) {
  const std::string full = serialize_safetensors(every_dtype(), {{"k", "v"}});
  uint64_t n = 0;
  std::memcpy(&n, full.data(), 8);
  // Overwrite each header byte with characters that break or change JSON tokens.
  for (size_t i = 0; i < 8 + n; ++i) {
    for (char c : {'\0', '"', '9', '-', '{', ']', ' ', 'x'}) {
      std::string bad = full;
      bad[i] = c;
      try {
        (void)deserialize_safetensors(bad);
      } catch (const IOError&) {
      }
    }
  }
  SUCCEED();
}

TEST_F(SafetensorsFiles, FileErrorsNameTheFile) {
  EXPECT_TRUE(throws_with<IOError>([&] { (void)load_safetensors(path("missing.safetensors")); },
                                   {"load_safetensors", "missing.safetensors", "cannot open"}));
  EXPECT_TRUE(throws_with<IOError>([&] { (void)load_safetensors(dir_.string()); },
                                   {"load_safetensors", dir_.string(), "directory"}));
  write("short.safetensors", file_bytes("{}", "", 64));
  EXPECT_TRUE(throws_with<IOError>(
      [&] { (void)load_safetensors(path("short.safetensors")); },
      {"load_safetensors", "file '" + path("short.safetensors") + "'", "header length 64"}));
  const std::string full = serialize_safetensors({{"a", ones({1000})}});
  write("cut.safetensors", full.substr(0, full.size() - 1));
  EXPECT_TRUE(throws_with<IOError>([&] { (void)load_safetensors(path("cut.safetensors")); },
                                   {"cut.safetensors", "tensor 'a'", "truncated"}));
  EXPECT_TRUE(
      throws_with<IOError>([&] { (void)load_safetensors_metadata(path("cut.safetensors")); },
                           {"load_safetensors_metadata", "cut.safetensors", "truncated"}));
}

// ---- atomic writes ----

TEST_F(SafetensorsFiles, FailedSaveLeavesThePreviousFileAndNoTemporary) {
  const std::string target = path("ckpt.safetensors");
  const TensorMap first = {{"w", random_tensor({16})}};
  save_safetensors(target, first);

  // A tensor that cannot be serialised: refused before any file is touched.
  EXPECT_TRUE(throws_with<ValueError>(
      [&] {
        save_safetensors(target, {{"w", ones({16})}, {"x", Tensor()}});
      },
      {"save_safetensors", "'x'", "undefined"}));
  EXPECT_TRUE(identical(load_safetensors(target).at("w"), first.at("w")));
  EXPECT_EQ(listing(), std::vector<std::string>{"ckpt.safetensors"});

  // The rename fails (the target is a non-empty directory) after the temporary file was written:
  // the temporary file is removed.
  fs::create_directory(path("occupied"));
  write("occupied/inside", "x");
  EXPECT_TRUE(throws_with<IOError>([&] { save_safetensors(path("occupied"), first); },
                                   {"save_safetensors", "occupied", "rename"}));
  EXPECT_EQ(listing(), (std::vector<std::string>{"ckpt.safetensors", "occupied"}));

  // A directory that does not exist.
  EXPECT_TRUE(
      throws_with<IOError>([&] { save_safetensors(path("no/such/dir/x.safetensors"), first); },
                           {"save_safetensors", "no/such/dir/x.safetensors", "cannot create"}));

  // A successful save replaces the file whole.
  const TensorMap second = {{"v", random_tensor({3}, kFloat64)}};
  save_safetensors(target, second);
  const TensorMap loaded = load_safetensors(target);
  ASSERT_EQ(loaded.size(), 1u);
  EXPECT_TRUE(identical(loaded.at("v"), second.at("v")));
  EXPECT_EQ(listing(), (std::vector<std::string>{"ckpt.safetensors", "occupied"}));
}

TEST_F(SafetensorsFiles, CudaTensorsSaveAndLoad) {
  EMBER_REQUIRE_CUDA();
  const Tensor w = random_tensor({5, 7});
  save_safetensors(path("gpu.safetensors"), {{"w", w.cuda().t()}});
  const TensorMap out = load_safetensors(path("gpu.safetensors"), Device(kCUDA, 0));
  EXPECT_TRUE(out.at("w").is_cuda());
  EXPECT_TRUE(identical(out.at("w"), w.t()));
}

}  // namespace
}  // namespace ember
