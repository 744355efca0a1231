// Module basics: the tree of names (parameters, buffers, children, modules), registration rules,
// train/eval propagation, to(dtype)/to(device) keeping parameter identity, zero_grad, holders,
// and the unregistered-submodule trap of Note [Register every submodule].
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ember/nn/nn.h"
#include "support/test_util.h"

namespace ember::nn {
namespace {

using ember::testing::throws_with;

// A small CNN of the classic libtorch shape: features (a Sequential) and a classifier.
struct SmallNetImpl : Module {
  SmallNetImpl() {
    features =
        register_module("features", Sequential(Conv2d(Conv2dOptions(1, 4, 3).padding(1)), ReLU(),
                                               MaxPool2d(2), Conv2d(4, 8, 3), BatchNorm2d(8)));
    classifier = register_module("classifier", Linear(8, 10));
    dropout = register_module("dropout", Dropout(0.5));
  }
  Tensor forward(const Tensor& x) {
    Tensor h = features->forward(x);
    h = h.mean({2, 3});
    return classifier(dropout(h));
  }
  Sequential features{nullptr};
  Linear classifier{nullptr};
  Dropout dropout{nullptr};
};
EMBER_MODULE(SmallNet);

std::vector<std::string> keys_of(const OrderedDict<std::string, Tensor>& d) {
  return d.keys();
}

TEST(Module, NamedParametersUseDottedPathsInRegistrationOrder) {
  SmallNet net;
  const std::vector<std::string> expected{
      "features.0.weight", "features.0.bias", "features.3.weight", "features.3.bias",
      "features.4.weight", "features.4.bias", "classifier.weight", "classifier.bias"};
  EXPECT_EQ(keys_of(net->named_parameters()), expected);
  EXPECT_EQ(net->parameters().size(), 8u);
  int64_t count = 0;
  for (const Tensor& p : net->parameters()) count += p.numel();
  EXPECT_EQ(count, (4 * 9 + 4) + (8 * 4 * 9 + 8) + (8 + 8) + (10 * 8 + 10));
  EXPECT_EQ(keys_of(net->named_parameters(/*recurse=*/false)), std::vector<std::string>{});
  EXPECT_EQ(
      keys_of(net->features->named_parameters()),
      (std::vector<std::string>{"0.weight", "0.bias", "3.weight", "3.bias", "4.weight", "4.bias"}));
}

TEST(Module, BuffersChildrenAndModules) {
  SmallNet net;
  EXPECT_EQ(keys_of(net->named_buffers()),
            (std::vector<std::string>{"features.4.running_mean", "features.4.running_var",
                                      "features.4.num_batches_tracked"}));
  EXPECT_EQ(net->buffers().size(), 3u);
  EXPECT_EQ(net->named_children().keys(),
            (std::vector<std::string>{"features", "classifier", "dropout"}));
  EXPECT_EQ(net->children().size(), 3u);
  EXPECT_EQ(net->named_modules().keys(),
            (std::vector<std::string>{"", "features", "features.0", "features.1", "features.2",
                                      "features.3", "features.4", "classifier", "dropout"}));
  EXPECT_EQ(net->modules(/*include_self=*/false).size(), 8u);
  EXPECT_EQ(net->named_modules("net").keys().front(), "net");
  EXPECT_EQ(net->named_modules("net").keys()[1], "net.features");
  EXPECT_TRUE(net->modules().front().get() == net.get());
}

TEST(Module, SharedModulesAndTensorsAreListedOnce) {
  struct TiedImpl : Module {
    TiedImpl() {
      Linear shared(3, 3);
      a = register_module("a", shared);
      b = register_module("b", shared);
    }
    Linear a{nullptr}, b{nullptr};
  };
  auto tied = make_module<TiedImpl>();
  EXPECT_EQ(keys_of(tied->named_parameters()), (std::vector<std::string>{"a.weight", "a.bias"}));
  EXPECT_EQ(tied->named_modules().keys(), (std::vector<std::string>{"", "a"}));
  // state_dict keeps every name, like PyTorch.
  EXPECT_EQ(keys_of(tied->state_dict()),
            (std::vector<std::string>{"a.weight", "a.bias", "b.weight", "b.bias"}));
}

TEST(Module, RegistrationRejectsBadNames) {
  Module m("M");
  m.register_parameter("w", zeros({2}));
  EXPECT_TRUE(throws_with<ValueError>([&] { m.register_parameter("w", zeros({2})); },
                                      {"register_parameter", "'w'", "M"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { m.register_buffer("w", zeros({2})); },
                                      {"register_buffer", "'w'"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { m.register_parameter("a.b", zeros({2})); },
                                      {"register_parameter", "'a.b'", "dot"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { m.register_module("", Linear(1, 1)); },
                                      {"register_module", "empty"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { m.register_module("x", Linear(nullptr)); },
                                      {"ModuleHolder", "empty"}));
  EXPECT_TRUE(throws_with<ValueError>([&] { m.register_module("x", std::shared_ptr<Module>()); },
                                      {"register_module", "'x'", "null"}));
}

TEST(Module, RegisterParameterSetsRequiresGradAndDetaches) {
  Module m;
  Tensor base = ones({2}).requires_grad_();
  Tensor& w = m.register_parameter("w", base * 2);  // has history: stored detached
  EXPECT_TRUE(w.requires_grad());
  EXPECT_TRUE(w.is_leaf());
  Tensor& frozen = m.register_parameter("frozen", ones({2}), /*requires_grad=*/false);
  EXPECT_FALSE(frozen.requires_grad());
  m.register_parameter("missing", Tensor());
  EXPECT_EQ(m.parameters().size(), 2u);  // the undefined slot is skipped
  EXPECT_EQ(m.name(), "Module");
}

TEST(Module, TrainAndEvalReachEveryModule) {
  SmallNet net;
  for (const auto& m : net->modules()) EXPECT_TRUE(m->is_training());
  net->eval();
  for (const auto& m : net->modules()) EXPECT_FALSE(m->is_training()) << m->name();
  net->train();
  for (const auto& m : net->modules()) EXPECT_TRUE(m->is_training()) << m->name();
  net->features->train(false);
  EXPECT_TRUE(net->is_training());
  EXPECT_FALSE(net->features[1]->is_training());
}

TEST(Module, ToDtypeConvertsFloatingTensorsInPlaceKeepingIdentity) {
  SmallNet net;
  Tensor weight = net->classifier->weight;  // what an optimizer would hold
  const std::vector<double> before = weight.to_vector<double>();
  net->to(kFloat64);
  EXPECT_EQ(weight.dtype(), kFloat64);
  EXPECT_TRUE(weight.is_same(net->named_parameters()["classifier.weight"]));
  EXPECT_TRUE(weight.is_same(net->classifier->weight));
  EXPECT_EQ(weight.to_vector<double>(), std::vector<double>(before.begin(), before.end()));
  for (const Tensor& p : net->parameters()) EXPECT_EQ(p.dtype(), kFloat64);
  EXPECT_EQ(net->named_buffers()["features.4.running_mean"].dtype(), kFloat64);
  EXPECT_EQ(net->named_buffers()["features.4.num_batches_tracked"].dtype(), kInt64);
  EXPECT_TRUE(weight.requires_grad());
  EXPECT_TRUE(throws_with<DTypeError>([&] { net->to(kInt32); }, {"Module::to", "int32"}));
}

TEST(Module, ToDtypeWorksWithoutBiasAndMovesGradients) {
  Linear fc(LinearOptions(3, 2).bias(false));
  fc->weight.mutable_grad() = ones({2, 3});
  fc->to(kFloat64);
  EXPECT_FALSE(fc->bias.defined());
  EXPECT_EQ(fc->weight.dtype(), kFloat64);
  EXPECT_EQ(fc->weight.grad().dtype(), kFloat64);
  EXPECT_EQ(fc->parameters().size(), 1u);
  EXPECT_EQ(fc->forward(ones({4, 3}, kFloat64)).dtype(), kFloat64);
}

TEST(Module, ToDeviceMovesParametersBuffersAndGradients) {
  EMBER_REQUIRE_CUDA();
  for (bool bias : {true, false}) {
    Sequential net(Linear(LinearOptions(3, 4).bias(bias)), BatchNorm1d(4));
    Tensor w = net->at<LinearImpl>(0).weight;
    w.mutable_grad() = ones({4, 3});
    const std::vector<double> before = w.to_vector<double>();
    net->to(Device(kCUDA, 0));
    EXPECT_TRUE(w.is_cuda());
    EXPECT_TRUE(w.grad().is_cuda());
    EXPECT_EQ(w.to_vector<double>(), before);
    for (const Tensor& t : net->state_dict().values()) EXPECT_TRUE(t.is_cuda());
    EXPECT_EQ(net->at<LinearImpl>(0).bias.defined(), bias);
    net->to(Device(kCPU), kFloat64);
    EXPECT_TRUE(w.is_cpu());
    EXPECT_EQ(w.dtype(), kFloat64);
  }
}

TEST(Module, ZeroGradResetsOrZeroesGradients) {
  Linear fc(2, 2);
  fc->weight.mutable_grad() = ones({2, 2});
  fc->bias.mutable_grad() = ones({2});
  fc->zero_grad(/*set_to_none=*/false);
  EXPECT_EQ(fc->weight.grad().to_vector<double>(), std::vector<double>(4, 0.0));
  fc->zero_grad();
  EXPECT_FALSE(fc->weight.grad().defined());
  EXPECT_FALSE(fc->bias.grad().defined());
}

TEST(Module, HoldersShareTheirModuleAndCallForward) {
  Linear a(3, 2);
  Linear b = a;  // copies share the module
  EXPECT_EQ(a.get(), b.get());
  Tensor x = ones({1, 3});
  EXPECT_TRUE(equal(a(x), a->forward(x)));
  Linear empty_holder{nullptr};
  EXPECT_TRUE(empty_holder.is_empty());
  EXPECT_FALSE(static_cast<bool>(empty_holder));
  EXPECT_TRUE(throws_with<ValueError>([&] { empty_holder->forward(x); }, {"ModuleHolder"}));
  std::shared_ptr<Module> base = a.ptr();
  EXPECT_NE(base->as<Linear>(), nullptr);
  EXPECT_NE(base->as<LinearImpl>(), nullptr);
  EXPECT_EQ(base->as<Conv2dImpl>(), nullptr);
}

TEST(Module, ModulesOfAStackModuleNeedIncludeSelfFalse) {
  LinearImpl on_stack(2, 2);
  EXPECT_TRUE(throws_with<ValueError>([&] { on_stack.modules(); },
                                      {"named_modules", "shared_ptr", "include_self=false"}));
  EXPECT_TRUE(on_stack.modules(/*include_self=*/false).empty());
  EXPECT_EQ(on_stack.parameters().size(), 2u);
}

TEST(Module, ApplyVisitsEveryModuleWithItsName) {
  SmallNet net;
  std::vector<std::string> names;
  net->apply([&](const std::string& name, Module& m) { names.push_back(name + ":" + m.name()); });
  EXPECT_EQ(names, (std::vector<std::string>{
                       ":SmallNet", "features:Sequential", "features.0:Conv2d", "features.1:ReLU",
                       "features.2:MaxPool2d", "features.3:Conv2d", "features.4:BatchNorm2d",
                       "classifier:Linear", "dropout:Dropout"}));
}

TEST(Module, ReplaceAndUnregisterModule) {
  SmallNet net;
  net->classifier = net->replace_module("classifier", Linear(8, 3));
  EXPECT_EQ(net->named_parameters()["classifier.weight"].size(0), 3);
  net->unregister_module("dropout");
  EXPECT_EQ(net->children().size(), 2u);
  EXPECT_TRUE(throws_with<ValueError>([&] { net->unregister_module("dropout"); },
                                      {"unregister_module", "'dropout'"}));
}

// ---- Note [Register every submodule] ----

// The classic mistake: fc2 is a member but never registered.
struct ForgetfulNetImpl : Module {
  ForgetfulNetImpl() {
    fc1 = register_module("fc1", Linear(4, 3));
    fc2 = Linear(3, 2);  // not registered
  }
  Tensor forward(const Tensor& x) { return fc2(fc1(x)); }
  Linear fc1{nullptr}, fc2{nullptr};
};
EMBER_MODULE(ForgetfulNet);

TEST(UnregisteredSubmodule, IsCaughtWhenTheModuleIsBuiltThroughAHolder) {
  EXPECT_TRUE(throws_with<ValueError>([] { ForgetfulNet net; },
                                      {"ForgetfulNet", "Linear", "register_module"}));
  EXPECT_TRUE(
      throws_with<ValueError>([] { make_module<ForgetfulNetImpl>(); }, {"ForgetfulNet", "Linear"}));
}

TEST(UnregisteredSubmodule, WithoutTheCheckItsParametersAreMissing) {
  // What the check prevents: the optimizer would never see fc2, state_dict would not save it.
  set_unregistered_module_check(false);
  ForgetfulNet net;
  set_unregistered_module_check(true);
  EXPECT_EQ(keys_of(net->named_parameters()), (std::vector<std::string>{"fc1.weight", "fc1.bias"}));
  EXPECT_EQ(net->state_dict().size(), 2u);
  // A plain make_shared is not checked (documented in nn/module.h).
  auto unchecked = std::make_shared<ForgetfulNetImpl>();
  EXPECT_EQ(unchecked->parameters().size(), 2u);
  net->eval();
  EXPECT_TRUE(net->fc2->is_training());  // eval() never reached it either
}

TEST(UnregisteredSubmodule, RegisteredNestedAndTemporaryModulesPass) {
  struct GoodImpl : Module {
    GoodImpl() {
      Linear temporary(2, 2);  // destroyed before the constructor returns: fine
      body = register_module("body", Sequential(Linear(2, 3), ReLU()));
      heads = register_module("heads", ModuleList(Linear(3, 1), Linear(3, 2)));
    }
    Sequential body{nullptr};
    ModuleList heads{nullptr};
  };
  auto good = make_module<GoodImpl>();
  EXPECT_EQ(good->parameters().size(), 6u);
}

}  // namespace
}  // namespace ember::nn
