// Is there a GPU, and which one. Answers false / 0 when muse was built without CUDA or when the
// machine has no usable GPU; never crashes.
#pragma once

#include <string>

namespace muse::cuda {

bool is_available();  // built with CUDA and at least one device answers
int device_count();
std::string device_name(int index = 0);  // throws muse::Error for an index out of range
bool built_with_cuda();

}  // namespace muse::cuda
