// Ctrl-C handling for training: the first SIGINT or SIGTERM only raises a flag, which the training
// loop reads at the next step boundary to save a checkpoint and exit cleanly. A second signal, for a
// loop that is stuck, restores the default action and ends the process at once.
#pragma once

namespace muse::tools {

void install_stop_handlers();
bool stop_requested();
void request_stop();  // what the handler does; also used by tests to stop at a chosen step

}  // namespace muse::tools
