// ImageFolder: the folder scan at construction and the decoding of one image per get().
#include "ember/data/image_folder.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "ember/core/check.h"
#include "ember/core/factories.h"
#include "ember/data/stb_image_decode.h"

namespace ember::data {
namespace {

namespace fs = std::filesystem;

bool is_image_file(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp";
}

std::vector<unsigned char> read_bytes(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  EMBER_CHECK(f != nullptr, IO, "ImageFolder: cannot open '{}': {}", path, std::strerror(errno));
  std::vector<unsigned char> bytes;
  unsigned char buffer[1 << 16];
  for (size_t n; (n = std::fread(buffer, 1, sizeof(buffer), f)) > 0;) {
    bytes.insert(bytes.end(), buffer, buffer + n);
  }
  const bool failed = std::ferror(f) != 0;
  std::fclose(f);
  EMBER_CHECK(!failed, IO, "ImageFolder: cannot read '{}'", path);
  return bytes;
}

}  // namespace

ImageFolder::ImageFolder(const std::string& root, const ImageFolderOptions& options)
    : root_(root), channels_(options.channels()), convert_(options.channels() != 0) {
  EMBER_CHECK(image_decoding_available(), IO,
              "ImageFolder: Ember was built without stb_image, so it cannot decode '{}'; install "
              "stb_image.h (Debian: libstb-dev) and configure Ember again",
              root);
  EMBER_CHECK(options.channels() >= 0 && options.channels() <= 4 && options.channels() != 2, Value,
              "ImageFolder: channels must be 1, 3, 4 or 0 (as stored), got {}", options.channels());
  std::error_code ec;
  EMBER_CHECK(fs::is_directory(root, ec), IO,
              "ImageFolder: missing folder '{}': expected a folder with one sub-folder of images "
              "per class",
              root);
  std::vector<fs::path> class_dirs;
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    if (entry.is_directory()) class_dirs.push_back(entry.path());
  }
  EMBER_CHECK(!ec, IO, "ImageFolder: cannot list '{}': {}", root, ec.message());
  std::sort(class_dirs.begin(), class_dirs.end());
  for (const fs::path& dir : class_dirs) {
    const auto class_index = static_cast<int64_t>(classes_.size());
    classes_.push_back(dir.filename().string());
    std::vector<std::string> files;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      if (entry.is_regular_file() && is_image_file(entry.path())) {
        files.push_back(entry.path().string());
      }
    }
    EMBER_CHECK(!ec, IO, "ImageFolder: cannot list '{}': {}", dir.string(), ec.message());
    std::sort(files.begin(), files.end());
    for (std::string& f : files) samples_.emplace_back(std::move(f), class_index);
  }
  EMBER_CHECK(!samples_.empty(), IO,
              "ImageFolder: no images (.png, .jpg, .jpeg, .bmp) in the class folders of '{}' "
              "(found {} class folder(s))",
              root, classes_.size());
  height_ = options.height();
  width_ = options.width();
  if (height_ == 0 || width_ == 0 || channels_ == 0) {
    const std::string& first = samples_.front().first;
    const std::vector<unsigned char> bytes = read_bytes(first);
    int w = 0, h = 0, c = 0;
    EMBER_CHECK(detail::image_info(bytes.data(), bytes.size(), &w, &h, &c), IO,
                "ImageFolder: '{}' is not a PNG, JPEG or BMP image (or is corrupt)", first);
    if (height_ == 0 || width_ == 0) {
      height_ = h;
      width_ = w;
    }
    if (channels_ == 0) channels_ = c;
  }
}

int64_t ImageFolder::size() const {
  return static_cast<int64_t>(samples_.size());
}

Example<> ImageFolder::get(int64_t index) const {
  EMBER_CHECK(index >= 0 && index < size(), Index,
              "ImageFolder::get: index {} is out of range for a data set of {} images", index,
              size());
  const auto& [path, label] = samples_[static_cast<size_t>(index)];
  const std::vector<unsigned char> bytes = read_bytes(path);
  detail::DecodedImage image =
      detail::decode_image(bytes.data(), bytes.size(), convert_ ? channels_ : 0);
  EMBER_CHECK(image.error.empty(), IO,
              "ImageFolder: cannot decode '{}': {} (corrupt or truncated?)", path, image.error);
  EMBER_CHECK(image.height == height_ && image.width == width_, IO,
              "ImageFolder: '{}' is an image of the wrong size: {}x{} (height x width), but the "
              "data set's images are {}x{}; resize it, or give the size in ImageFolderOptions",
              path, image.height, image.width, height_, width_);
  EMBER_CHECK(image.channels == channels_, IO,
              "ImageFolder: '{}' has {} channel(s), but the data set's images have {}; set "
              "ImageFolderOptions().channels({}) to convert every image",
              path, image.channels, channels_, channels_);
  Tensor data =
      empty({height_, width_, static_cast<int64_t>(channels_)}, TensorOptions().dtype(kUInt8));
  std::memcpy(data.data_ptr(), image.pixels.data(), image.pixels.size());
  return Example<>(std::move(data), scalar_tensor(label, TensorOptions().dtype(kInt64)));
}

}  // namespace ember::data
