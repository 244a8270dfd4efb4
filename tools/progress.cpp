#include "progress.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>

namespace muse::tools {

namespace {

constexpr int kBarWidth = 24;
// A terminal is redrawn at most this often: drawing every step of a fast loop costs more than the step.
constexpr double kRedrawSeconds = 0.1;

double seconds_between(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

}  // namespace

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  auto s = static_cast<long long>(std::llround(seconds));
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%lld:%02lld", s / 60, s % 60);
  return buf;
}

ProgressBar::ProgressBar(int64_t total, std::string label, double log_seconds)
    : total_(total), label_(std::move(label)), log_seconds_(log_seconds), terminal_(isatty(STDERR_FILENO) != 0) {
  start_ = last_draw_ = std::chrono::steady_clock::now();
}

ProgressBar::~ProgressBar() { finish(); }

std::string ProgressBar::render(int64_t done, bool for_terminal) const {
  double elapsed = seconds_between(start_, std::chrono::steady_clock::now());
  double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
  double eta = rate > 0 ? static_cast<double>(total_ - done) / rate : NAN;
  std::string line = label_;
  if (for_terminal) {
    int filled = total_ > 0 ? static_cast<int>(kBarWidth * done / total_) : 0;
    line += " [" + std::string(filled, '#') + std::string(kBarWidth - filled, '.') + "]";
  }
  char buf[96];
  std::snprintf(buf, sizeof buf, " %5lld/%lld  %.1f it/s  ETA %s", static_cast<long long>(done),
                static_cast<long long>(total_), rate, format_duration(eta).c_str());
  line += buf;
  for (const auto& [name, value] : values_) {
    std::snprintf(buf, sizeof buf, "  %s %.4g", name.c_str(), value);
    line += buf;
  }
  return line;
}

void ProgressBar::update(int64_t done, const std::vector<std::pair<std::string, double>>& values) {
  done_ = done;
  values_ = values;
  auto now = std::chrono::steady_clock::now();
  double since = seconds_between(last_draw_, now);
  if (terminal_ && since >= kRedrawSeconds) {
    // \r returns to the line's start; \033[K clears what a longer previous line left behind.
    std::fprintf(stderr, "\r%s\033[K", render(done, true).c_str());
    std::fflush(stderr);
    last_draw_ = now;
  } else if (!terminal_ && since >= log_seconds_) {
    std::fprintf(stderr, "%s\n", render(done, false).c_str());
    last_draw_ = now;
  }
}

void ProgressBar::finish() {
  if (finished_) return;
  finished_ = true;
  if (terminal_)
    std::fprintf(stderr, "\r%s\033[K\n", render(done_, true).c_str());
  else
    std::fprintf(stderr, "%s\n", render(done_, false).c_str());
  std::fflush(stderr);
}

}  // namespace muse::tools
