// Internal to data/: image decoding through stb_image, compiled in stb_image_impl.cpp only.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace ember::data::detail {

struct DecodedImage {
  std::vector<unsigned char> pixels;  // [height, width, channels], row-major
  int width = 0;
  int height = 0;
  int channels = 0;       // of pixels
  int file_channels = 0;  // as stored in the file
  std::string error;      // non-empty when decoding failed
};

// Decodes a PNG, JPEG or BMP held in memory; desired_channels 0 keeps the file's.
DecodedImage decode_image(const unsigned char* bytes, size_t size, int desired_channels);
// Reads only the header: size and channels. False when the format is not recognised.
bool image_info(const unsigned char* bytes, size_t size, int* width, int* height, int* channels);

}  // namespace ember::data::detail
