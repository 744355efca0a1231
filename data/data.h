// ember::data, the input pipeline: data sets (tensors, subsets, concatenations, transforms,
// MNIST/IDX, CSV, image folders), samplers and the DataLoader. Included by <ember/ember.h>.
// libtorch's template spellings (datasets::MNIST(...).map(...), make_data_loader) live in
// <ember/data/libtorch_compat.h>, which ember.h leaves out to stay cheap to compile.
#pragma once

#include "ember/data/csv.h"
#include "ember/data/dataloader.h"
#include "ember/data/dataset.h"
#include "ember/data/example.h"
#include "ember/data/idx.h"
#include "ember/data/image_folder.h"
#include "ember/data/mnist.h"
#include "ember/data/permutation.h"
#include "ember/data/samplers.h"
#include "ember/data/subset.h"
#include "ember/data/tensor_dataset.h"
#include "ember/data/transform_dataset.h"
#include "ember/data/transforms.h"
