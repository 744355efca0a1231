// The container modules: Functional, Sequential, ModuleList and ModuleDict.
#include "ember/core/check.h"
#include "ember/nn/module_dict.h"
#include "ember/nn/module_list.h"
#include "ember/nn/sequential.h"

namespace ember::nn {

namespace detail {
void throw_container_index(const char* container, size_t index, size_t size) {
  EMBER_FAIL(Index, "{}: index {} is out of range for a {} of {} modules", container, index,
             container, size);
}

void throw_container_cast(const char* container, const std::string& key,
                          const std::string& actual) {
  EMBER_FAIL(Value, "{}: the module at {} is a {}, not the requested type", container, key, actual);
}
}  // namespace detail

// ---- Functional ----

FunctionalImpl::FunctionalImpl(Function function) : function_(std::move(function)) {
  EMBER_CHECK(static_cast<bool>(function_), Value, "Functional: the function is empty");
}

Tensor FunctionalImpl::forward(const Tensor& input) {
  return function_(input);
}

// ---- Sequential ----

void SequentialImpl::append(std::string name, std::shared_ptr<Module> module, Forward forward) {
  register_module_impl(std::move(name), module);
  modules_.push_back(std::move(module));
  forwards_.push_back(std::move(forward));
}

void SequentialImpl::extend(const SequentialImpl& other) {
  for (size_t i = 0; i < other.size(); ++i) {
    append(std::to_string(size()), other.modules_[i], other.forwards_[i]);
  }
}

Tensor SequentialImpl::forward(const Tensor& input) {
  EMBER_CHECK(!forwards_.empty(), Value,
              "Sequential: cannot call forward() on an empty Sequential; push_back modules first");
  Tensor x = forwards_[0](input);
  for (size_t i = 1; i < forwards_.size(); ++i) x = forwards_[i](x);
  return x;
}

// ---- ModuleList ----

void ModuleListImpl::push_back(std::shared_ptr<Module> module) {
  register_module_impl(std::to_string(modules_.size()), module);
  modules_.push_back(std::move(module));
}

void ModuleListImpl::insert(size_t index, std::shared_ptr<Module> module) {
  EMBER_CHECK(index <= modules_.size(), Index,
              "ModuleList::insert: index {} is out of range for a ModuleList of {} modules "
              "(0..{} allowed)",
              index, modules_.size(), modules_.size());
  EMBER_CHECK(module != nullptr, Value, "ModuleList::insert: the module is null");
  modules_.insert(modules_.begin() + static_cast<std::ptrdiff_t>(index), std::move(module));
  rename_children();
}

void ModuleListImpl::extend(const ModuleListImpl& other) {
  for (const auto& m : other.modules_) push_back(m);
}

void ModuleListImpl::rename_children() {
  while (!children_.is_empty()) {
    const std::string key = children_.front().key();
    unregister_module(key);
  }
  for (size_t i = 0; i < modules_.size(); ++i) register_module_impl(std::to_string(i), modules_[i]);
}

// ---- ModuleDict ----

ModuleDictImpl::ModuleDictImpl(
    const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& modules) {
  update(modules);
}

ModuleDictImpl::ModuleDictImpl(const OrderedDict<std::string, std::shared_ptr<Module>>& modules) {
  update(modules.pairs());
}

void ModuleDictImpl::insert(const std::string& key, std::shared_ptr<Module> module) {
  if (children_.contains(key)) {
    replace_module_impl(key, std::move(module));
  } else {
    register_module_impl(key, std::move(module));
  }
}

void ModuleDictImpl::update(
    const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& modules) {
  for (const auto& [key, module] : modules) insert(key, module);
}

std::shared_ptr<Module> ModuleDictImpl::pop(const std::string& key) {
  EMBER_CHECK(children_.contains(key), Value, "ModuleDict::pop: no module under key '{}'", key);
  std::shared_ptr<Module> module = children_[key];
  unregister_module(key);
  return module;
}

void ModuleDictImpl::clear() {
  while (!children_.is_empty()) {
    const std::string key = children_.front().key();
    unregister_module(key);
  }
}

const std::shared_ptr<Module>& ModuleDictImpl::ptr(const std::string& key) const {
  const std::shared_ptr<Module>* module = children_.find(key);
  EMBER_CHECK(module != nullptr, Value, "ModuleDict: no module under key '{}' (keys: {})", key,
              children_.keys());
  return *module;
}

}  // namespace ember::nn
