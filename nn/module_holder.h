// ModuleHolder and EMBER_MODULE: libtorch's "FooImpl class + Foo holder" idiom. A holder is a
// shared pointer to its module with value syntax: `Linear fc(784, 10); fc->forward(x);
// fc(x); fc->weight`. Copies share the module. EMBER_MODULE(Net) declares the holder Net of a
// user's NetImpl, like TORCH_MODULE.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <memory>
#include <type_traits>
#include <utility>

#include "ember/nn/module.h"

namespace ember::nn {

namespace detail {
// Throws ember::ValueError: an empty holder was used (out of line, keeps fmt out of headers).
[[noreturn]] EMBER_API void throw_empty_holder();
}  // namespace detail

// Constructs a T (a Module) with args and returns it, checking Note [Register every submodule]
// (nn/module.h): every module made in T's constructor must have been registered somewhere.
template <typename T, typename... Args>
std::shared_ptr<T> make_module(Args&&... args) {
  static_assert(std::is_base_of_v<Module, T>, "make_module: T must derive from ember::nn::Module");
  detail::ModuleConstructionScope scope;
  std::shared_ptr<T> module = std::make_shared<T>(std::forward<Args>(args)...);
  scope.finish(*module);
  return module;
}

template <typename Contained>
class ModuleHolder : public detail::ModuleHolderIndicator {
 public:
  using ContainedType = Contained;

  // Default-constructs the module (only for modules with a default constructor; give other
  // holders nullptr and assign them later, typically from register_module).
  ModuleHolder() : impl_(default_construct()) {}
  // The empty state: `Linear fc{nullptr};` in a class, assigned in its constructor.
  ModuleHolder(std::nullptr_t) : impl_(nullptr) {}  // NOLINT: implicit like libtorch
  // Constructs the module from the arguments: Linear(784, 10), Conv2d(Conv2dOptions(1, 8, 3)).
  template <typename Head, typename... Tail>
  requires(!(std::is_base_of_v<ModuleHolder, std::remove_cvref_t<Head>> && sizeof...(Tail) == 0) &&
           !(std::is_same_v<std::remove_cvref_t<Head>, std::shared_ptr<Contained>> &&
             sizeof...(Tail) == 0)) explicit ModuleHolder(Head&& head, Tail&&... tail)
      : impl_(make_module<Contained>(std::forward<Head>(head), std::forward<Tail>(tail)...)) {}
  // Wraps an existing module (shared, not copied).
  ModuleHolder(std::shared_ptr<Contained> module) : impl_(std::move(module)) {}  // NOLINT

  explicit operator bool() const noexcept { return impl_ != nullptr; }
  bool is_empty() const noexcept { return impl_ == nullptr; }

  Contained* operator->() { return get(); }
  const Contained* operator->() const { return get(); }
  Contained& operator*() { return *get(); }
  const Contained& operator*() const { return *get(); }
  Contained* get() {
    if (!impl_) detail::throw_empty_holder();
    return impl_.get();
  }
  const Contained* get() const {
    if (!impl_) detail::throw_empty_holder();
    return impl_.get();
  }
  const std::shared_ptr<Contained>& ptr() const {
    if (!impl_) detail::throw_empty_holder();
    return impl_;
  }
  // The module as the base class pointer (what containers and register_module store).
  operator std::shared_ptr<Module>() const { return ptr(); }  // NOLINT: implicit

  // Calls the module's forward: fc(x) is fc->forward(x).
  template <typename C = Contained, typename... Args>
  auto operator()(Args&&... args)
      -> decltype(std::declval<C&>().forward(std::forward<Args>(args)...)) {
    return get()->forward(std::forward<Args>(args)...);
  }
  // Forwards indexing to the module: seq[0], dict["key"].
  template <typename Arg>
  decltype(auto) operator[](Arg&& arg) {
    return (*get())[std::forward<Arg>(arg)];
  }

 protected:
  std::shared_ptr<Contained> impl_;

 private:
  static std::shared_ptr<Contained> default_construct() {
    static_assert(std::is_default_constructible_v<Contained>,
                  "This module has no default constructor: give the holder nullptr "
                  "(Linear fc{nullptr};) and assign it in the constructor with register_module");
    return make_module<Contained>();
  }
};

namespace detail {
template <typename T>
struct is_module_shared_ptr : std::false_type {};
template <typename T>
struct is_module_shared_ptr<std::shared_ptr<T>> : std::is_base_of<Module, T> {};
template <typename T>
inline constexpr bool is_module_shared_ptr_v = is_module_shared_ptr<std::remove_cvref_t<T>>::value;
// True for what containers accept as a module: a holder or a std::shared_ptr to a Module.
template <typename T>
inline constexpr bool is_module_like_v = is_module_holder_v<T> || is_module_shared_ptr_v<T>;

// The typed shared pointer behind a holder or a shared pointer.
template <typename M>
requires is_module_like_v<M>
auto module_ptr_of(M&& module) {
  if constexpr (is_module_holder_v<M>) {
    return module.ptr();
  } else {
    return std::shared_ptr<typename std::remove_cvref_t<M>::element_type>(module);
  }
}
}  // namespace detail

// Prints the held module's tree.
template <typename Contained>
std::ostream& operator<<(std::ostream& stream, const ModuleHolder<Contained>& holder) {
  return stream << static_cast<const Module&>(*holder);
}

}  // namespace ember::nn

// Declares Name, the holder of NameImpl, like TORCH_MODULE.
#define EMBER_MODULE_IMPL(Name, ImplType)                    \
  class Name : public ::ember::nn::ModuleHolder<ImplType> {  \
   public:                                                   \
    using ::ember::nn::ModuleHolder<ImplType>::ModuleHolder; \
    using Impl = ImplType;                                   \
  }

#define EMBER_MODULE(Name) EMBER_MODULE_IMPL(Name, Name##Impl)
