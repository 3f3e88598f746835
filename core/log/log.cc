// log.cc - syslog / maillog_file writer behind log.h.
#include "core/log/log.h"

#include <syslog.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <mutex>

namespace core::log {
namespace {

constexpr size_t kMaxLine = 2000;  // Postfix cuts message text at 2000 bytes.

struct State {
  std::mutex mu;
  std::string program = "vmailkit";
  std::string tag = "vmailkit";
  std::FILE* file = nullptr;
  bool owns_file = false;
  int verbose = 0;
  Sink sink;
  bool syslog_open = false;
};

State& state() {
  static State s;
  return s;
}

std::string_view prefix(Level level) {
  switch (level) {
    case Level::Info: return "";
    case Level::Warning: return "warning: ";
    case Level::Error: return "error: ";
    case Level::Fatal: return "fatal: ";
    case Level::Panic: return "panic: ";
  }
  return "";
}

int syslog_priority(Level level) {
  switch (level) {
    case Level::Info: return LOG_INFO;
    case Level::Warning: return LOG_WARNING;
    case Level::Error: return LOG_ERR;
    default: return LOG_CRIT;
  }
}

// short_hostname - first label of the host name, as Postfix writes it.
std::string short_hostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  std::string h(buf);
  return h.substr(0, h.find('.'));
}

}  // namespace

// init - remember the program name and open syslog with the mail facility.
void init(std::string_view program) {
  State& s = state();
  std::lock_guard lock(s.mu);
  s.program = std::string(program);
  s.tag = "vmailkit/" + s.program;
  if (s.syslog_open) closelog();
  openlog(s.tag.c_str(), LOG_PID | LOG_NDELAY, LOG_MAIL);
  s.syslog_open = true;
}

const std::string& program() { return state().program; }

// set_file - send lines to a file instead of syslog.
bool set_file(const std::string& path, std::string* why) {
  State& s = state();
  std::FILE* f = nullptr;
  bool owns = false;
  if (path == "/dev/stderr") {
    f = stderr;
  } else if (path == "/dev/stdout") {
    f = stdout;
  } else if (!path.empty()) {
    f = std::fopen(path.c_str(), "a");
    if (f == nullptr) {
      if (why) *why = fmt::format("open {}: {}", path, std::strerror(errno));
      return false;
    }
    owns = true;
  }
  std::lock_guard lock(s.mu);
  if (s.owns_file) std::fclose(s.file);
  s.file = f;
  s.owns_file = owns;
  return true;
}

void set_verbose(int level) { state().verbose = level; }
int verbose() { return state().verbose; }

void set_sink(Sink sink) {
  State& s = state();
  std::lock_guard lock(s.mu);
  s.sink = std::move(sink);
}

// write - format one line and hand it to the sink, the file or syslog.
void write(Level level, std::string_view text) {
  State& s = state();
  std::string body = fmt::format("{}{}", prefix(level), text.substr(0, kMaxLine));
  for (char& c : body)
    if (c == '\n' || c == '\r') c = ' ';
  std::lock_guard lock(s.mu);
  if (s.sink) {
    s.sink(level, text.substr(0, kMaxLine));
    return;
  }
  if (s.file != nullptr) {
    char stamp[64];
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    localtime_r(&now, &tm);
    std::strftime(stamp, sizeof stamp, "%b %d %H:%M:%S", &tm);
    static const std::string host = short_hostname();
    fmt::print(s.file, "{} {} {}[{}]: {}\n", stamp, host, s.tag, getpid(), body);
    std::fflush(s.file);
    return;
  }
  syslog(syslog_priority(level), "%s", body.c_str());
}

void write_and_exit(Level level, std::string_view text) {
  write(level, text);
  std::_Exit(1);
}

// printable - replace bytes that would garble a log line.
std::string printable(std::string_view text, size_t max) {
  std::string out(text.substr(0, max));
  for (char& c : out) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) c = '?';
  }
  return out;
}

}  // namespace core::log
