// Module: the base of every layer and every user model, like torch::nn::Module. A module owns
// named parameters, buffers and child modules, registered explicitly; everything that walks a
// model (parameters(), named_parameters() with dotted names, to(device), train()/eval(),
// state_dict(), printing) walks that tree of names.
//
// Note [Register every submodule]
// A submodule kept in a member without register_module() is invisible to the tree: its
// parameters are missing from parameters() (so the optimizer never updates them), to() does
// not move them, eval() does not reach it, state_dict() does not save it. Always write
//
//     fc = register_module("fc", Linear(784, 10));   // in the constructor of NetImpl
//
// Ember catches the mistake where it can: when a module is constructed through a holder
// (Net net;  EMBER_MODULE(Net)) or nn::make_module<NetImpl>(...), every module created while
// NetImpl's constructor runs that is still alive and was registered nowhere when it returns
// makes the construction throw an ember::ValueError naming both modules.
// nn::set_unregistered_module_check(false) turns the check off. A module made with a plain
// std::make_shared<NetImpl>() is not checked.
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "ember/core/device.h"
#include "ember/core/dtype.h"
#include "ember/core/tensor.h"
#include "ember/nn/ordered_dict.h"

namespace ember::nn {

class Module;

namespace detail {
// Base of every ModuleHolder, so templates can tell holders from other types.
struct ModuleHolderIndicator {};
template <typename T>
inline constexpr bool is_module_holder_v =
    std::is_base_of_v<ModuleHolderIndicator, std::remove_cv_t<std::remove_reference_t<T>>>;

// While a holder (or make_module) constructs a module, the modules created in its constructor
// are recorded, so that unregistered ones can be reported (Note [Register every submodule]).
class EMBER_API ModuleConstructionScope {
 public:
  ModuleConstructionScope();
  ~ModuleConstructionScope();
  ModuleConstructionScope(const ModuleConstructionScope&) = delete;
  ModuleConstructionScope& operator=(const ModuleConstructionScope&) = delete;
  // Checks the modules created while root was constructed, then closes the scope.
  void finish(Module& root);

 private:
  bool open_ = true;
};
}  // namespace detail

// Turns the check of Note [Register every submodule] on (the default) or off, for all threads.
EMBER_API void set_unregistered_module_check(bool enabled);
EMBER_API bool unregistered_module_check();

// What load_state_dict found: keys the module has but the dict lacks, keys the dict has but the
// module lacks, and entries whose shape or dtype differ (each described with both).
struct EMBER_API LoadStateDictResult {
  std::vector<std::string> missing_keys;
  std::vector<std::string> unexpected_keys;
  std::vector<std::string> mismatched_keys;
  // "name: checkpoint [3, 4] float32, module [4, 3] float32" for each mismatched key.
  std::vector<std::string> mismatch_descriptions;
  bool ok() const {
    return missing_keys.empty() && unexpected_keys.empty() && mismatched_keys.empty();
  }
};

class EMBER_API Module : public std::enable_shared_from_this<Module> {
 public:
  // name: what name() and printing show; by default the class name without namespaces and
  // without a trailing "Impl" (LinearImpl prints as Linear).
  explicit Module(std::string name);
  Module();
  virtual ~Module();
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  const std::string& name() const;

  // ---- the tree ----
  // Parameters of this module and (recurse) of its descendants; undefined ones (a missing bias)
  // are skipped. Named ones carry dotted paths: "features.0.weight".
  std::vector<Tensor> parameters(bool recurse = true) const;
  OrderedDict<std::string, Tensor> named_parameters(bool recurse = true) const;
  std::vector<Tensor> buffers(bool recurse = true) const;
  OrderedDict<std::string, Tensor> named_buffers(bool recurse = true) const;
  // Direct children, in registration order.
  std::vector<std::shared_ptr<Module>> children() const;
  const OrderedDict<std::string, std::shared_ptr<Module>>& named_children() const {
    return children_;
  }
  // This module (include_self; it must be owned by a std::shared_ptr) and every descendant,
  // depth first; each module once even when registered twice. Self's name is name_prefix.
  std::vector<std::shared_ptr<Module>> modules(bool include_self = true) const;
  OrderedDict<std::string, std::shared_ptr<Module>> named_modules(
      const std::string& name_prefix = std::string(), bool include_self = true) const;
  // Calls fn on this module and every descendant (depth first, parents before children).
  void apply(const std::function<void(Module&)>& fn);
  void apply(const std::function<void(const std::string&, Module&)>& fn,
             const std::string& name_prefix = std::string());

  // ---- modes ----
  // Sets training mode on this module and every descendant (Dropout and BatchNorm read it).
  virtual void train(bool on = true);
  void eval() { train(false); }
  virtual bool is_training() const noexcept { return is_training_; }

  // ---- device and dtype ----
  // Moves (converts) every parameter, buffer and gradient in place: the parameter tensors keep
  // their identity (an optimizer holding them sees the moved data). A dtype applies to the
  // floating point tensors only (an int64 counter stays int64) and must be floating.
  virtual void to(Device device, DType dtype, bool non_blocking = false);
  virtual void to(DType dtype, bool non_blocking = false);
  virtual void to(Device device, bool non_blocking = false);

  // Resets every parameter's gradient: to undefined (set_to_none, the default) or to zeros.
  virtual void zero_grad(bool set_to_none = true);

  // ---- state ----
  // Every parameter and buffer by dotted name (a module's parameters, then its buffers, then its
  // children's, like PyTorch), detached: the tensors share storage with the module's.
  OrderedDict<std::string, Tensor> state_dict() const;
  // Copies the dict's tensors into the module's parameters and buffers (on the module's device,
  // without recording gradients). strict: a missing or unexpected key, or a shape or dtype
  // mismatch, throws a ValueError naming every offending key, and nothing is copied. Not strict:
  // what matches is loaded and the rest is reported in the result.
  LoadStateDictResult load_state_dict(const OrderedDict<std::string, Tensor>& state,
                                      bool strict = true);
  LoadStateDictResult load_state_dict(const std::map<std::string, Tensor>& state,
                                      bool strict = true);

  // ---- printing ----
  // The text inside this module's parentheses when printed: "in_features=784, out_features=10,
  // bias=true" (empty by default), like PyTorch's extra_repr.
  virtual std::string extra_repr() const;
  // Prints the module tree like PyTorch's repr:
  //   Sequential(
  //     (0): Linear(in_features=784, out_features=256, bias=true)
  //     (1): ReLU()
  //   )
  virtual void pretty_print(std::ostream& stream) const;
  // What pretty_print writes, as a string.
  std::string to_string() const;

  // This module as a ModuleType (an Impl class or a holder's Impl), or null.
  template <typename ModuleType>
  auto* as() noexcept {
    if constexpr (detail::is_module_holder_v<ModuleType>) {
      return dynamic_cast<typename ModuleType::ContainedType*>(this);
    } else {
      return dynamic_cast<ModuleType*>(this);
    }
  }
  template <typename ModuleType>
  const auto* as() const noexcept {
    return const_cast<Module*>(this)->as<ModuleType>();
  }

  // ---- registration ----
  // Adds a parameter (requires_grad set as given; a tensor with history is detached first).
  // An undefined tensor registers an empty slot (a module without bias) that the walks skip.
  // Returns the stored tensor, which shares its data with what named_parameters() returns.
  Tensor& register_parameter(std::string name, Tensor tensor, bool requires_grad = true);
  // Adds a buffer: state saved in state_dict() and moved by to() but not trained (running means).
  Tensor& register_buffer(std::string name, Tensor tensor);
  // Adds a child module and returns it (the same holder or pointer that was passed).
  template <typename ModuleType>
  std::shared_ptr<ModuleType> register_module(std::string name,
                                              std::shared_ptr<ModuleType> module) {
    register_module_impl(std::move(name), module);
    return module;
  }
  template <typename Holder>
  requires detail::is_module_holder_v<Holder> std::remove_cvref_t<Holder> register_module(
      std::string name, Holder&& holder) {
    register_module_impl(std::move(name), holder.ptr());
    return std::forward<Holder>(holder);
  }
  // Replaces the child registered under name (which must exist) and returns the new one.
  template <typename ModuleType>
  std::shared_ptr<ModuleType> replace_module(const std::string& name,
                                             std::shared_ptr<ModuleType> module) {
    replace_module_impl(name, module);
    return module;
  }
  template <typename Holder>
  requires detail::is_module_holder_v<Holder> std::remove_cvref_t<Holder> replace_module(
      const std::string& name, Holder&& holder) {
    replace_module_impl(name, holder.ptr());
    return std::forward<Holder>(holder);
  }
  void unregister_module(const std::string& name);

  // How many modules hold this one as a registered child (0 for a root or a forgotten member).
  int registration_count() const noexcept { return registration_count_; }

 protected:
  // Containers keep their own order of children and may need these directly.
  void register_module_impl(std::string name, std::shared_ptr<Module> module);
  void replace_module_impl(const std::string& name, std::shared_ptr<Module> module);

  OrderedDict<std::string, Tensor> parameters_{"Parameter"};
  OrderedDict<std::string, Tensor> buffers_{"Buffer"};
  OrderedDict<std::string, std::shared_ptr<Module>> children_{"Submodule"};

 private:
  void check_new_name(const std::string& name, const char* what) const;
  void collect_named(OrderedDict<std::string, Tensor>& out, const std::string& prefix, bool params,
                     bool buffers, bool recurse) const;
  void to_impl(std::optional<Device> device, std::optional<DType> dtype, bool non_blocking);

  mutable std::optional<std::string> name_;
  bool is_training_ = true;
  int registration_count_ = 0;
};

// Prints module.pretty_print().
EMBER_API std::ostream& operator<<(std::ostream& stream, const Module& module);

}  // namespace ember::nn
