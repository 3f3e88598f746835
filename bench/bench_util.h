// bench_util.h - small helpers shared by the benchmark programs in bench/.
//
// What: key-file loading ("key<TAB>value" lines; the value is optional),
// "--name=value" option parsing, latency percentiles, a key picker (random
// or round-robin) and the one-line JSON result every tool prints, so that
// bench/run.py can compare loadgen (socketmap) and native_mysql runs
// field by field.
// Ownership: plain values; nothing here is shared between threads except
// the round-robin counter, which is atomic.
// Errors: load_keys() and Options::get_*() print to stderr and exit(2) on a
// bad file or option; these are command-line tools, not library code.
#pragma once

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace bench {

struct KeyValue {
  std::string key;
  std::string value;
};

// load_keys - read "key[<TAB>value]" lines; blank lines are skipped.
inline std::vector<KeyValue> load_keys(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    std::fprintf(stderr, "fatal: cannot open key file %s\n", path.c_str());
    std::exit(2);
  }
  std::vector<KeyValue> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto tab = line.find('\t');
    if (tab == std::string::npos) {
      out.push_back({line, ""});
    } else {
      out.push_back({line.substr(0, tab), line.substr(tab + 1)});
    }
  }
  if (out.empty()) {
    std::fprintf(stderr, "fatal: key file %s is empty\n", path.c_str());
    std::exit(2);
  }
  return out;
}

// Options - "--name=value" / "--flag" arguments; unknown names are fatal.
class Options {
 public:
  Options(int argc, char** argv, std::map<std::string, std::string> defaults, const char* usage)
      : values_(std::move(defaults)) {
    for (int i = 1; i < argc; ++i) {
      std::string arg = argv[i];
      if (arg == "-h" || arg == "--help") {
        std::fprintf(stdout, "%s", usage);
        std::exit(0);
      }
      if (arg.rfind("--", 0) != 0) die(usage, "unexpected argument " + arg);
      auto eq = arg.find('=');
      std::string name = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
      std::string value = eq == std::string::npos ? "1" : arg.substr(eq + 1);
      if (!values_.count(name)) die(usage, "unknown option --" + name);
      values_[name] = value;
    }
  }
  const std::string& str(const std::string& name) const { return values_.at(name); }
  long num(const std::string& name) const {
    char* end = nullptr;
    long v = std::strtol(values_.at(name).c_str(), &end, 10);
    if (end == values_.at(name).c_str() || *end != 0 || v < 0) {
      std::fprintf(stderr, "fatal: --%s needs a non-negative number\n", name.c_str());
      std::exit(2);
    }
    return v;
  }
  double real(const std::string& name) const { return std::atof(values_.at(name).c_str()); }

 private:
  [[noreturn]] static void die(const char* usage, const std::string& why) {
    std::fprintf(stderr, "fatal: %s\n%s", why.c_str(), usage);
    std::exit(2);
  }
  std::map<std::string, std::string> values_;
};

// KeyPicker - chooses the next key index: shared round-robin or per-caller random.
class KeyPicker {
 public:
  KeyPicker(size_t count, bool random) : count_(count), random_(random) {}
  // next - STATE is the caller's private xorshift state (random mode).
  size_t next(uint64_t& state) {
    if (!random_) return next_.fetch_add(1, std::memory_order_relaxed) % count_;
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state % count_;
  }

 private:
  size_t count_;
  bool random_;
  std::atomic<size_t> next_{0};
};

// Counts - outcome of every finished request.
struct Counts {
  uint64_t ok = 0, notfound = 0, temp = 0, perm = 0, errors = 0;
  uint64_t total() const { return ok + notfound + temp + perm + errors; }
  void add(const Counts& o) {
    ok += o.ok;
    notfound += o.notfound;
    temp += o.temp;
    perm += o.perm;
    errors += o.errors;
  }
};

// percentile_us - P-th percentile (0..100) of NS latencies, in microseconds; sorts in place.
inline double percentile_us(std::vector<uint64_t>& ns, double p) {
  if (ns.empty()) return 0;
  size_t idx = std::min(ns.size() - 1, static_cast<size_t>(p / 100.0 * static_cast<double>(ns.size())));
  std::nth_element(ns.begin(), ns.begin() + static_cast<long>(idx), ns.end());
  return static_cast<double>(ns[idx]) / 1000.0;
}

// cpu_seconds - user+system CPU this process has used so far.
inline double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// print_result - the one parseable JSON line of a run (latencies of answered requests).
// CPU_S is the client's own CPU time during the run (what the generator took from the server).
inline void print_result(const char* tool, const std::string& target, long conns, long threads,
                         const Counts& c, double seconds, double cpu_s, std::vector<uint64_t>& lat_ns) {
  double rps = seconds > 0 ? static_cast<double>(c.total()) / seconds : 0;
  double p50 = percentile_us(lat_ns, 50), p99 = percentile_us(lat_ns, 99);
  double max =
      lat_ns.empty() ? 0 : static_cast<double>(*std::max_element(lat_ns.begin(), lat_ns.end())) / 1000.0;
  std::printf(
      "{\"tool\":\"%s\",\"target\":\"%s\",\"conns\":%ld,\"threads\":%ld,\"requests\":%llu,\"ok\":%llu,"
      "\"notfound\":%llu,\"temp\":%llu,\"perm\":%llu,\"errors\":%llu,\"seconds\":%.3f,\"rps\":%.0f,"
      "\"p50_us\":%.1f,\"p99_us\":%.1f,\"max_us\":%.1f,\"client_cpu_s\":%.3f}\n",
      tool, target.c_str(), conns, threads, static_cast<unsigned long long>(c.total()),
      static_cast<unsigned long long>(c.ok), static_cast<unsigned long long>(c.notfound),
      static_cast<unsigned long long>(c.temp), static_cast<unsigned long long>(c.perm),
      static_cast<unsigned long long>(c.errors), seconds, rps, p50, p99, max, cpu_s);
  std::fflush(stdout);
  if (c.total() > 0 && c.ok == 0) {
    std::fprintf(stderr, "warning: %s: no request succeeded (%llu requests)\n", tool,
                 static_cast<unsigned long long>(c.total()));
  }
}

}  // namespace bench
