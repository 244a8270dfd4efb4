// muse built without CUDA: the queries answer "no GPU" and the settings do nothing.
#include "muse/cuda.h"
#include "muse/error.h"

namespace muse::cuda {

bool built_with_cuda() { return false; }
int device_count() { return 0; }
bool is_available() { return false; }
std::string device_name(int index) {
  throw Error(str("cuda::device_name: device ", index, " does not exist (muse was built without CUDA)"));
}
void set_allow_tf32(bool) {}
bool allow_tf32() { return false; }
void synchronize() {}
MemoryStats memory_stats() { return {}; }
void empty_cache() {}

}  // namespace muse::cuda
