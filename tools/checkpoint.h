// Checkpoints of `muse train` (safetensors: the Job's tensors plus metadata saying which model wrote
// them, where training stood and with which options) and the Fashion-MNIST splits the commands read.
#pragma once

#include <string>

#include "job.h"
#include "train.h"

namespace muse::tools {

// Where training stands: enough to continue exactly where a checkpoint left off.
struct Position {
  int64_t epoch = 0;           // the epoch in progress (or next to start)
  int64_t batch_in_epoch = 0;  // batches of that epoch already done
  int64_t step = 0;            // optimisation steps done in total
};

void save_checkpoint(Job& job, const TrainConfig& c, const Position& pos, const std::string& path);
// Reads a checkpoint of `model` into job (errors name the file and what is wrong); returns the
// position and, when `saved` is given, fills the options it was trained with and restores the RNG.
Position load_checkpoint(Job& job, const std::string& model, const std::string& path, TrainConfig* saved);
// The model a checkpoint holds (its "model" metadata); errors name the file.
std::string checkpoint_model(const std::string& path);

struct Split {
  Tensor images;  // (N, 1, 28, 28) float32 in [0, 1]
  Tensor labels;  // (N,) int64
};
// The training or test split; `limit` > 0 keeps the first `limit` images. dir "" = the default.
Split load_split(const std::string& dir, bool train, int64_t limit = 0);

}  // namespace muse::tools
