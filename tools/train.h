// `muse train`, `muse sample`, `muse eval` and `muse info`: the training loop with its progress bar,
// metrics, sample grids and checkpoints, and the commands that read the checkpoints back.
#pragma once

#include <cstdint>
#include <string>

#include "muse/device.h"

namespace muse::tools {

struct TrainConfig {
  std::string model;          // a name of job_names()
  int64_t epochs = 0;         // 0: the model's default
  int64_t batch = 0;          // 0: the model's default
  double lr = 0;              // 0: the model's default
  uint64_t seed = 0;
  std::string out;            // run directory; "" = runs/<model>
  std::string resume;         // checkpoint to continue from
  std::string data_dir;       // "" = /usr/share/datasets/fashion-mnist
  std::string corpus;         // lstm: "poems" (default) or "kjv"
  Device device = kCPU;
  int64_t log_every = 50;     // steps between metrics.jsonl lines
  int64_t limit = 0;          // use only the first `limit` training images (0 = all); for quick runs
  int64_t stop_after = 0;     // raise SIGINT after this many steps (tests of the Ctrl-C path)
  double time_limit = 0;      // seconds of training after which to stop as Ctrl-C does (0 = none)
};

// Returns the process exit status.
int train(const TrainConfig& config);
struct EvalConfig {
  std::string model;
  std::string checkpoint;
  std::string classifier = "runs/classifier/checkpoint.safetensors";  // the scores' feature network
  uint64_t seed = 0;        // of the generated images and the VAEs' posterior draws
  std::string data_dir;     // "" = /usr/share/datasets/fashion-mnist
  Device device = kCPU;
  int64_t limit = 0;        // score on the first `limit` test images (and as many samples); 0 = all
};

int sample(const std::string& model, const std::string& checkpoint, int64_t n, uint64_t seed,
           const std::string& out_png, Device device);
// The classifier: test accuracy and confusion matrix. The generative models: FID-FMNIST and IS-FMNIST
// of 10,000 samples (and the VAEs' test loss).
int eval(const EvalConfig& config);
// The text models (text_commands.cpp). sample_text prints the prefix and n generated characters.
struct TextSampleConfig {
  std::string model = "lstm";  // or "gpt"
  std::string checkpoint;
  std::string prefix;
  int64_t n = 100;
  double temperature = 1.0;
  int64_t top_k = 0;
  double top_p = 1.0;
  uint64_t seed = 0;
  Device device = kCPU;
};
int sample_text(const TextSampleConfig& config);
struct TranslateConfig {
  std::string checkpoint;
  std::string sentence;
  int64_t beam = 5;     // 1: greedy decoding
  double alpha = 0.6;   // beam search's length penalty
  Device device = kCPU;
};
int translate(const TranslateConfig& config);
// lstm and gpt: validation perplexity; seq2seq: test BLEU and chrF, greedy and with beam search.
int eval_text(const EvalConfig& config, int64_t beam);
// `muse data`: the text model's tokenized training and test sets as safetensors, with the tokenizers in
// the metadata, so that bench/torch/ trains PyTorch on exactly the same data.
int export_data(const std::string& model, const std::string& corpus, const std::string& out);
int info(const std::string& checkpoint);

}  // namespace muse::tools
