// The nn API in one header: Module and holders, layers, containers, losses, functional, init,
// gradient clipping and checkpoints.
#pragma once

#include "ember/nn/activation.h"
#include "ember/nn/checkpoint.h"
#include "ember/nn/conv.h"
#include "ember/nn/dropout.h"
#include "ember/nn/embedding.h"
#include "ember/nn/functional.h"
#include "ember/nn/init.h"
#include "ember/nn/linear.h"
#include "ember/nn/loss.h"
#include "ember/nn/module.h"
#include "ember/nn/module_dict.h"
#include "ember/nn/module_holder.h"
#include "ember/nn/module_list.h"
#include "ember/nn/normalization.h"
#include "ember/nn/pooling.h"
#include "ember/nn/sequential.h"
#include "ember/nn/utils.h"
