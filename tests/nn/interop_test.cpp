// Checkpoints between PyTorch and Ember, on committed files (CI needs no PyTorch):
// - PyTorch -> Ember: tests/golden/make_nn_modules_golden.py trains a small model and saves its
//   state_dict; Ember loads it strictly into the same architecture and reproduces its output.
// - Ember -> PyTorch: Ember saves the same architecture with fixed values; the file must equal
//   the committed one byte for byte (so the committed file is what Ember writes today), and the
//   output must equal the committed one. The script loads that file into PyTorch's model and
//   checks the output (its check step). EMBER_REGENERATE_GOLDEN=1 rewrites the committed files.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include "ember/nn/nn.h"
#include "support/test_util.h"

namespace ember::nn {
namespace {

using ember::testing::all_close;

// The architecture of InteropNet in the script.
struct InteropNetImpl : Module {
  InteropNetImpl() {
    features = register_module("features", Sequential(Conv2d(Conv2dOptions(1, 4, 3).padding(1)),
                                                      BatchNorm2d(4), ReLU(), MaxPool2d(2)));
    classifier = register_module(
        "classifier", Sequential(Flatten(), Linear(LinearOptions(4 * 4 * 4, 8).bias(false)),
                                 LayerNorm(LayerNormOptions({8})), Tanh(), Linear(8, 3)));
  }
  Tensor forward(const Tensor& x) { return classifier->forward(features->forward(x)); }
  Sequential features{nullptr}, classifier{nullptr};
};
EMBER_MODULE(InteropNet);

std::string golden_path(const std::string& name) {
  return std::string(EMBER_TEST_DATA_DIR) + "/golden/" + name;
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

bool regenerate() {
  const char* v = std::getenv("EMBER_REGENERATE_GOLDEN");
  return v != nullptr && std::string(v) == "1";
}

TEST(Interop, EmberLoadsAPyTorchCheckpointAndReproducesItsOutput) {
  InteropNet net;
  const LoadStateDictResult r = ember::load(golden_path("nn_interop_torch_model.safetensors"), net);
  EXPECT_TRUE(r.ok());
  net->eval();
  const TensorMap io = ember::load(golden_path("nn_interop_torch_io.safetensors"));
  NoGradGuard no_grad;
  Tensor y = net(io.at("input"));
  EXPECT_TRUE(all_close(y, io.at("output"), 1e-5, 1e-6));
  EXPECT_EQ(net->features->at<BatchNorm2dImpl>(1).num_batches_tracked.item<int64_t>(), 5);
}

// Fixed, platform-independent values for every parameter and buffer (no random generator).
void set_fixed_values(Module& m) {
  NoGradGuard no_grad;
  int64_t k = 0;
  for (auto& item : m.state_dict()) {
    Tensor t = item.value();
    if (!t.is_floating_point()) {
      t.fill_(7);
      continue;
    }
    std::vector<double> v(static_cast<size_t>(t.numel()));
    for (size_t i = 0; i < v.size(); ++i) {
      v[i] = 0.5 * std::sin(0.37 * static_cast<double>(i) + 1.3 * static_cast<double>(k));
    }
    if (item.key().find("running_var") != std::string::npos) {
      for (double& x : v) x = 1.0 + x;  // a variance stays positive
    }
    t.copy_(tensor(v, t.sizes()));
    ++k;
  }
}

TEST(Interop, EmberWritesTheCommittedCheckpointThatPyTorchLoads) {
  InteropNet net;
  set_fixed_values(*net);
  net->eval();
  std::vector<double> input(2 * 64);
  for (size_t i = 0; i < input.size(); ++i) input[i] = std::cos(0.21 * static_cast<double>(i));
  Tensor x = tensor(input, {2, 1, 8, 8}, kFloat32);
  Tensor y;
  {
    NoGradGuard no_grad;
    y = net(x);
  }
  const std::string model_path = golden_path("nn_interop_ember_model.safetensors");
  const std::string io_path = golden_path("nn_interop_ember_io.safetensors");
  if (regenerate()) {
    ember::save(model_path, net);
    ember::save(io_path, TensorMap{{"input", x}, {"output", y}});
    GTEST_SKIP() << "rewrote " << model_path << " and " << io_path
                 << "; run tests/golden/make_nn_modules_golden.py --check";
  }
  const std::string fresh = ::testing::TempDir() + "ember_interop_model.safetensors";
  ember::save(fresh, net);
  EXPECT_EQ(read_bytes(fresh), read_bytes(model_path))
      << "Ember no longer writes the committed checkpoint; regenerate it with "
         "EMBER_REGENERATE_GOLDEN=1 and re-run the script's check";
  std::remove(fresh.c_str());
  const TensorMap io = ember::load(io_path);
  EXPECT_TRUE(equal(io.at("input"), x));
  EXPECT_TRUE(all_close(y, io.at("output"), 1e-5, 1e-6));
  // And the committed file loads back into Ember.
  InteropNet again;
  ember::load(model_path, again);
  again->eval();
  NoGradGuard no_grad;
  EXPECT_TRUE(all_close(again(x), y, 1e-6, 1e-7));
}

}  // namespace
}  // namespace ember::nn
