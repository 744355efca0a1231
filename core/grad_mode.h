// Grad mode: a thread-local switch that ops consult before recording autograd history.
// NoGradGuard / EnableGradGuard flip it for a scope (like torch::NoGradGuard); InferenceMode
// also marks the scope as one where no tensor will ever need a gradient.
#pragma once

#include "ember/core/macros.h"

namespace ember {

struct EMBER_API GradMode {
  static bool is_enabled();
  static void set_enabled(bool enabled);
};

// Disables gradient recording until the end of the scope, then restores the previous mode.
class EMBER_API NoGradGuard {
 public:
  NoGradGuard() : prev_(GradMode::is_enabled()) { GradMode::set_enabled(false); }
  ~NoGradGuard() { GradMode::set_enabled(prev_); }
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool prev_;
};

// Enables gradient recording until the end of the scope (inside a NoGradGuard, say).
class EMBER_API EnableGradGuard {
 public:
  EnableGradGuard() : prev_(GradMode::is_enabled()) { GradMode::set_enabled(true); }
  ~EnableGradGuard() { GradMode::set_enabled(prev_); }
  EnableGradGuard(const EnableGradGuard&) = delete;
  EnableGradGuard& operator=(const EnableGradGuard&) = delete;

 private:
  bool prev_;
};

// For evaluation loops: no history is recorded in the scope (InferenceMode guard = true).
class EMBER_API InferenceMode {
 public:
  explicit InferenceMode(bool enabled = true) : prev_(GradMode::is_enabled()) {
    if (enabled) GradMode::set_enabled(false);
  }
  ~InferenceMode() { GradMode::set_enabled(prev_); }
  InferenceMode(const InferenceMode&) = delete;
  InferenceMode& operator=(const InferenceMode&) = delete;
  static bool is_enabled() { return !GradMode::is_enabled(); }

 private:
  bool prev_;
};

}  // namespace ember
