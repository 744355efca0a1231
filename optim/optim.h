// Ember's optimizers and learning-rate schedulers (ember::optim), like libtorch's torch::optim.
#pragma once

#include "ember/optim/adadelta.h"
#include "ember/optim/adagrad.h"
#include "ember/optim/adam.h"
#include "ember/optim/adamw.h"
#include "ember/optim/lr_scheduler.h"
#include "ember/optim/one_cycle_lr.h"
#include "ember/optim/optimizer.h"
#include "ember/optim/reduce_lr_on_plateau.h"
#include "ember/optim/rmsprop.h"
#include "ember/optim/serialize.h"
#include "ember/optim/sgd.h"
