// ModuleList: an indexable list of modules, registered as "0", "1", ..., like libtorch's. It has
// no forward: a user's module loops over it.
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

class EMBER_API ModuleListImpl : public Module {
 public:
  ModuleListImpl() = default;
  // Each argument: a holder or a std::shared_ptr to a module.
  template <typename... Modules>
  requires(sizeof...(Modules) > 0 && (detail::is_module_like_v<Modules> &&
                                      ...)) explicit ModuleListImpl(Modules&&... modules) {
    (push_back(std::forward<Modules>(modules)), ...);
  }

  template <typename M>
  requires detail::is_module_like_v<M>
  void push_back(M&& module) {
    push_back(std::shared_ptr<Module>(detail::module_ptr_of(std::forward<M>(module))));
  }
  void push_back(std::shared_ptr<Module> module);
  // Inserts before index (0..size()); later entries are renamed to keep "0".."n-1".
  void insert(size_t index, std::shared_ptr<Module> module);
  template <typename M>
  requires detail::is_module_like_v<M>
  void insert(size_t index, M&& module) {
    insert(index, std::shared_ptr<Module>(detail::module_ptr_of(std::forward<M>(module))));
  }
  // Appends every module of other (sharing them).
  void extend(const ModuleListImpl& other);

  size_t size() const noexcept { return modules_.size(); }
  bool is_empty() const noexcept { return modules_.empty(); }
  const std::shared_ptr<Module>& operator[](size_t index) const { return ptr(index); }
  const std::shared_ptr<Module>& ptr(size_t index) const {
    if (index >= modules_.size()) detail::throw_container_index("ModuleList", index, size());
    return modules_[index];
  }
  // The module at index as a T (an Impl class or a holder): list->at<LinearImpl>(0).weight.
  template <typename T>
  auto& at(size_t index) {
    return *ptr<T>(index);
  }
  template <typename T>
  auto ptr(size_t index) const {
    using Impl = std::remove_pointer_t<decltype(std::declval<Module&>().as<T>())>;
    auto typed = std::dynamic_pointer_cast<Impl>(ptr(index));
    if (!typed) {
      detail::throw_container_cast("ModuleList", std::to_string(index), ptr(index)->name());
    }
    return typed;
  }

  auto begin() const { return modules_.begin(); }
  auto end() const { return modules_.end(); }

 private:
  void rename_children();
  std::vector<std::shared_ptr<Module>> modules_;
};
EMBER_MODULE(ModuleList);

}  // namespace ember::nn
