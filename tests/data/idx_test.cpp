// Tests of the IDX reader and writer and of load_mnist: files the tests write themselves (raw and
// gzipped, hand-made bytes checked against the format, any count and image size, 8x8 images),
// and corrupt ones: bad magic, unknown type, truncated header and data, bytes past the data, a
// cut gzip stream, missing files, and image and label files that disagree.
#include <gtest/gtest.h>

#include <zlib.h>

#include <cstdint>
#include <string>
#include <vector>

#include "tests/data/data_test_util.h"
#include "tests/support/test_util.h"

namespace ember {
namespace {

using data::load_mnist;
using data::MnistSplit;
using data::read_idx;
using data::write_idx;
using testing::pattern_images;
using testing::same_tensor;
using testing::TempDir;
using testing::throws_with;
using testing::write_bytes;

// The bytes of a uint8 IDX file with the given dims, followed by `values`.
std::vector<uint8_t> idx_bytes(uint8_t type, const std::vector<uint32_t>& dims,
                               const std::vector<uint8_t>& values) {
  std::vector<uint8_t> b{0, 0, type, static_cast<uint8_t>(dims.size())};
  for (uint32_t d : dims) {
    b.insert(b.end(), {static_cast<uint8_t>(d >> 24), static_cast<uint8_t>(d >> 16),
                       static_cast<uint8_t>(d >> 8), static_cast<uint8_t>(d)});
  }
  b.insert(b.end(), values.begin(), values.end());
  return b;
}

std::vector<uint8_t> gzip(const std::vector<uint8_t>& raw) {
  TempDir dir;
  const std::string path = dir.file("x.gz");
  gzFile f = gzopen(path.c_str(), "wb");
  gzwrite(f, raw.data(), static_cast<unsigned>(raw.size()));
  gzclose(f);
  return testing::read_bytes(path);
}

TEST(Idx, ReadsHandWrittenUint8FileWithItsDims) {
  TempDir dir;
  std::vector<uint8_t> values(2 * 3 * 4);
  for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<uint8_t>(250 - i);
  write_bytes(dir.file("a.idx"), idx_bytes(0x08, {2, 3, 4}, values));
  Tensor t = read_idx(dir.file("a.idx"));
  EXPECT_EQ(t.dtype(), kUInt8);
  EXPECT_EQ(t.sizes(), IntArrayRef({2, 3, 4}));
  const std::vector<int64_t> got = t.to_vector<int64_t>();
  for (size_t i = 0; i < values.size(); ++i) EXPECT_EQ(got[i], values[i]) << i;
}

TEST(Idx, ReadsBigEndianIntShortSignedByteFloatAndDouble) {
  TempDir dir;
  // int32 -2 and 258 (big-endian).
  write_bytes(dir.file("i.idx"), idx_bytes(0x0C, {2}, {0xFF, 0xFF, 0xFF, 0xFE, 0, 0, 1, 2}));
  EXPECT_EQ(read_idx(dir.file("i.idx")).to_vector<int64_t>(), (std::vector<int64_t>{-2, 258}));
  // int16 -3 and 513 become int32.
  write_bytes(dir.file("s.idx"), idx_bytes(0x0B, {2}, {0xFF, 0xFD, 0x02, 0x01}));
  Tensor s = read_idx(dir.file("s.idx"));
  EXPECT_EQ(s.dtype(), kInt32);
  EXPECT_EQ(s.to_vector<int64_t>(), (std::vector<int64_t>{-3, 513}));
  // int8 -1 and 5.
  write_bytes(dir.file("b.idx"), idx_bytes(0x09, {2}, {0xFF, 0x05}));
  EXPECT_EQ(read_idx(dir.file("b.idx")).to_vector<int64_t>(), (std::vector<int64_t>{-1, 5}));
  // float 1.5 = 0x3FC00000, double -2.25 = 0xC002000000000000.
  write_bytes(dir.file("f.idx"), idx_bytes(0x0D, {1}, {0x3F, 0xC0, 0, 0}));
  Tensor f = read_idx(dir.file("f.idx"));
  EXPECT_EQ(f.dtype(), kFloat32);
  EXPECT_EQ(f.to_vector<double>(), std::vector<double>{1.5});
  write_bytes(dir.file("d.idx"), idx_bytes(0x0E, {1}, {0xC0, 0x02, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(read_idx(dir.file("d.idx")).to_vector<double>(), std::vector<double>{-2.25});
}

TEST(Idx, WriteThenReadRoundTripsEveryTypeRawAndGzipped) {
  TempDir dir;
  const std::vector<Tensor> tensors = {
      pattern_images(3, 5, 7),
      tensor(std::vector<int32_t>{-7, 0, 1 << 30, -(1 << 30), 42, 3}, {2, 3}),
      testing::random_tensor({4, 2, 3}, kFloat32),
      testing::random_tensor({5}, kFloat64),
  };
  for (const Tensor& t : tensors) {
    for (const char* name : {"t.idx", "t.idx.gz"}) {
      write_idx(dir.file(name), t);
      EXPECT_TRUE(same_tensor(read_idx(dir.file(name)), t)) << name << " " << t.toString();
    }
  }
  // The .gz file really is gzip (magic 1f 8b), the other one raw IDX.
  write_idx(dir.file("u.idx.gz"), tensors[0]);
  write_idx(dir.file("u.idx"), tensors[0]);
  EXPECT_EQ(testing::read_bytes(dir.file("u.idx.gz"))[0], 0x1F);
  EXPECT_EQ(testing::read_bytes(dir.file("u.idx"))[2], 0x08);
}

TEST(Idx, GzipIsDetectedFromContentNotName) {
  TempDir dir;
  const std::vector<uint8_t> raw = idx_bytes(0x08, {2, 2}, {1, 2, 3, 4});
  write_bytes(dir.file("no-extension"), gzip(raw));
  EXPECT_EQ(read_idx(dir.file("no-extension")).to_vector<int64_t>(),
            (std::vector<int64_t>{1, 2, 3, 4}));
}

TEST(Idx, ErrorsNameTheFileAndWhatIsWrong) {
  TempDir dir;
  const std::string bad_magic = dir.file("bad_magic");
  write_bytes(bad_magic, {0x12, 0x34, 0x08, 0x01, 0, 0, 0, 1, 9});
  EXPECT_TRUE(throws_with<IOError>([&] { read_idx(bad_magic); },
                                   {"read_idx", bad_magic, "bad magic number 0x12340801"}));

  const std::string bad_type = dir.file("bad_type");
  write_bytes(bad_type, {0, 0, 0x07, 1, 0, 0, 0, 1, 9});
  EXPECT_TRUE(
      throws_with<IOError>([&] { read_idx(bad_type); }, {bad_type, "bad magic", "0x00000701"}));

  const std::string short_magic = dir.file("short_magic");
  write_bytes(short_magic, {0, 0});
  EXPECT_TRUE(throws_with<IOError>([&] { read_idx(short_magic); }, {short_magic, "truncated"}));

  const std::string short_header = dir.file("short_header");
  write_bytes(short_header, {0, 0, 0x08, 3, 0, 0, 0, 2, 0, 0});
  EXPECT_TRUE(throws_with<IOError>([&] { read_idx(short_header); },
                                   {short_header, "truncated in its header", "3 dims"}));

  const std::string short_data = dir.file("short_data");
  write_bytes(short_data, idx_bytes(0x08, {10, 28, 28}, std::vector<uint8_t>(7839)));
  EXPECT_TRUE(throws_with<IOError>(
      [&] { read_idx(short_data); },
      {short_data, "truncated", "10 x 28 x 28", "7840 bytes", "only 7839 bytes"}));

  const std::string trailing = dir.file("trailing");
  write_bytes(trailing, idx_bytes(0x08, {2, 2}, {1, 2, 3, 4, 5, 6}));
  EXPECT_TRUE(throws_with<IOError>([&] { read_idx(trailing); }, {trailing, "2 byte(s) past"}));

  const std::string missing = dir.file("does_not_exist");
  EXPECT_TRUE(throws_with<IOError>([&] { read_idx(missing); }, {missing, "cannot open"}));
}

TEST(Idx, TruncatedGzipStreamIsAnErrorNotAShortRead) {
  TempDir dir;
  std::vector<uint8_t> gz = gzip(idx_bytes(0x08, {100, 8, 8}, std::vector<uint8_t>(6400, 7)));
  gz.resize(gz.size() / 2);
  const std::string path = dir.file("cut.idx.gz");
  write_bytes(path, gz);
  EXPECT_TRUE(throws_with<IOError>([&] { read_idx(path); }, {path}));
  try {
    read_idx(path);
  } catch (const IOError& e) {
    const std::string msg = e.what();
    EXPECT_TRUE(msg.find("truncated") != std::string::npos ||
                msg.find("corrupt") != std::string::npos)
        << msg;
  }
}

// ---- load_mnist ----

void write_mnist(const std::string& root, const std::string& prefix, const Tensor& images,
                 const Tensor& labels, const std::string& ext = "") {
  std::filesystem::create_directories(root);
  write_idx(root + "/" + prefix + "-images-idx3-ubyte" + ext, images);
  write_idx(root + "/" + prefix + "-labels-idx1-ubyte" + ext, labels);
}

TEST(Mnist, LoadsAnyCountAndEightByEightImagesScaledToUnitRange) {
  TempDir dir;
  const Tensor images = pattern_images(37, 8, 8);
  std::vector<uint8_t> l(37);
  for (size_t i = 0; i < l.size(); ++i) l[i] = static_cast<uint8_t>(i % 10);
  const Tensor labels = tensor(l);
  write_mnist(dir.path(), "train", images, labels);
  auto ds = load_mnist(dir.path(), MnistSplit::Train);
  ASSERT_EQ(ds->size(), 37);
  EXPECT_EQ(ds->data().sizes(), IntArrayRef({37, 1, 8, 8}));
  EXPECT_EQ(ds->data().dtype(), kFloat32);
  EXPECT_EQ(ds->targets().dtype(), kInt64);
  const std::vector<double> px = ds->data().to_vector<double>();
  const std::vector<int64_t> raw = images.to_vector<int64_t>();
  for (size_t i = 0; i < raw.size(); ++i) {
    ASSERT_FLOAT_EQ(static_cast<float>(px[i]), static_cast<float>(raw[i]) / 255.0f) << i;
  }
  const std::vector<int64_t> targets = ds->targets().to_vector<int64_t>();
  for (size_t i = 0; i < l.size(); ++i) EXPECT_EQ(targets[i], l[i]);
  data::Example<> e = ds->get(5);
  EXPECT_EQ(e.data.sizes(), IntArrayRef({1, 8, 8}));
  EXPECT_EQ(e.target.item<int64_t>(), 5);
}

TEST(Mnist, ReadsGzippedTestSplitAndTorchvisionRawFolder) {
  TempDir dir;
  const Tensor images = pattern_images(12, 28, 28);
  const Tensor labels = tensor(std::vector<uint8_t>(12, 3));
  write_mnist(dir.path() + "/MNIST/raw", "t10k", images, labels, ".gz");
  auto ds = load_mnist(dir.path(), MnistSplit::Test);
  EXPECT_EQ(ds->size(), 12);
  EXPECT_EQ(ds->data().sizes(), IntArrayRef({12, 1, 28, 28}));
  const auto files = data::find_mnist_files(dir.path(), MnistSplit::Test);
  EXPECT_NE(files.images.find("t10k-images-idx3-ubyte.gz"), std::string::npos);
}

TEST(Mnist, CountMismatchMissingFilesAndWrongKindsAreIOErrors) {
  TempDir dir;
  write_mnist(dir.path(), "train", pattern_images(10, 4, 4), tensor(std::vector<uint8_t>(9, 1)));
  EXPECT_TRUE(
      throws_with<IOError>([&] { load_mnist(dir.path()); },
                           {"count mismatch", "10 images", "9 labels", "train-labels-idx1-ubyte"}));
  // No test split here: the message lists where it looked.
  EXPECT_TRUE(
      throws_with<IOError>([&] { load_mnist(dir.path(), MnistSplit::Test); },
                           {"no idx3-ubyte file", "test split", "t10k-images-idx3-ubyte.gz"}));
  EXPECT_TRUE(throws_with<IOError>([&] { load_mnist(dir.file("nowhere")); },
                                   {"nowhere", "does not exist"}));
  // Labels where images belong.
  write_mnist(dir.path(), "train", tensor(std::vector<uint8_t>(9, 1)),
              tensor(std::vector<uint8_t>(9, 1)));
  EXPECT_TRUE(throws_with<IOError>([&] { load_mnist(dir.path()); },
                                   {"train-images-idx3-ubyte", "[N, H, W]", "[9]"}));
}

TEST(Mnist, TruncatedImageFileNamesTheFile) {
  TempDir dir;
  write_mnist(dir.path(), "train", pattern_images(5, 8, 8), tensor(std::vector<uint8_t>(5, 1)));
  const std::string images = dir.file("train-images-idx3-ubyte");
  std::vector<uint8_t> bytes = testing::read_bytes(images);
  bytes.resize(bytes.size() - 10);
  write_bytes(images, bytes);
  EXPECT_TRUE(
      throws_with<IOError>([&] { load_mnist(dir.path()); }, {images, "truncated", "5 x 8 x 8"}));
}

// The real data of tools/prepare_data.sh, when it has been run (skipped otherwise).
TEST(Mnist, PreparedDatasetsHaveTheirDocumentedCounts) {
  const std::string root = std::string(EMBER_SOURCE_DIR) + "/datasets";
  if (!std::filesystem::exists(root + "/mnist") ||
      !std::filesystem::exists(root + "/fashion-mnist"))
    GTEST_SKIP() << "run tools/prepare_data.sh to check the prepared data sets";
  EXPECT_EQ(load_mnist(root + "/mnist", MnistSplit::Train)->size(), 7996);
  EXPECT_EQ(load_mnist(root + "/mnist", MnistSplit::Test)->size(), 2004);
  EXPECT_EQ(load_mnist(root + "/fashion-mnist", MnistSplit::Train)->size(), 60000);
  EXPECT_EQ(load_mnist(root + "/fashion-mnist", MnistSplit::Test)->size(), 10000);
}

}  // namespace
}  // namespace ember
