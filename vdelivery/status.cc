// status.cc - delivery outcomes and their exit codes.
#include "vdelivery/status.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

namespace vdelivery {

std::string_view Outcome::status_word() const {
  if (exit_code == kExOk) return "sent";
  if (exit_code == kExTempFail) return "deferred";
  return "bounced";
}

Outcome delivered(std::string text) {
  return {kExOk, "2.0.0", std::move(text)};
}

Outcome deferred(std::string dsn, std::string text) {
  return {kExTempFail, std::move(dsn), std::move(text)};
}

Outcome bounced(int exit_code, std::string dsn, std::string text) {
  return {exit_code, std::move(dsn), std::move(text)};
}

Outcome unknown_user(std::string_view address) {
  return {kExNoUser, "5.1.1", fmt::format("unknown user: \"{}\"", address)};
}

// from_error - Retry and Config errors both wait in the queue: a config
// mistake must not bounce mail (it would be lost), the admin fixes it.
Outcome from_error(const core::Error& error) {
  if (error.retry()) return deferred("4.3.0", error.text);
  return deferred("4.3.5", "mail system configuration error: " + error.text);
}

// from_errno - Postfix's mbox_dsn() idea, but every I/O error defers: a full
// or broken disk is fixed by an admin, and a deferred message is not lost.
Outcome from_errno(int err, std::string_view what) {
  std::string dsn = "4.3.0";
  if (err == EDQUOT) dsn = "4.2.2";
  if (err == EAGAIN || err == ESTALE) dsn = "4.2.0";
  return deferred(dsn, fmt::format("maildir delivery failed: {}: {}", what, std::strerror(err)));
}

}  // namespace vdelivery
