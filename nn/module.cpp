// Module: registration, the walks over the module tree, modes, device and dtype moves,
// state_dict loading and PyTorch-style printing. Also the check that catches submodules kept
// outside register_module (Note [Register every submodule] in nn/module.h).
#include "ember/nn/module.h"

#include <cxxabi.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <ostream>
#include <sstream>
#include <typeinfo>
#include <unordered_set>

#include "ember/autograd/autograd_meta.h"
#include "ember/core/check.h"
#include "ember/core/grad_mode.h"
#include "ember/nn/module_holder.h"

namespace ember {

namespace nn {

// ---- Note [Register every submodule]: construction scopes ----
namespace {

std::atomic<bool> g_check_unregistered{true};

// One frame per module under construction by a holder or make_module: the modules created
// while its constructor runs (the module itself included). Null while no module is being built,
// so that modules destroyed after the thread's thread_local objects (static modules at exit)
// touch nothing.
using ConstructionFrames = std::vector<std::vector<Module*>>;
thread_local ConstructionFrames* t_construction_frames = nullptr;

void note_module_constructed(Module* module) {
  if (t_construction_frames) t_construction_frames->back().push_back(module);
}

void note_module_destroyed(Module* module) {
  if (!t_construction_frames) return;
  for (auto& frame : *t_construction_frames) {
    auto it = std::find(frame.begin(), frame.end(), module);
    if (it != frame.end()) frame.erase(it);
  }
}

// "ember::nn::LinearImpl" -> "Linear"; "(anonymous namespace)::NetImpl" -> "Net".
std::string display_name_of(const std::type_info& type) {
  int status = 0;
  char* demangled = abi::__cxa_demangle(type.name(), nullptr, nullptr, &status);
  std::string full = status == 0 && demangled ? demangled : type.name();
  std::free(demangled);
  // Drop namespaces (the last "::" outside template arguments).
  size_t start = 0;
  int depth = 0;
  for (size_t i = 0; i + 1 < full.size(); ++i) {
    if (full[i] == '<') ++depth;
    if (full[i] == '>') --depth;
    if (depth == 0 && full[i] == ':' && full[i + 1] == ':') start = i + 2;
  }
  std::string name = full.substr(start);
  const std::string suffix = "Impl";
  if (name.size() > suffix.size() &&
      name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
    name.resize(name.size() - suffix.size());
  }
  return name;
}

}  // namespace

void set_unregistered_module_check(bool enabled) {
  g_check_unregistered.store(enabled, std::memory_order_relaxed);
}

bool unregistered_module_check() {
  return g_check_unregistered.load(std::memory_order_relaxed);
}

namespace detail {

void throw_empty_holder() {
  EMBER_FAIL(Value,
             "ModuleHolder: this module holder is empty (made with nullptr and never assigned); "
             "assign it first, e.g. fc = register_module(\"fc\", Linear(784, 10)) in the "
             "constructor");
}

namespace {
void pop_frame() {
  t_construction_frames->pop_back();
  if (t_construction_frames->empty()) {
    delete t_construction_frames;
    t_construction_frames = nullptr;
  }
}
}  // namespace

ModuleConstructionScope::ModuleConstructionScope() {
  if (!t_construction_frames) t_construction_frames = new ConstructionFrames();
  t_construction_frames->emplace_back();
}

ModuleConstructionScope::~ModuleConstructionScope() {
  if (open_) pop_frame();
}

void ModuleConstructionScope::finish(Module& root) {
  std::vector<Module*> created = std::move(t_construction_frames->back());
  pop_frame();
  open_ = false;
  // The root now counts as created in the enclosing constructor, if there is one.
  note_module_constructed(&root);
  if (!unregistered_module_check()) return;
  for (Module* m : created) {
    if (m == &root || m->registration_count() > 0) continue;
    EMBER_FAIL(Value,
               "{}: a {} module was created in its constructor but never registered with "
               "register_module(), so its parameters and buffers would be invisible to "
               "parameters(), optimizers, to(), train()/eval() and state_dict(). Register it in "
               "the constructor: member = register_module(\"name\", {}(...)); (see Note "
               "[Register every submodule] in nn/module.h; "
               "nn::set_unregistered_module_check(false) turns this check off)",
               root.name(), m->name(), m->name());
  }
}

}  // namespace detail

// ---- construction and naming ----

Module::Module() {
  note_module_constructed(this);
}

Module::Module(std::string name) : name_(std::move(name)) {
  note_module_constructed(this);
}

Module::~Module() {
  note_module_destroyed(this);
  for (auto& child : children_) {
    if (child.value()) --child.value()->registration_count_;
  }
}

const std::string& Module::name() const {
  if (!name_) name_ = display_name_of(typeid(*this));
  return *name_;
}

// ---- registration ----

void Module::check_new_name(const std::string& name, const char* what) const {
  EMBER_CHECK(!name.empty(), Value, "{}: {} name must not be empty (module {})", what, what,
              this->name());
  EMBER_CHECK(name.find('.') == std::string::npos, Value,
              "{}: {} name '{}' must not contain a dot (module {}); dots separate the levels of "
              "dotted names like features.0.weight",
              what, what, name, this->name());
  EMBER_CHECK(!parameters_.contains(name) && !buffers_.contains(name) && !children_.contains(name),
              Value, "{}: module {} already has a parameter, buffer or submodule named '{}'", what,
              this->name(), name);
}

Tensor& Module::register_parameter(std::string name, Tensor tensor, bool requires_grad) {
  check_new_name(name, "register_parameter");
  if (tensor.defined()) {
    if (tensor.grad_fn()) tensor = tensor.detach();
    tensor.requires_grad_(requires_grad);
  }
  return parameters_.insert(std::move(name), std::move(tensor));
}

Tensor& Module::register_buffer(std::string name, Tensor tensor) {
  check_new_name(name, "register_buffer");
  return buffers_.insert(std::move(name), std::move(tensor));
}

void Module::register_module_impl(std::string name, std::shared_ptr<Module> module) {
  check_new_name(name, "register_module");
  EMBER_CHECK(module != nullptr, Value,
              "register_module: submodule '{}' of {} is null (an empty holder?)", name,
              this->name());
  EMBER_CHECK(module.get() != this, Value, "register_module: {} cannot be its own submodule '{}'",
              this->name(), name);
  ++module->registration_count_;
  children_.insert(std::move(name), std::move(module));
}

void Module::replace_module_impl(const std::string& name, std::shared_ptr<Module> module) {
  EMBER_CHECK(children_.contains(name), Value,
              "replace_module: {} has no submodule named '{}' to replace", this->name(), name);
  EMBER_CHECK(module != nullptr, Value, "replace_module: the new submodule '{}' of {} is null",
              name, this->name());
  std::shared_ptr<Module>& slot = children_[name];
  --slot->registration_count_;
  ++module->registration_count_;
  slot = std::move(module);
}

void Module::unregister_module(const std::string& name) {
  EMBER_CHECK(children_.contains(name), Value, "unregister_module: {} has no submodule named '{}'",
              this->name(), name);
  --children_[name]->registration_count_;
  children_.erase(name);
}

// ---- walks ----

namespace {

std::string join_name(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

// Pre-order walk of the distinct modules of the tree with their dotted names.
void walk_modules(const Module& module, const std::string& prefix,
                  std::unordered_set<const Module*>& seen,
                  const std::function<void(const std::string&, const Module&)>& fn) {
  if (!seen.insert(&module).second) return;
  fn(prefix, module);
  for (const auto& child : module.named_children()) {
    walk_modules(*child.value(), join_name(prefix, child.key()), seen, fn);
  }
}

}  // namespace

void Module::collect_named(OrderedDict<std::string, Tensor>& out, const std::string& prefix,
                           bool params, bool buffers, bool recurse) const {
  // Each tensor once (shared weights appear under their first name), like PyTorch.
  std::unordered_set<const TensorImpl*> seen_tensors;
  auto add_from = [&](const std::string& module_prefix, const Module& m) {
    auto add = [&](const OrderedDict<std::string, Tensor>& dict) {
      for (const auto& item : dict) {
        const Tensor& t = item.value();
        if (!t.defined() || !seen_tensors.insert(t.impl()).second) continue;
        out.insert(join_name(module_prefix, item.key()), t);
      }
    };
    if (params) add(m.parameters_);
    if (buffers) add(m.buffers_);
  };
  if (!recurse) {
    add_from(prefix, *this);
    return;
  }
  std::unordered_set<const Module*> seen_modules;
  walk_modules(*this, prefix, seen_modules, add_from);
}

std::vector<Tensor> Module::parameters(bool recurse) const {
  return named_parameters(recurse).values();
}

OrderedDict<std::string, Tensor> Module::named_parameters(bool recurse) const {
  OrderedDict<std::string, Tensor> out("Parameter");
  collect_named(out, "", /*params=*/true, /*buffers=*/false, recurse);
  return out;
}

std::vector<Tensor> Module::buffers(bool recurse) const {
  return named_buffers(recurse).values();
}

OrderedDict<std::string, Tensor> Module::named_buffers(bool recurse) const {
  OrderedDict<std::string, Tensor> out("Buffer");
  collect_named(out, "", /*params=*/false, /*buffers=*/true, recurse);
  return out;
}

std::vector<std::shared_ptr<Module>> Module::children() const {
  return children_.values();
}

std::vector<std::shared_ptr<Module>> Module::modules(bool include_self) const {
  return named_modules("", include_self).values();
}

OrderedDict<std::string, std::shared_ptr<Module>> Module::named_modules(
    const std::string& name_prefix, bool include_self) const {
  OrderedDict<std::string, std::shared_ptr<Module>> out("Module");
  if (include_self) {
    std::shared_ptr<const Module> self = weak_from_this().lock();
    EMBER_CHECK(self != nullptr, Value,
                "named_modules: {} is not owned by a std::shared_ptr, so it cannot be returned "
                "as one; create it with std::make_shared / a holder, or pass include_self=false",
                name());
    out.insert(name_prefix, std::const_pointer_cast<Module>(self));
  }
  std::unordered_set<const Module*> seen{this};
  for (const auto& child : children_) {
    walk_modules(*child.value(), join_name(name_prefix, child.key()), seen,
                 [&](const std::string& name, const Module& m) {
                   out.insert(name, std::const_pointer_cast<Module>(m.shared_from_this()));
                 });
  }
  return out;
}

void Module::apply(const std::function<void(Module&)>& fn) {
  fn(*this);
  for (auto& child : children_) child.value()->apply(fn);
}

void Module::apply(const std::function<void(const std::string&, Module&)>& fn,
                   const std::string& name_prefix) {
  fn(name_prefix, *this);
  for (auto& child : children_) {
    child.value()->apply(fn, join_name(name_prefix, child.key()));
  }
}

// ---- modes ----

void Module::train(bool on) {
  is_training_ = on;
  for (auto& child : children_) child.value()->train(on);
}

// ---- device and dtype ----

namespace {

// Points t at data (Note in core/tensor_impl.h set_data_from); a leaf whose dtype, device or
// shape changed gets a fresh gradient accumulator on its next use.
void set_data(const Tensor& t, const Tensor& data) {
  const bool meta_changed =
      t.dtype() != data.dtype() || t.device() != data.device() || t.sizes() != data.sizes();
  t.impl()->set_data_from(*data.impl());
  if (meta_changed) {
    if (autograd::AutogradMeta* meta = autograd::meta_if_any(t)) meta->grad_accumulator_.reset();
  }
}

void move_tensor(const Tensor& t, std::optional<Device> device, std::optional<DType> dtype,
                 bool non_blocking) {
  if (!t.defined()) return;
  const Device target_device = device.value_or(t.device());
  const DType target_dtype = dtype && t.is_floating_point() ? *dtype : t.dtype();
  Tensor moved = t.to(target_device, target_dtype, non_blocking);
  if (!moved.is_same(t)) set_data(t, moved);
  if (autograd::AutogradMeta* meta = autograd::meta_if_any(t); meta && meta->grad_.defined()) {
    Tensor grad = meta->grad_.to(target_device, target_dtype, non_blocking);
    if (!grad.is_same(meta->grad_)) set_data(meta->grad_, grad);
  }
}

}  // namespace

void Module::to_impl(std::optional<Device> device, std::optional<DType> dtype, bool non_blocking) {
  NoGradGuard no_grad;
  for (auto& item : parameters_) move_tensor(item.value(), device, dtype, non_blocking);
  for (auto& item : buffers_) move_tensor(item.value(), device, dtype, non_blocking);
  for (auto& child : children_) child.value()->to_impl(device, dtype, non_blocking);
}

void Module::to(Device device, DType dtype, bool non_blocking) {
  EMBER_CHECK(is_floating_point(dtype), DType,
              "Module::to: a module converts to a floating point dtype only, got {} (module {})",
              dtype_name(dtype), name());
  to_impl(device, dtype, non_blocking);
}

void Module::to(DType dtype, bool non_blocking) {
  EMBER_CHECK(is_floating_point(dtype), DType,
              "Module::to: a module converts to a floating point dtype only, got {} (module {})",
              dtype_name(dtype), name());
  to_impl(std::nullopt, dtype, non_blocking);
}

void Module::to(Device device, bool non_blocking) {
  to_impl(device, std::nullopt, non_blocking);
}

void Module::zero_grad(bool set_to_none) {
  NoGradGuard no_grad;
  for (const Tensor& p : parameters()) {
    autograd::AutogradMeta* meta = autograd::meta_if_any(p);
    if (!meta || !meta->grad_.defined()) continue;
    if (set_to_none) {
      meta->grad_ = Tensor();
    } else {
      if (meta->grad_.grad_fn()) meta->grad_ = meta->grad_.detach();
      meta->grad_.zero_();
    }
  }
}

// ---- state ----

namespace {

// State entries of a module tree: its parameters, then its buffers, then each child's (every
// module and tensor under every name it has, like PyTorch's state_dict).
void collect_state(const std::string& prefix, const OrderedDict<std::string, Tensor>& params,
                   const OrderedDict<std::string, Tensor>& buffers,
                   OrderedDict<std::string, Tensor>& out) {
  for (const auto& item : params) {
    if (item.value().defined()) out.insert(join_name(prefix, item.key()), item.value());
  }
  for (const auto& item : buffers) {
    if (item.value().defined()) out.insert(join_name(prefix, item.key()), item.value());
  }
}

std::string describe(const Tensor& t) {
  return t.shape_str() + " " + std::string(dtype_name(t.dtype()));
}

std::string join(const std::vector<std::string>& names) {
  std::string s;
  for (const std::string& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

}  // namespace

OrderedDict<std::string, Tensor> Module::state_dict() const {
  OrderedDict<std::string, Tensor> out("State entry");
  std::function<void(const Module&, const std::string&)> visit = [&](const Module& m,
                                                                     const std::string& prefix) {
    collect_state(prefix, m.parameters_, m.buffers_, out);
    for (const auto& child : m.children_) visit(*child.value(), join_name(prefix, child.key()));
  };
  visit(*this, "");
  for (auto& item : out) item.value() = item.value().detach();
  return out;
}

LoadStateDictResult Module::load_state_dict(const std::map<std::string, Tensor>& state,
                                            bool strict) {
  OrderedDict<std::string, Tensor> ordered("State entry");
  ordered.reserve(state.size());
  for (const auto& [key, value] : state) ordered.insert(key, value);
  return load_state_dict(ordered, strict);
}

LoadStateDictResult Module::load_state_dict(const OrderedDict<std::string, Tensor>& state,
                                            bool strict) {
  OrderedDict<std::string, Tensor> own("State entry");
  std::function<void(const Module&, const std::string&)> visit = [&](const Module& m,
                                                                     const std::string& prefix) {
    collect_state(prefix, m.parameters_, m.buffers_, own);
    for (const auto& child : m.children_) visit(*child.value(), join_name(prefix, child.key()));
  };
  visit(*this, "");

  LoadStateDictResult result;
  std::vector<std::pair<Tensor, Tensor>> copies;  // (destination, source)
  for (const auto& item : own) {
    const Tensor* source = state.find(item.key());
    if (!source) {
      result.missing_keys.push_back(item.key());
      continue;
    }
    const Tensor& dest = item.value();
    if (!source->defined()) {
      result.mismatched_keys.push_back(item.key());
      result.mismatch_descriptions.push_back(item.key() + ": checkpoint undefined, module " +
                                             describe(dest));
      continue;
    }
    if (source->sizes() != dest.sizes() || source->dtype() != dest.dtype()) {
      result.mismatched_keys.push_back(item.key());
      result.mismatch_descriptions.push_back(item.key() + ": checkpoint " + describe(*source) +
                                             ", module " + describe(dest));
      continue;
    }
    copies.emplace_back(dest, *source);
  }
  for (const auto& item : state) {
    if (!own.contains(item.key())) result.unexpected_keys.push_back(item.key());
  }
  if (strict && !result.ok()) {
    std::string problems;
    auto add = [&](const std::string& what, const std::vector<std::string>& names) {
      if (names.empty()) return;
      problems += (problems.empty() ? "" : "; ") + what + ": " + join(names);
    };
    add("missing keys", result.missing_keys);
    add("unexpected keys", result.unexpected_keys);
    add("shape or dtype mismatches", result.mismatch_descriptions);
    EMBER_FAIL(Value,
               "load_state_dict: cannot load the state into {} ({}); nothing was loaded. Fix the "
               "names or shapes, or load with strict=false to load only the entries that match",
               name(), problems);
  }
  NoGradGuard no_grad;
  for (auto& [dest, source] : copies) {
    Tensor d = dest;
    d.copy_(source);
  }
  return result;
}

// ---- printing ----

std::string Module::extra_repr() const {
  return {};
}

namespace {
// PyTorch's _addindent: every line after the first gets `spaces` more spaces.
std::string add_indent(const std::string& text, int spaces) {
  std::string out;
  const std::string pad(static_cast<size_t>(spaces), ' ');
  for (char c : text) {
    out += c;
    if (c == '\n') out += pad;
  }
  return out;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  if (text.empty()) return lines;
  std::string line;
  std::istringstream in(text);
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}
}  // namespace

void Module::pretty_print(std::ostream& stream) const {
  std::vector<std::string> lines = split_lines(extra_repr());
  const size_t extra_lines = lines.size();
  for (const auto& child : children_) {
    lines.push_back("(" + child.key() + "): " + add_indent(child.value()->to_string(), 2));
  }
  stream << name() << "(";
  if (extra_lines == 1 && lines.size() == 1) {
    stream << lines[0];
  } else if (!lines.empty()) {
    stream << "\n";
    for (const std::string& line : lines) stream << "  " << line << "\n";
  }
  stream << ")";
}

std::string Module::to_string() const {
  std::ostringstream out;
  pretty_print(out);
  return out.str();
}

std::ostream& operator<<(std::ostream& stream, const Module& module) {
  module.pretty_print(stream);
  return stream;
}

}  // namespace nn
}  // namespace ember
