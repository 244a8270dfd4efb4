// dtype dispatch for the CPU kernels (tensor/dispatch.h), and their parallel grain.
#pragma once

#include <cstdint>

#include "tensor/dispatch.h"

namespace muse::cpu {

using muse::dispatch;
using muse::dispatch_float;

// The work below which a kernel stays on one thread (waking a worker costs microseconds).
inline constexpr int64_t kGrain = 32768;

}  // namespace muse::cpu
