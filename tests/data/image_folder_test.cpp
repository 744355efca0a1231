// Tests of ImageFolder on PNG and JPEG files the test writes (stb_image_write): classes from
// sorted sub-folders, exact PNG pixels as uint8 [H, W, C], ToTensor's float [C, H, W], channel
// conversion, files of other kinds ignored, and IOErrors naming the file for a missing folder, an
// empty one, a corrupt or truncated image and an image of the wrong size or channel count.
#include <gtest/gtest.h>

#if __has_include(<stb/stb_image_write.h>)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#include <stb/stb_image_write.h>
#pragma GCC diagnostic pop

#include <cmath>
#include <string>
#include <vector>

#include "tests/data/data_test_util.h"
#include "tests/support/test_util.h"

namespace ember {
namespace {

using data::ImageFolder;
using data::ImageFolderOptions;
using testing::TempDir;
using testing::throws_with;

// Skips a test when this build of Ember cannot decode images.
#define EMBER_REQUIRE_IMAGES()                                                    \
  do {                                                                            \
    if (!data::image_decoding_available())                                        \
      GTEST_SKIP() << "Ember was built without stb_image.h (Debian: libstb-dev)"; \
  } while (0)

// Pixels of image `seed`: a gradient that differs per image, [h, w, c] row-major.
std::vector<uint8_t> pixels(int h, int w, int c, int seed) {
  std::vector<uint8_t> p(static_cast<size_t>(h * w * c));
  for (size_t i = 0; i < p.size(); ++i) p[i] = static_cast<uint8_t>((i * 5 + seed * 31) % 256);
  return p;
}

void write_png(const std::string& path, int h, int w, int c, int seed) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  const std::vector<uint8_t> p = pixels(h, w, c, seed);
  ASSERT_NE(stbi_write_png(path.c_str(), w, h, c, p.data(), w * c), 0) << path;
}

// A smooth image (JPEG keeps it within a few levels).
void write_jpg(const std::string& path, int h, int w, int seed) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::vector<uint8_t> p(static_cast<size_t>(h * w * 3));
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int ch = 0; ch < 3; ++ch)
        p[(y * w + x) * 3 + ch] = static_cast<uint8_t>(40 + seed * 20 + ch * 30);
  ASSERT_NE(stbi_write_jpg(path.c_str(), w, h, 3, p.data(), 100), 0) << path;
}

TEST(ImageFolder, ClassesAreSortedFoldersAndPngPixelsAreExact) {
  EMBER_REQUIRE_IMAGES();
  TempDir dir;
  write_png(dir.file("dog/b.png"), 6, 5, 3, 1);
  write_png(dir.file("dog/a.png"), 6, 5, 3, 2);
  write_png(dir.file("cat/x.PNG"), 6, 5, 3, 3);
  testing::write_text(dir.file("cat/notes.txt"), "not an image");
  ImageFolder ds(dir.path());
  EXPECT_EQ(ds.classes(), (std::vector<std::string>{"cat", "dog"}));
  ASSERT_EQ(ds.size(), 3);
  EXPECT_EQ(ds.height(), 6);
  EXPECT_EQ(ds.width(), 5);
  EXPECT_EQ(ds.channels(), 3);
  // Sorted: cat/x.PNG, dog/a.png, dog/b.png.
  const int seeds[] = {3, 2, 1};
  const int64_t labels[] = {0, 1, 1};
  for (int64_t i = 0; i < 3; ++i) {
    data::Example<> e = ds.get(i);
    EXPECT_EQ(e.data.dtype(), kUInt8);
    EXPECT_EQ(e.data.sizes(), IntArrayRef({6, 5, 3}));
    EXPECT_EQ(e.target.item<int64_t>(), labels[i]);
    const std::vector<uint8_t> want = pixels(6, 5, 3, seeds[i]);
    const std::vector<int64_t> got = e.data.to_vector<int64_t>();
    for (size_t k = 0; k < want.size(); ++k) ASSERT_EQ(got[k], want[k]) << i << " " << k;
  }
}

TEST(ImageFolder, ToTensorGivesFloatChwAndBatchesMatch) {
  EMBER_REQUIRE_IMAGES();
  TempDir dir;
  write_png(dir.file("a/0.png"), 4, 3, 3, 0);
  write_png(dir.file("b/0.png"), 4, 3, 3, 1);
  auto folder = std::make_shared<ImageFolder>(dir.path());
  auto ds = data::map(folder, data::transforms::ToTensor());
  data::Example<> e = ds->get(1);
  EXPECT_EQ(e.data.dtype(), kFloat32);
  EXPECT_EQ(e.data.sizes(), IntArrayRef({3, 4, 3}));
  const std::vector<uint8_t> p = pixels(4, 3, 3, 1);
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < 4; ++y)
      for (int x = 0; x < 3; ++x)
        ASSERT_FLOAT_EQ(static_cast<float>(testing::value_at(e.data, {c, y, x})),
                        p[(y * 3 + x) * 3 + c] / 255.0f);
  // The batch path (ToTensor on [B, H, W, C]) gives the same tensors as per-example.
  data::Example<> batch = ds->get_batch({1, 0});
  EXPECT_EQ(batch.data.sizes(), IntArrayRef({2, 3, 4, 3}));
  EXPECT_TRUE(testing::same_tensor(batch.data[0], e.data));
  EXPECT_EQ(batch.target.to_vector<int64_t>(), (std::vector<int64_t>{1, 0}));
}

TEST(ImageFolder, JpegAndChannelConversion) {
  EMBER_REQUIRE_IMAGES();
  TempDir dir;
  write_jpg(dir.file("a/0.jpg"), 8, 8, 0);
  write_jpg(dir.file("b/0.jpeg"), 8, 8, 1);
  ImageFolder rgb(dir.path());
  EXPECT_EQ(rgb.channels(), 3);
  data::Example<> e = rgb.get(1);
  EXPECT_NEAR(testing::value_at(e.data, {3, 3, 0}), 60, 4);
  EXPECT_NEAR(testing::value_at(e.data, {3, 3, 2}), 120, 4);
  ImageFolder grey(dir.path(), ImageFolderOptions().channels(1));
  EXPECT_EQ(grey.get(0).data.sizes(), IntArrayRef({8, 8, 1}));
}

TEST(ImageFolder, BadFoldersAndBadImagesAreIOErrorsNamingTheFile) {
  EMBER_REQUIRE_IMAGES();
  TempDir dir;
  EXPECT_TRUE(throws_with<IOError>([&] { ImageFolder ds(dir.file("missing")); },
                                   {"missing folder", "missing"}));
  std::filesystem::create_directories(dir.file("empty/class_a"));
  EXPECT_TRUE(throws_with<IOError>([&] { ImageFolder ds(dir.file("empty")); },
                                   {"no images", "1 class folder"}));

  write_png(dir.file("set/a/0.png"), 8, 8, 3, 0);
  write_png(dir.file("set/a/1.png"), 9, 8, 3, 1);                     // wrong size
  write_png(dir.file("set/b/2.png"), 8, 8, 1, 2);                     // wrong channel count
  testing::write_text(dir.file("set/b/3.png"), "this is not a png");  // corrupt
  {
    std::vector<uint8_t> bytes = testing::read_bytes(dir.file("set/a/0.png"));
    bytes.resize(bytes.size() / 2);
    testing::write_bytes(dir.file("set/b/4.png"), bytes);  // truncated
  }
  ImageFolder ds(dir.file("set"));
  ASSERT_EQ(ds.size(), 5);
  EXPECT_EQ(ds.get(0).data.sizes(), IntArrayRef({8, 8, 3}));
  EXPECT_TRUE(throws_with<IOError>([&] { ds.get(1); }, {"1.png", "wrong size", "9x8", "8x8"}));
  EXPECT_TRUE(throws_with<IOError>([&] { ds.get(2); }, {"2.png", "1 channel(s)", "channels(3)"}));
  EXPECT_TRUE(throws_with<IOError>([&] { ds.get(3); }, {"3.png", "cannot decode"}));
  EXPECT_TRUE(throws_with<IOError>([&] { ds.get(4); }, {"4.png", "cannot decode"}));
  // With channels(3) the grey image converts.
  ImageFolder converted(dir.file("set"), ImageFolderOptions().channels(3));
  EXPECT_EQ(converted.get(2).data.sizes(), IntArrayRef({8, 8, 3}));
}

}  // namespace
}  // namespace ember

#else  // no stb_image_write.h to make test images with

TEST(ImageFolder, NeedsStbImageWrite) {
  GTEST_SKIP() << "stb/stb_image_write.h (Debian: libstb-dev) is needed to write test images";
}

#endif
