// ImageFolder: torchvision's layout of one sub-folder per class (root/cat/001.png, root/dog/...).
// Classes are the sub-folders in sorted order (index = position); files are PNG, JPEG or BMP
// (by extension, case-insensitive; other files are ignored), decoded by stb_image when an
// example is read, so loader workers decode in parallel. An example is uint8 [H, W, C] (map
// transforms::ToTensor() for float [C, H, W]) with an int64 class index as target.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "ember/data/dataset.h"

namespace ember::data {

// False when Ember was built without stb_image.h (Debian: libstb-dev); ImageFolder then throws.
EMBER_API bool image_decoding_available();

class EMBER_API ImageFolderOptions {
 public:
  // Channels of every example: 1 (grey), 3 (RGB) or 4 (RGBA), converting as needed; 0 (the
  // default) keeps the first image's, and an image with another count is an error.
  ImageFolderOptions& channels(int c) {
    channels_ = c;
    return *this;
  }
  int channels() const { return channels_; }
  // The size every image must have; unset (0): the first image's.
  ImageFolderOptions& size(int64_t height, int64_t width) {
    height_ = height;
    width_ = width;
    return *this;
  }
  int64_t height() const { return height_; }
  int64_t width() const { return width_; }

 private:
  int channels_ = 0;
  int64_t height_ = 0;
  int64_t width_ = 0;
};

class EMBER_API ImageFolder : public Dataset {
 public:
  // Lists root's class folders and their images, and reads the first image's header for the
  // expected size and channels. Throws IOError for a missing root or one with no images.
  explicit ImageFolder(const std::string& root,
                       const ImageFolderOptions& options = ImageFolderOptions());

  int64_t size() const override;
  // Decodes image `index`. Throws IOError naming the file when it is corrupt or has another size
  // or channel count than the data set's.
  Example<> get(int64_t index) const override;

  // Class index -> folder name.
  const std::vector<std::string>& classes() const { return classes_; }
  // (file path, class index) of every example, in order.
  const std::vector<std::pair<std::string, int64_t>>& samples() const { return samples_; }
  int64_t height() const { return height_; }
  int64_t width() const { return width_; }
  int channels() const { return channels_; }

 private:
  std::string root_;
  std::vector<std::string> classes_;
  std::vector<std::pair<std::string, int64_t>> samples_;
  int64_t height_ = 0;
  int64_t width_ = 0;
  int channels_ = 0;
  bool convert_ = false;  // channels were asked for: stb converts
};

}  // namespace ember::data
