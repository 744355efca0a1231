// Modules and losses against golden values written by PyTorch
// (tests/golden/make_nn_modules_golden.py -> tests/data/golden/nn_modules_golden.safetensors):
// the same parameters and input give the same output, running statistics and gradients
// (relative 1e-5 in float32).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "ember/nn/nn.h"
#include "support/test_util.h"

namespace ember::nn {
namespace {

using ember::testing::all_close;

const TensorMap& golden() {
  static const TensorMap tensors =
      ember::load(std::string(EMBER_TEST_DATA_DIR) + "/golden/nn_modules_golden.safetensors");
  return tensors;
}

const Tensor& entry(const std::string& name) {
  auto it = golden().find(name);
  if (it == golden().end()) throw std::runtime_error("golden file lacks " + name);
  return it->second;
}

bool has(const std::string& name) {
  return golden().count(name) != 0;
}

// Relative 1e-5 with an absolute floor of 1e-5 of the largest magnitude (sums of float32 terms
// that cancel leave absolute, not relative, rounding).
::testing::AssertionResult matches(const Tensor& actual, const std::string& name) {
  const Tensor& expected = entry(name);
  if (actual.sizes() != expected.sizes()) {
    return ::testing::AssertionFailure()
           << name << ": shape " << actual.shape_str() << " vs " << expected.shape_str();
  }
  double scale = 0.0;
  for (double v : ember::testing::values(expected)) scale = std::max(scale, std::fabs(v));
  auto r = all_close(actual, expected, 1e-5, 1e-5 * scale);
  if (!r) r << " (" << name << ")";
  return r;
}

// Loads the case's parameters and starting buffers into module (strictly), runs it on the
// case's inputs, backpropagates its upstream gradient and compares everything PyTorch recorded.
template <typename M>
void check_case(const std::string& name, M module, bool compare_param_grads = true) {
  SCOPED_TRACE(name);
  OrderedDict<std::string, Tensor> state;
  const std::string param_prefix = name + ".param.", buffer_prefix = name + ".buffer_before.";
  for (const auto& [key, value] : golden()) {
    if (key.rfind(param_prefix, 0) == 0) state.insert(key.substr(param_prefix.size()), value);
    if (key.rfind(buffer_prefix, 0) == 0) state.insert(key.substr(buffer_prefix.size()), value);
  }
  module->load_state_dict(state);
  std::vector<Tensor> inputs;
  for (int i = 0; has(name + ".input" + std::to_string(i)); ++i) {
    Tensor x = entry(name + ".input" + std::to_string(i)).clone();
    if (i == 0 && x.is_floating_point()) x.requires_grad_();  // as the script does
    inputs.push_back(x);
  }
  Tensor output;
  if constexpr (requires { module(inputs[0], inputs[1]); }) {
    output = inputs.size() == 2 ? module(inputs[0], inputs[1]) : Tensor();
  } else {
    output = module(inputs[0]);
  }
  ASSERT_TRUE(output.defined());
  EXPECT_TRUE(matches(output, name + ".output"));
  output.backward(entry(name + ".grad_output"));
  for (size_t i = 0; i < inputs.size(); ++i) {
    const std::string key = name + ".grad.input" + std::to_string(i);
    if (has(key)) {
      EXPECT_TRUE(matches(inputs[i].grad(), key));
    }
  }
  if (compare_param_grads) {
    for (const auto& p : module->named_parameters()) {
      EXPECT_TRUE(matches(p.value().grad(), name + ".grad." + p.key()));
    }
  }
  for (const auto& b : module->named_buffers()) {
    const std::string key = name + ".buffer_after." + b.key();
    if (!has(key)) continue;
    if (b.value().is_floating_point()) {
      EXPECT_TRUE(matches(b.value(), key));
    } else {
      EXPECT_TRUE(equal(b.value(), entry(key))) << key;
    }
  }
}

TEST(Golden, Linear) {
  check_case("linear", Linear(5, 3));
  check_case("linear_nobias", Linear(LinearOptions(5, 3).bias(false)));
}

TEST(Golden, Conv2d) {
  check_case("conv2d", Conv2d(Conv2dOptions(4, 6, 3).stride(2).padding(1).groups(2)));
  check_case(
      "conv2d_dilated",
      Conv2d(
          Conv2dOptions(3, 2, {3, 2}).stride({1, 2}).padding({2, 1}).dilation({2, 1}).bias(false)));
}

TEST(Golden, BatchNorm) {
  check_case("batchnorm2d_train", BatchNorm2d(BatchNorm2dOptions(3).momentum(0.2)));
  BatchNorm2d eval_bn(BatchNorm2dOptions(3).momentum(0.2));
  eval_bn->eval();
  check_case("batchnorm2d_eval", eval_bn);
  check_case("batchnorm1d_train", BatchNorm1d(4));
}

TEST(Golden, LayerNormAndEmbedding) {
  check_case("layernorm", LayerNorm(LayerNormOptions({4, 5})));
  check_case("embedding", Embedding(EmbeddingOptions(10, 4).padding_idx(1)));
}

TEST(Golden, Losses) {
  check_case("loss_mse", MSELoss());
  check_case("loss_mse_sum", MSELoss(MSELossOptions(kSum)));
  check_case("loss_l1", L1Loss());
  check_case("loss_smooth_l1", SmoothL1Loss(SmoothL1LossOptions().beta(0.5)));
  check_case("loss_bce", BCELoss(BCELossOptions().weight(entry("loss_bce.weight"))));
  check_case("loss_bce_with_logits", BCEWithLogitsLoss(BCEWithLogitsLossOptions().pos_weight(
                                         entry("loss_bce_with_logits.pos_weight"))));
  check_case("loss_cross_entropy", CrossEntropyLoss());
  check_case("loss_cross_entropy_options",
             CrossEntropyLoss(CrossEntropyLossOptions()
                                  .weight(entry("loss_cross_entropy_options.weight"))
                                  .ignore_index(2)
                                  .label_smoothing(0.1)));
  check_case("loss_cross_entropy_none",
             CrossEntropyLoss(CrossEntropyLossOptions().reduction(kNone)));
  check_case("loss_nll",
             NLLLoss(NLLLossOptions().weight(entry("loss_nll.weight")).reduction(kSum)));
}

}  // namespace
}  // namespace ember::nn
