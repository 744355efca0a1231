// The one translation unit that compiles stb_image (Debian's libstb-dev header), with its
// functions static to this library: PNG, JPEG and BMP decoding for ImageFolder.
#pragma GCC diagnostic ignored "-Wall"
#pragma GCC diagnostic ignored "-Wextra"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_ONLY_BMP
#define STB_IMAGE_STATIC
// The pragmas stay on: GCC reports stb's warnings where its code is inlined, below.
#include <stb_image.h>

#include "ember/data/stb_image_decode.h"

namespace ember::data::detail {

DecodedImage decode_image(const unsigned char* bytes, size_t size, int desired_channels) {
  DecodedImage out;
  int w = 0, h = 0, c = 0;
  unsigned char* pixels =
      stbi_load_from_memory(bytes, static_cast<int>(size), &w, &h, &c, desired_channels);
  if (pixels == nullptr) {
    out.error = stbi_failure_reason() ? stbi_failure_reason() : "unknown error";
    return out;
  }
  out.width = w;
  out.height = h;
  out.channels = desired_channels ? desired_channels : c;
  out.file_channels = c;
  out.pixels.assign(pixels, pixels + static_cast<size_t>(w) * h * out.channels);
  stbi_image_free(pixels);
  return out;
}

bool image_info(const unsigned char* bytes, size_t size, int* width, int* height, int* channels) {
  return stbi_info_from_memory(bytes, static_cast<int>(size), width, height, channels) != 0;
}

}  // namespace ember::data::detail
