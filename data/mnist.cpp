// load_mnist: finds the IDX pair of a split, reads it and checks that it is a consistent set of
// images and labels.
#include "ember/data/mnist.h"

#include <filesystem>
#include <vector>

#include "ember/core/check.h"
#include "ember/data/idx.h"

namespace ember::data {
namespace {

namespace fs = std::filesystem;

std::string find_file(const std::string& root, const std::string& prefix, const char* kind,
                      MnistSplit split) {
  std::error_code ec;
  EMBER_CHECK(fs::is_directory(root, ec), IO,
              "load_mnist: the folder '{}' does not exist or is not a folder; point it at the "
              "folder holding the IDX files (train-images-idx3-ubyte[.gz], ...)",
              root);
  std::vector<std::string> tried;
  for (const char* sub : {"", "raw", "MNIST/raw"}) {
    const fs::path dir = fs::path(root) / sub;
    for (const char* sep : {"-", "."}) {
      for (const char* ext : {"", ".gz"}) {
        const fs::path candidate = dir / (prefix + sep + kind + ext);
        if (fs::is_regular_file(candidate, ec)) return candidate.string();
        tried.push_back(candidate.lexically_normal().string());
      }
    }
  }
  EMBER_FAIL(IO, "load_mnist: no {} file for the {} split under '{}'; tried {}", kind,
             split == MnistSplit::Train ? "train" : "test", root, fmt::join(tried, ", "));
}

}  // namespace

MnistFiles find_mnist_files(const std::string& root, MnistSplit split) {
  const std::string prefix = split == MnistSplit::Train ? "train" : "t10k";
  return {find_file(root, prefix + "-images", "idx3-ubyte", split),
          find_file(root, prefix + "-labels", "idx1-ubyte", split)};
}

std::shared_ptr<TensorDataset> load_mnist(const std::string& root, MnistSplit split) {
  const MnistFiles files = find_mnist_files(root, split);
  Tensor images = read_idx(files.images);
  Tensor labels = read_idx(files.labels);
  EMBER_CHECK(images.dtype() == kUInt8 && images.dim() == 3, IO,
              "load_mnist: '{}' should hold uint8 images [N, H, W], but holds {} of shape {}",
              files.images, dtype_name(images.dtype()), images.shape_str());
  EMBER_CHECK(labels.dtype() == kUInt8 && labels.dim() == 1, IO,
              "load_mnist: '{}' should hold uint8 labels [N], but holds {} of shape {}",
              files.labels, dtype_name(labels.dtype()), labels.shape_str());
  EMBER_CHECK(images.size(0) == labels.size(0), IO,
              "load_mnist: count mismatch: '{}' holds {} images but '{}' holds {} labels",
              files.images, images.size(0), files.labels, labels.size(0));
  Tensor data = images.to(kFloat32).div_(255.0).unsqueeze(1);
  return std::make_shared<TensorDataset>(std::move(data), labels.to(kInt64));
}

}  // namespace ember::data
