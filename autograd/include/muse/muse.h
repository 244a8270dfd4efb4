// Everything a user of muse needs: tensors, ops, autograd, and the GPU queries and settings.
#pragma once

#include "muse/cuda.h"
#include "muse/error.h"
#include "muse/grad_mode.h"
#include "muse/gradcheck.h"
#include "muse/memory.h"
#include "muse/ops.h"
#include "muse/tensor.h"
#include "muse/threads.h"
