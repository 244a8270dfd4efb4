// Every nn layer: Module and Sequential, Linear, Identity, Flatten, Unflatten, the activations,
// Dropout, BatchNorm1d, Conv2d and ConvTranspose2d, with torch.nn's names, arguments, printing and
// state_dict keys.
#pragma once

#include "muse/nn/activation.h"
#include "muse/nn/batchnorm.h"
#include "muse/nn/conv.h"
#include "muse/nn/dropout.h"
#include "muse/nn/flatten.h"
#include "muse/nn/linear.h"
#include "muse/nn/module.h"
#include "muse/nn/sequential.h"
