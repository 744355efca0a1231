// Saving and loading optimizer and scheduler state, like torch::save(optimizer, "opt.pt"), in the
// safetensors format (core/safetensors.h), written to a temporary file renamed into place so a
// crash never destroys the last good checkpoint.
//
// An optimizer file holds its per-parameter state tensors as "state.<index>.<name>" (parameters
// numbered across groups in order, as in PyTorch's state_dict) and, in the header's metadata,
// "optimizer" (its name) and "param_groups" (JSON: one object per group with its options and
// "params", the indices of its parameters). A scheduler file holds each entry of its state dict
// as a float64 tensor and "scheduler" (its name) in the metadata.
//
//   ember::save(optimizer, "opt.safetensors");
//   ember::load(optimizer, "opt.safetensors");   // state goes to each parameter's device
#pragma once

#include <string>

#include "ember/optim/lr_scheduler.h"
#include "ember/optim/optimizer.h"

namespace ember::optim {

// Writes a state dict to path.
EMBER_API void save_state_dict(const OptimizerStateDict& state_dict, const std::string& path);
// Reads the state dict of the optimizer file at path (tensors on the CPU).
EMBER_API OptimizerStateDict load_optimizer_state_dict(const std::string& path);

}  // namespace ember::optim

namespace ember {

// Saves optimizer.state_dict() to path, like torch::save(optimizer, "opt.pt").
EMBER_API void save(const optim::Optimizer& optimizer, const std::string& path);
// optimizer.load_state_dict() of the file at path: state tensors go to each parameter's device
// and dtype; a file of another optimizer, or of groups of other sizes, is refused by name.
EMBER_API void load(optim::Optimizer& optimizer, const std::string& path);
// A scheduler's state dict, to and from path.
EMBER_API void save(const optim::Scheduler& scheduler, const std::string& path);
EMBER_API void load(optim::Scheduler& scheduler, const std::string& path);

}  // namespace ember
