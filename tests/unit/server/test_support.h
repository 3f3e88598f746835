// test_support.h - temp directories and a log sink for server tests.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "core/log/log.h"

namespace test_server {

// TempDir - a fresh directory under /tmp, removed with everything in it.
struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/vmk-server-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

// LogCapture - collects log lines while alive ("warning: text" form).
struct LogCapture {
  std::mutex mu;
  std::vector<std::string> lines;
  LogCapture() {
    core::log::set_sink([this](core::log::Level level, std::string_view text) {
      std::string prefix = level == core::log::Level::Warning ? "warning: "
                           : level == core::log::Level::Error ? "error: "
                                                              : "";
      std::lock_guard lock(mu);
      lines.push_back(prefix + std::string(text));
    });
  }
  ~LogCapture() { core::log::set_sink(nullptr); }
  size_t count(std::string_view needle) {
    std::lock_guard lock(mu);
    size_t n = 0;
    for (const auto& l : lines)
      if (l.find(needle) != std::string::npos) ++n;
    return n;
  }
};

}  // namespace test_server
