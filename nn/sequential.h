// Sequential: a chain of Tensor -> Tensor modules run in order, like libtorch's:
//   Sequential net(Linear(784, 256), ReLU(), Linear(256, 10));
//   net->forward(x);  net[0];  net->at<LinearImpl>(0).weight;  net->push_back(Dropout(0.5));
// Children are named "0", "1", ... (or by the names given to push_back). Functional wraps a plain
// function (or lambda) as a module so that it can sit in a Sequential.
#pragma once

#include <concepts>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "ember/core/tensor.h"
#include "ember/nn/module.h"
#include "ember/nn/module_holder.h"

namespace ember::nn {

namespace detail {
// Throws ember::IndexError / ember::ValueError (out of line, keeps fmt out of headers).
[[noreturn]] EMBER_API void throw_container_index(const char* container, size_t index, size_t size);
[[noreturn]] EMBER_API void throw_container_cast(const char* container, const std::string& key,
                                                 const std::string& actual);
}  // namespace detail

// A module that calls a function: Functional(ember::relu), Functional([](const Tensor& x) {...}).
class EMBER_API FunctionalImpl : public Module {
 public:
  using Function = std::function<Tensor(const Tensor&)>;
  explicit FunctionalImpl(Function function);
  Tensor forward(const Tensor& input);

 private:
  Function function_;
};
EMBER_MODULE(Functional);

class EMBER_API SequentialImpl : public Module {
 public:
  using Forward = std::function<Tensor(const Tensor&)>;

  SequentialImpl() = default;
  // Each argument: a holder (Linear(3, 4)), a std::shared_ptr to a module, or a function of a
  // Tensor (wrapped in Functional).
  template <typename... Modules>
  requires(sizeof...(Modules) > 0) explicit SequentialImpl(Modules&&... modules) {
    (push_back(std::forward<Modules>(modules)), ...);
  }

  // Appends a module named by its position ("3"), or by name.
  template <typename M>
  void push_back(M&& module) {
    push_back(std::to_string(size()), std::forward<M>(module));
  }
  template <typename M>
  void push_back(std::string name, M&& module) {
    if constexpr (detail::is_module_like_v<M>) {
      auto ptr = detail::module_ptr_of(std::forward<M>(module));
      using T = typename decltype(ptr)::element_type;
      static_assert(
          requires(T & m, const Tensor& x) {
            { m.forward(x) } -> std::convertible_to<Tensor>;
          },
          "Sequential holds modules whose forward takes one Tensor and returns a "
          "Tensor; call other modules yourself");
      T* raw = ptr.get();
      append(std::move(name), std::move(ptr),
             [raw](const Tensor& x) -> Tensor { return raw->forward(x); });
    } else {
      static_assert(std::is_invocable_r_v<Tensor, M, const Tensor&>,
                    "Sequential::push_back takes a module holder, a std::shared_ptr to a module "
                    "or a function Tensor(const Tensor&)");
      push_back(std::move(name), Functional(FunctionalImpl::Function(std::forward<M>(module))));
    }
  }
  // Appends every module of other (sharing them).
  void extend(const SequentialImpl& other);

  // Runs the modules in order; an empty Sequential is an error.
  Tensor forward(const Tensor& input);

  size_t size() const noexcept { return modules_.size(); }
  bool is_empty() const noexcept { return modules_.empty(); }
  // The module at index (range-checked).
  const std::shared_ptr<Module>& operator[](size_t index) const { return ptr(index); }
  const std::shared_ptr<Module>& ptr(size_t index) const {
    if (index >= modules_.size()) detail::throw_container_index("Sequential", index, size());
    return modules_[index];
  }
  // The module at index as a T (an Impl class or a holder): seq->at<LinearImpl>(0).weight.
  template <typename T>
  auto& at(size_t index) {
    return *ptr<T>(index);
  }
  template <typename T>
  auto ptr(size_t index) const {
    using Impl = std::remove_pointer_t<decltype(std::declval<Module&>().as<T>())>;
    auto typed = std::dynamic_pointer_cast<Impl>(ptr(index));
    if (!typed) {
      detail::throw_container_cast("Sequential", std::to_string(index), ptr(index)->name());
    }
    return typed;
  }

  auto begin() const { return modules_.begin(); }
  auto end() const { return modules_.end(); }

 private:
  void append(std::string name, std::shared_ptr<Module> module, Forward forward);

  std::vector<std::shared_ptr<Module>> modules_;
  std::vector<Forward> forwards_;
};
EMBER_MODULE(Sequential);

}  // namespace ember::nn
