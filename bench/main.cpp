// Runs the registered benchmarks, then prints each kernel's rate as a fraction of its ceiling
// (bench/ceiling.h) measured in the same run; a label "ceiling_a,ceiling_b" gives one row per ceiling.
// With --benchmark_repetitions=R (and --benchmark_enable_random_interleaving=true on a loaded machine)
// the table takes each benchmark's best repetition, kernels and ceilings alike: the least disturbed.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

namespace {

struct Row {
  std::string name, ceiling, unit;
  double rate;
};

// Collects every run's rate while the console reporter prints as usual.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& r : runs) {
      if (r.run_type != Run::RT_Iteration) continue;  // aggregates (mean, median) are skipped
      for (const char* unit : {"GB/s", "GFLOP/s"}) {
        auto it = r.counters.find(unit);
        if (it == r.counters.end()) continue;
        auto same = std::find_if(rows.begin(), rows.end(), [&](const Row& row) { return row.name == r.benchmark_name(); });
        if (same == rows.end())
          rows.push_back({r.benchmark_name(), r.report_label, unit, it->second.value});
        else
          same->rate = std::max(same->rate, it->second.value);  // a repetition: keep the best
      }
    }
  }
  std::vector<Row> rows;
};

// "ceiling/copy/4096B/real_time" -> "ceiling/copy/4096B" (the suffix is "/manual_time" for GPU timings).
std::string without_time_suffix(const std::string& name) {
  for (const char* suffix : {"/real_time", "/manual_time"}) {
    size_t at = name.rfind(suffix);
    if (at != std::string::npos) return name.substr(0, at);
  }
  return name;
}

// "a,b" -> {"a", "b"}; "" -> {}.
std::vector<std::string> split(const std::string& labels) {
  std::vector<std::string> out;
  for (size_t at = 0; at < labels.size();) {
    size_t comma = std::min(labels.find(',', at), labels.size());
    out.push_back(labels.substr(at, comma - at));
    at = comma + 1;
  }
  return out;
}

// "ceiling/eigen_gemm/256x256x256" -> "eigen_gemm".
std::string kind(const std::string& ceiling) {
  size_t begin = ceiling.find('/') + 1, end = ceiling.find('/', begin);
  return ceiling.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);

  std::map<std::string, double> ceilings;
  for (const Row& r : reporter.rows)
    if (r.name.rfind("ceiling/", 0) == 0) ceilings[without_time_suffix(r.name)] = r.rate;
  std::printf("\n%-48s %12s %12s %8s  %s\n", "benchmark", "rate", "ceiling", "ratio", "of");
  for (const Row& r : reporter.rows) {
    for (const std::string& ceiling : split(r.ceiling)) {
      auto it = ceilings.find(ceiling);
      if (it == ceilings.end()) continue;  // ceiling filtered out of this run
      std::printf("%-48s %8.1f %-7s %8.1f %7.0f%%  %s\n", r.name.c_str(), r.rate, r.unit.c_str(), it->second,
                  100.0 * r.rate / it->second, kind(ceiling).c_str());
    }
  }
  benchmark::Shutdown();
  return 0;
}
