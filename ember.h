// Ember's public API: include this one header and link ember::ember.
#pragma once

#include "ember/autograd/autograd.h"
#include "ember/core/cuda_api.h"
#include "ember/core/device.h"
#include "ember/core/dtype.h"
#include "ember/core/error.h"
#include "ember/core/factories.h"
#include "ember/core/generator.h"
#include "ember/core/grad_mode.h"
#include "ember/core/nn_ops.h"
#include "ember/core/ops.h"
#include "ember/core/safetensors.h"
#include "ember/core/scalar.h"
#include "ember/core/tensor.h"
#include "ember/core/tensor_options.h"
#include "ember/data/data.h"
#include "ember/optim/optim.h"
