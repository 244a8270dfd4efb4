// The number of CPU threads muse computes with, as torch.get_num_threads / torch.set_num_threads.
// The default is the environment variable MUSE_NUM_THREADS when it is set (a positive integer, read when
// the first parallel kernel runs), else the number of CPUs. Two programs sharing the cores run best with
// one thread each: a kernel split between two threads waits for the slower half.
#pragma once

namespace muse {

int get_num_threads();
// n >= 1 (else muse::Error); 1 runs every kernel on the calling thread.
void set_num_threads(int n);

}  // namespace muse
