// The public autograd API: backward/grad, custom functions, gradcheck, grad-mode guards.
#pragma once

#include "ember/autograd/engine.h"
#include "ember/autograd/function.h"
#include "ember/autograd/gradcheck.h"
#include "ember/autograd/node.h"
#include "ember/core/grad_mode.h"
