// log.h - Postfix-style logging for every vmailkit program.
//
// Lines go to syslog (facility mail) tagged "vmailkit/<program>[pid]", or,
// with maillog_file set, to that file in Postfix's maillog_file shape:
// "Nov 27 19:18:24 host vmailkit/lookupd[123]: warning: text".
// Severity prefixes are Postfix's: info has none; "warning: ", "error: ",
// "fatal: ", "panic: ". fatal() and panic() exit the process (status 1);
// use them only at startup or on a bug. Thread-safe.
// Client-supplied text must go through printable() before it is logged.
// Never log a password.
#pragma once

#include <fmt/format.h>

#include <functional>
#include <string>
#include <string_view>

namespace core::log {

enum class Level { Info, Warning, Error, Fatal, Panic };

// init - set the program name (tag "vmailkit/<program>") and open syslog.
void init(std::string_view program);
// set_file - write lines to PATH instead of syslog ("/dev/stderr" allowed); "" = syslog.
bool set_file(const std::string& path, std::string* why = nullptr);
void set_verbose(int level);
int verbose();
const std::string& program();

// A test sink receives every line (level, text without prefix) instead of syslog/file.
using Sink = std::function<void(Level, std::string_view)>;
void set_sink(Sink sink);

void write(Level level, std::string_view text);
[[noreturn]] void write_and_exit(Level level, std::string_view text);

template <typename... A>
void info(fmt::format_string<A...> f, A&&... a) {
  write(Level::Info, fmt::format(f, std::forward<A>(a)...));
}
template <typename... A>
void debug(fmt::format_string<A...> f, A&&... a) {
  if (verbose() > 0) write(Level::Info, fmt::format(f, std::forward<A>(a)...));
}
template <typename... A>
void warning(fmt::format_string<A...> f, A&&... a) {
  write(Level::Warning, fmt::format(f, std::forward<A>(a)...));
}
template <typename... A>
void error(fmt::format_string<A...> f, A&&... a) {
  write(Level::Error, fmt::format(f, std::forward<A>(a)...));
}
template <typename... A>
[[noreturn]] void fatal(fmt::format_string<A...> f, A&&... a) {
  write_and_exit(Level::Fatal, fmt::format(f, std::forward<A>(a)...));
}
template <typename... A>
[[noreturn]] void panic(fmt::format_string<A...> f, A&&... a) {
  write_and_exit(Level::Panic, fmt::format(f, std::forward<A>(a)...));
}

// printable - TEXT with non-printable bytes shown as '?', cut to MAX bytes.
std::string printable(std::string_view text, size_t max = 200);

}  // namespace core::log
