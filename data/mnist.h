// MNIST-style data sets (MNIST, Fashion-MNIST, or any IDX image/label pair) from a folder in
// torchvision's layout, raw or gzipped, of any count and any image size.
#pragma once

#include <memory>
#include <string>

#include "ember/data/tensor_dataset.h"

namespace ember::data {

enum class MnistSplit { Train, Test };

// Reads <root>/train-images-idx3-ubyte and <root>/train-labels-idx1-ubyte (Test: t10k-...), each
// also accepted with ".gz", with "." instead of "-" before "idx", or under root/raw or
// root/MNIST/raw (torchvision's download folder). Images become float32 [N, 1, H, W] scaled to
// [0, 1] (libtorch's MNIST), labels int64 [N]. Throws IOError naming the file and what is wrong:
// missing files (with the paths tried), bad magic, truncated data, images that are not a 3-D
// uint8 IDX, or image and label counts that differ.
EMBER_API std::shared_ptr<TensorDataset> load_mnist(const std::string& root,
                                                    MnistSplit split = MnistSplit::Train);

// The image and label files load_mnist reads for a split (throws IOError when they are missing).
struct MnistFiles {
  std::string images;
  std::string labels;
};
EMBER_API MnistFiles find_mnist_files(const std::string& root, MnistSplit split);

}  // namespace ember::data
