// EMBER_REGISTER_FORMULA(slot, fn): installs fn as the autograd wrapper of an op's slot (see
// core/autograd_slots.h) when the library loads. fn's type must match the slot's signature.
#pragma once

#include "ember/core/autograd_slots.h"

#define EMBER_REGISTER_FORMULA(slot, fn)                   \
  static const bool ember_formula_registered_##slot = [] { \
    ::ember::autograd_slots::slot = &(fn);                 \
    return true;                                           \
  }()
