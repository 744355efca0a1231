// Printing of modules: each layer's line and a whole tree, compared with the exact strings
// PyTorch's repr gives for the same modules (bools in C++ spelling).
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "ember/nn/nn.h"

namespace ember::nn {
namespace {

template <typename M>
std::string printed(const M& module) {
  std::ostringstream out;
  out << module;
  return out.str();
}

TEST(Printing, EachLayerLikePyTorch) {
  EXPECT_EQ(printed(Linear(784, 256)), "Linear(in_features=784, out_features=256, bias=true)");
  EXPECT_EQ(printed(Linear(LinearOptions(3, 1).bias(false))),
            "Linear(in_features=3, out_features=1, bias=false)");
  EXPECT_EQ(printed(Conv2d(Conv2dOptions(1, 32, 3).padding(1))),
            "Conv2d(1, 32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))");
  EXPECT_EQ(
      printed(Conv2d(Conv2dOptions(4, 8, {3, 5}).stride(2).dilation(2).groups(4).bias(false))),
      "Conv2d(4, 8, kernel_size=(3, 5), stride=(2, 2), dilation=(2, 2), groups=4, "
      "bias=false)");
  EXPECT_EQ(printed(MaxPool2d(2)),
            "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=false)");
  EXPECT_EQ(printed(MaxPool2d(MaxPool2dOptions({3, 2}).stride(1).ceil_mode(true))),
            "MaxPool2d(kernel_size=(3, 2), stride=1, padding=0, dilation=1, ceil_mode=true)");
  EXPECT_EQ(printed(AvgPool2d(AvgPool2dOptions(3).stride(2).padding(1))),
            "AvgPool2d(kernel_size=3, stride=2, padding=1)");
  EXPECT_EQ(printed(AdaptiveAvgPool2d(AdaptiveAvgPool2dOptions({1, 1}))),
            "AdaptiveAvgPool2d(output_size=1)");
  EXPECT_EQ(printed(AdaptiveAvgPool2d(AdaptiveAvgPool2dOptions({5, 7}))),
            "AdaptiveAvgPool2d(output_size=(5, 7))");
  EXPECT_EQ(printed(BatchNorm2d(32)),
            "BatchNorm2d(32, eps=1e-05, momentum=0.1, affine=true, track_running_stats=true)");
  EXPECT_EQ(
      printed(BatchNorm1d(BatchNorm1dOptions(16).eps(1e-3).momentum(std::nullopt).affine(false))),
      "BatchNorm1d(16, eps=0.001, momentum=None, affine=false, track_running_stats=true)");
  EXPECT_EQ(printed(LayerNorm(LayerNormOptions({64}))),
            "LayerNorm((64,), eps=1e-05, elementwise_affine=true)");
  EXPECT_EQ(printed(LayerNorm(LayerNormOptions({4, 5}).eps(1e-6))),
            "LayerNorm((4, 5), eps=1e-06, elementwise_affine=true)");
  EXPECT_EQ(printed(Dropout(0.25)), "Dropout(p=0.25, inplace=false)");
  EXPECT_EQ(printed(Dropout()), "Dropout(p=0.5, inplace=false)");
  EXPECT_EQ(printed(Flatten()), "Flatten(start_dim=1, end_dim=-1)");
  EXPECT_EQ(printed(Embedding(10, 3)), "Embedding(10, 3)");
  EXPECT_EQ(printed(Embedding(EmbeddingOptions(10, 3).padding_idx(-1))),
            "Embedding(10, 3, padding_idx=9)");
  EXPECT_EQ(printed(ReLU()), "ReLU()");
  EXPECT_EQ(printed(ReLU(ReLUOptions(true))), "ReLU(inplace=true)");
  EXPECT_EQ(printed(LeakyReLU()), "LeakyReLU(negative_slope=0.01)");
  EXPECT_EQ(printed(LeakyReLU(LeakyReLUOptions().negative_slope(0.2))),
            "LeakyReLU(negative_slope=0.2)");
  EXPECT_EQ(printed(GELU()), "GELU(approximate='none')");
  EXPECT_EQ(printed(Sigmoid()), "Sigmoid()");
  EXPECT_EQ(printed(Tanh()), "Tanh()");
  EXPECT_EQ(printed(Softmax(1)), "Softmax(dim=1)");
  EXPECT_EQ(printed(LogSoftmax(-1)), "LogSoftmax(dim=-1)");
  EXPECT_EQ(printed(Identity()), "Identity()");
  EXPECT_EQ(printed(MSELoss()), "MSELoss()");
  EXPECT_EQ(printed(CrossEntropyLoss()), "CrossEntropyLoss()");
}

TEST(Printing, SequentialTree) {
  Sequential mlp(Linear(784, 256), ReLU(), Dropout(0.2), Linear(256, 10), LogSoftmax(1));
  EXPECT_EQ(printed(mlp),
            "Sequential(\n"
            "  (0): Linear(in_features=784, out_features=256, bias=true)\n"
            "  (1): ReLU()\n"
            "  (2): Dropout(p=0.2, inplace=false)\n"
            "  (3): Linear(in_features=256, out_features=10, bias=true)\n"
            "  (4): LogSoftmax(dim=1)\n"
            ")");
  EXPECT_EQ(mlp->to_string(), printed(mlp));
}

struct ClassifierImpl : Module {
  ClassifierImpl() {
    features = register_module("features", Sequential(Conv2d(Conv2dOptions(1, 8, 3).padding(1)),
                                                      BatchNorm2d(8), ReLU(), MaxPool2d(2)));
    heads = register_module("heads",
                            ModuleDict(std::vector<std::pair<std::string, std::shared_ptr<Module>>>{
                                {"digit", Linear(8, 10).ptr()},
                                {"parity", Linear(LinearOptions(8, 1).bias(false)).ptr()}}));
    blocks = register_module("blocks", ModuleList(Identity(), Tanh()));
  }
  Sequential features{nullptr};
  ModuleDict heads{nullptr};
  ModuleList blocks{nullptr};
};
EMBER_MODULE(Classifier);

TEST(Printing, NestedUserModuleIndentsLikePyTorch) {
  Classifier net;
  EXPECT_EQ(printed(net),
            "Classifier(\n"
            "  (features): Sequential(\n"
            "    (0): Conv2d(1, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))\n"
            "    (1): BatchNorm2d(8, eps=1e-05, momentum=0.1, affine=true, "
            "track_running_stats=true)\n"
            "    (2): ReLU()\n"
            "    (3): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=false)\n"
            "  )\n"
            "  (heads): ModuleDict(\n"
            "    (digit): Linear(in_features=8, out_features=10, bias=true)\n"
            "    (parity): Linear(in_features=8, out_features=1, bias=false)\n"
            "  )\n"
            "  (blocks): ModuleList(\n"
            "    (0): Identity()\n"
            "    (1): Tanh()\n"
            "  )\n"
            ")");
}

TEST(Printing, CustomExtraReprAndNames) {
  struct ScaleImpl : Module {
    explicit ScaleImpl(double f) : Module("Scale"), factor(f) {}
    std::string extra_repr() const override { return "factor=" + std::to_string(factor); }
    Tensor forward(const Tensor& x) { return x * factor; }
    double factor;
  };
  struct TwoLineImpl : Module {
    std::string extra_repr() const override { return "first\nsecond"; }
  };
  EXPECT_EQ(printed(*make_module<ScaleImpl>(2.0)), "Scale(factor=2.000000)");
  EXPECT_EQ(printed(*make_module<TwoLineImpl>()), "TwoLine(\n  first\n  second\n)");
  Module empty;
  EXPECT_EQ(printed(empty), "Module()");
}

}  // namespace
}  // namespace ember::nn
