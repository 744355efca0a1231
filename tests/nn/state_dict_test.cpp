// state_dict / load_state_dict and the ember::save / ember::load checkpoints: key order, round
// trips in memory and through files, strict and non-strict loading with errors naming the keys,
// modules without bias, loading onto the module's device.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "ember/nn/nn.h"
#include "support/test_util.h"

namespace ember::nn {
namespace {

using ember::testing::throws_with;

struct MlpImpl : Module {
  explicit MlpImpl(bool bias = true) {
    fc1 = register_module("fc1", Linear(LinearOptions(4, 6).bias(bias)));
    bn = register_module("bn", BatchNorm1d(6));
    fc2 = register_module("fc2", Linear(LinearOptions(6, 3).bias(bias)));
  }
  Tensor forward(const Tensor& x) { return fc2(bn(fc1(x)).relu()); }
  Linear fc1{nullptr}, fc2{nullptr};
  BatchNorm1d bn{nullptr};
};
EMBER_MODULE(Mlp);

// A fresh temporary directory per test, removed at the end.
class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            ("ember_nn_test_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(path_)) {
      names.push_back(e.path().filename().string());
    }
    return names;
  }

 private:
  std::filesystem::path path_;
};

// Gives every parameter and buffer of m distinct values (seeded), so that two models differ.
void scramble(Module& m, double offset) {
  NoGradGuard no_grad;
  int64_t k = 0;
  for (auto& item : m.state_dict()) {
    Tensor t = item.value();
    if (t.is_floating_point()) {
      t.copy_(arange(t.numel(), t.options()).reshape(t.sizes()).mul(0.01).add(offset + k));
    } else {
      t.fill_(static_cast<int64_t>(offset) + k);
    }
    ++k;
  }
}

::testing::AssertionResult same_state(Module& a, Module& b) {
  auto sa = a.state_dict(), sb = b.state_dict();
  if (sa.keys() != sb.keys()) return ::testing::AssertionFailure() << "keys differ";
  for (const auto& item : sa) {
    const Tensor& other = sb[item.key()];
    if (item.value().dtype() != other.dtype() || !equal(item.value(), other)) {
      return ::testing::AssertionFailure() << item.key() << " differs";
    }
  }
  return ::testing::AssertionSuccess();
}

TEST(StateDict, KeysInPyTorchOrder) {
  Mlp m;
  EXPECT_EQ(m->state_dict().keys(),
            (std::vector<std::string>{"fc1.weight", "fc1.bias", "bn.weight", "bn.bias",
                                      "bn.running_mean", "bn.running_var", "bn.num_batches_tracked",
                                      "fc2.weight", "fc2.bias"}));
  Mlp no_bias(false);
  EXPECT_EQ(no_bias->state_dict().keys(),
            (std::vector<std::string>{"fc1.weight", "bn.weight", "bn.bias", "bn.running_mean",
                                      "bn.running_var", "bn.num_batches_tracked", "fc2.weight"}));
}

TEST(StateDict, EntriesShareStorageAndCarryNoGradient) {
  Mlp m;
  auto state = m->state_dict();
  EXPECT_FALSE(state["fc1.weight"].requires_grad());
  {
    NoGradGuard no_grad;
    state["fc1.weight"].fill_(3.0);
  }
  EXPECT_EQ(m->fc1->weight.to_vector<double>(), std::vector<double>(24, 3.0));
}

TEST(StateDict, RoundTripInMemoryCopiesIntoExistingTensors) {
  Mlp a, b;
  scramble(*a, 1.0);
  scramble(*b, 50.0);
  Tensor b_weight = b->fc1->weight;
  const LoadStateDictResult result = b->load_state_dict(a->state_dict());
  EXPECT_TRUE(result.ok());
  EXPECT_TRUE(same_state(*a, *b));
  EXPECT_TRUE(b_weight.is_same(b->fc1->weight));  // copied into, not replaced
  EXPECT_TRUE(b->fc1->weight.requires_grad());
  // A std::map (what load_safetensors returns) works too.
  std::map<std::string, Tensor> as_map;
  for (const auto& item : a->state_dict()) as_map.emplace(item.key(), item.value().clone());
  scramble(*b, 7.0);
  b->load_state_dict(as_map);
  EXPECT_TRUE(same_state(*a, *b));
}

TEST(StateDict, StrictLoadNamesEveryProblemAndLoadsNothing) {
  Mlp source;
  scramble(*source, 1.0);
  auto state = source->state_dict();
  OrderedDict<std::string, Tensor> broken;
  for (const auto& item : state) {
    if (item.key() == "fc2.bias") continue;  // missing
    if (item.key() == "fc1.weight") {
      broken.insert(item.key(), zeros({6, 5}));  // shape
    } else if (item.key() == "bn.running_var") {
      broken.insert(item.key(), item.value().to(kFloat64));  // dtype
    } else {
      broken.insert(item.key(), item.value());
    }
  }
  broken.insert("fc3.weight", zeros({1}));  // unexpected
  Mlp target;
  scramble(*target, 20.0);
  const auto before = target->state_dict();
  std::vector<std::vector<double>> before_values;
  for (const auto& item : before) before_values.push_back(item.value().to_vector<double>());
  EXPECT_TRUE(throws_with<ValueError>(
      [&] { target->load_state_dict(broken); },
      {"load_state_dict", "Mlp", "missing keys: fc2.bias", "unexpected keys: fc3.weight",
       "fc1.weight: checkpoint [6, 5] float32, module [6, 4] "
       "float32",
       "bn.running_var: checkpoint [6] float64, module [6] "
       "float32",
       "strict=false"}));
  size_t i = 0;
  for (const auto& item : target->state_dict()) {
    EXPECT_EQ(item.value().to_vector<double>(), before_values[i++]) << item.key();
  }
}

TEST(StateDict, NonStrictLoadsWhatMatchesAndReportsTheRest) {
  Mlp source;
  scramble(*source, 1.0);
  OrderedDict<std::string, Tensor> partial;
  partial.insert("fc1.weight", source->fc1->weight.detach());
  partial.insert("fc2.weight", zeros({2, 2}));
  partial.insert("extra", zeros({1}));
  Mlp target;
  scramble(*target, 20.0);
  const std::vector<double> fc2_before = target->fc2->weight.to_vector<double>();
  const LoadStateDictResult r = target->load_state_dict(partial, /*strict=*/false);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.unexpected_keys, std::vector<std::string>{"extra"});
  EXPECT_EQ(r.mismatched_keys, std::vector<std::string>{"fc2.weight"});
  EXPECT_EQ(r.missing_keys.size(), 7u);
  EXPECT_TRUE(equal(target->fc1->weight, source->fc1->weight));
  EXPECT_EQ(target->fc2->weight.to_vector<double>(), fc2_before);
}

TEST(Checkpoint, ModuleRoundTripThroughAFile) {
  TempDir dir;
  for (bool bias : {true, false}) {
    Mlp a(bias), b(bias);
    scramble(*a, 1.0);
    scramble(*b, 30.0);
    const std::string path = dir.file(bias ? "mlp.safetensors" : "mlp_nobias.safetensors");
    ember::save(path, a);
    ember::load(path, b);
    EXPECT_TRUE(same_state(*a, *b));
    EXPECT_EQ(ember::load(path).size(), bias ? 9u : 7u);
  }
  // No temporary file is left behind by the atomic write.
  for (const std::string& name : dir.entries()) EXPECT_EQ(name.find(".tmp"), std::string::npos);
}

TEST(Checkpoint, LibtorchArgumentOrderAndModuleForms) {
  TempDir dir;
  const std::string path = dir.file("m.safetensors");
  Mlp a, b;
  scramble(*a, 2.0);
  ember::save(a, path);  // torch::save(model, path)
  ember::load(b, path);  // torch::load(model, path)
  EXPECT_TRUE(same_state(*a, *b));
  scramble(*b, 9.0);
  ember::load(path, *b);  // a Module&
  EXPECT_TRUE(same_state(*a, *b));
  std::shared_ptr<MlpImpl> c = make_module<MlpImpl>();
  ember::load(path, c);  // a shared_ptr
  EXPECT_TRUE(same_state(*a, *c));
}

TEST(Checkpoint, StrictAndNonStrictFileLoads) {
  TempDir dir;
  const std::string path = dir.file("nobias.safetensors");
  Mlp no_bias(false);
  scramble(*no_bias, 4.0);
  ember::save(path, no_bias);
  Mlp with_bias(true);
  EXPECT_TRUE(throws_with<ValueError>([&] { ember::load(path, with_bias); },
                                      {"load_state_dict", "missing keys: fc1.bias, fc2.bias"}));
  const LoadStateDictResult r = ember::load(path, with_bias, /*strict=*/false);
  EXPECT_EQ(r.missing_keys, (std::vector<std::string>{"fc1.bias", "fc2.bias"}));
  EXPECT_TRUE(equal(with_bias->fc2->weight, no_bias->fc2->weight));
}

TEST(Checkpoint, TensorsAndTensorMaps) {
  TempDir dir;
  Tensor t = arange(12, kFloat32).reshape({3, 4}).t();  // non-contiguous
  ember::save(dir.file("t.safetensors"), t);
  Tensor back = ember::load_tensor(dir.file("t.safetensors"));
  EXPECT_TRUE(equal(back, t));
  Tensor via_libtorch_order;
  ember::save(t, dir.file("t2.safetensors"));
  ember::load(via_libtorch_order, dir.file("t2.safetensors"));
  EXPECT_TRUE(equal(via_libtorch_order, t));
  TensorMap map{{"a", ones({2}, kInt64)}, {"b", zeros({1, 2}, kFloat64)}};
  ember::save(dir.file("map.safetensors"), map);
  TensorMap loaded = ember::load(dir.file("map.safetensors"));
  ASSERT_EQ(loaded.size(), 2u);
  EXPECT_EQ(loaded["a"].dtype(), kInt64);
  EXPECT_TRUE(equal(loaded["b"], map["b"]));
  EXPECT_TRUE(throws_with<ValueError>([&] { ember::load_tensor(dir.file("map.safetensors")); },
                                      {"load_tensor", "2 tensors"}));
  EXPECT_TRUE(throws_with<IOError>([&] { ember::load(dir.file("absent.safetensors")); },
                                   {"absent.safetensors"}));
}

TEST(Checkpoint, LoadsOntoTheDeviceTheModuleIsOn) {
  EMBER_REQUIRE_CUDA();
  TempDir dir;
  const std::string path = dir.file("m.safetensors");
  for (bool bias : {true, false}) {
    Mlp a(bias), b(bias);
    scramble(*a, 3.0);
    b->to(Device(kCUDA, 0));
    Tensor weight = b->fc1->weight;
    ember::save(path, a);
    ember::load(path, b);
    EXPECT_TRUE(weight.is_same(b->fc1->weight));
    for (const Tensor& t : b->state_dict().values()) EXPECT_TRUE(t.is_cuda());
    b->to(Device(kCPU));
    EXPECT_TRUE(same_state(*a, *b));
    // And the reverse: a CUDA module's state saved, loaded into a CPU module.
    b->to(Device(kCUDA, 0));
    ember::save(path, b);
    Mlp c(bias);
    ember::load(path, c);
    EXPECT_TRUE(same_state(*a, *c));
  }
}

}  // namespace
}  // namespace ember::nn
