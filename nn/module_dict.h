// ModuleDict: modules by name, in insertion order, like libtorch's:
//   ModuleDict heads(std::vector<std::pair<std::string, std::shared_ptr<Module>>>{
//       {"classify", Linear(64, 10).ptr()}, {"regress", Linear(64, 1).ptr()}});
//   heads["classify"];  heads->at<LinearImpl>("regress");  heads->insert("aux", Linear(64, 2));
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "ember/nn/module.h"
#include "ember/nn/module_holder.h"
#include "ember/nn/sequential.h"

namespace ember::nn {

class EMBER_API ModuleDictImpl : public Module {
 public:
  ModuleDictImpl() = default;
  explicit ModuleDictImpl(
      const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& modules);
  explicit ModuleDictImpl(const OrderedDict<std::string, std::shared_ptr<Module>>& modules);

  // Adds key (or replaces the module under an existing key, keeping its place).
  void insert(const std::string& key, std::shared_ptr<Module> module);
  template <typename M>
  requires detail::is_module_like_v<M>
  void insert(const std::string& key, M&& module) {
    insert(key, std::shared_ptr<Module>(detail::module_ptr_of(std::forward<M>(module))));
  }
  // Inserts (or replaces) every entry of the list, in order.
  void update(const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& modules);
  // Removes key and returns its module.
  std::shared_ptr<Module> pop(const std::string& key);
  void clear();

  size_t size() const noexcept { return children_.size(); }
  bool is_empty() const noexcept { return children_.is_empty(); }
  bool contains(const std::string& key) const { return children_.contains(key); }
  std::vector<std::string> keys() const { return children_.keys(); }
  std::vector<std::shared_ptr<Module>> values() const { return children_.values(); }
  const OrderedDict<std::string, std::shared_ptr<Module>>& items() const { return children_; }

  // The module under key (a missing key is an error naming it).
  const std::shared_ptr<Module>& operator[](const std::string& key) const { return ptr(key); }
  const std::shared_ptr<Module>& ptr(const std::string& key) const;
  template <typename T>
  auto& at(const std::string& key) {
    return *ptr<T>(key);
  }
  template <typename T>
  auto ptr(const std::string& key) const {
    using Impl = std::remove_pointer_t<decltype(std::declval<Module&>().as<T>())>;
    auto typed = std::dynamic_pointer_cast<Impl>(ptr(key));
    if (!typed) detail::throw_container_cast("ModuleDict", key, ptr(key)->name());
    return typed;
  }

  auto begin() const { return children_.begin(); }
  auto end() const { return children_.end(); }
};
EMBER_MODULE(ModuleDict);

}  // namespace ember::nn
