// A progress bar for training loops, written to stderr.
//
// On a terminal it redraws one line in place:
//   epoch 2/10 [#########.........]  431/938  212.4 it/s  ETA 0:02  loss_d 1.203 loss_g 0.871
// When stderr is not a terminal (a log file, CI), redrawing would fill the log with carriage returns, so
// it prints a plain line every `log_seconds` instead, plus one at the end.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace muse::tools {

class ProgressBar {
 public:
  // total: the number of steps the bar counts to; label is printed first ("epoch 2/10").
  ProgressBar(int64_t total, std::string label, double log_seconds = 5.0);
  ~ProgressBar();

  // Marks `done` steps complete and shows the latest values of the named losses.
  void update(int64_t done, const std::vector<std::pair<std::string, double>>& values);
  // Prints the final state (once) and ends the line.
  void finish();

 private:
  std::string render(int64_t done, bool for_terminal) const;

  int64_t total_;
  std::string label_;
  double log_seconds_;
  bool terminal_;
  bool finished_ = false;
  int64_t done_ = 0;
  std::vector<std::pair<std::string, double>> values_;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

// "1:02:03" or "2:03": the way the bar prints durations.
std::string format_duration(double seconds);

}  // namespace muse::tools
