// status.h - how a delivery ends: a sysexits code for pipe(8) and one line
// starting with an enhanced status code (RFC 3463) that pipe(8) uses as the
// DSN and reason (postfix-pipe-transport.md section 7).
//
// Outcome is a plain value built deep inside the delivery and carried back to
// main(), which prints it and returns the exit code, so RAII can clean up the
// tmp file on the way. Thread-safe (no state).
#pragma once

#include <string>
#include <string_view>

#include "core/base/result.h"

namespace vdelivery {

// sysexits(3) codes that pipe(8) understands.
inline constexpr int kExOk = 0;
inline constexpr int kExUsage = 64;
inline constexpr int kExDataErr = 65;
inline constexpr int kExNoUser = 67;
inline constexpr int kExSoftware = 70;
inline constexpr int kExCantCreat = 73;
inline constexpr int kExTempFail = 75;
inline constexpr int kExNoPerm = 77;
inline constexpr int kExConfig = 78;

struct Outcome {
  int exit_code = kExOk;
  std::string dsn = "2.0.0";  // enhanced status code
  std::string text;           // reason, without the code

  bool delivered() const { return exit_code == kExOk; }
  bool deferred() const { return exit_code == kExTempFail; }
  // line - "<dsn> <text>", the one line written on stderr.
  std::string line() const { return dsn + " " + text; }
  // status_word - "sent", "deferred" or "bounced" as Postfix logs it.
  std::string_view status_word() const;
};

Outcome delivered(std::string text);
Outcome deferred(std::string dsn, std::string text);  // exit 75
Outcome bounced(int exit_code, std::string dsn, std::string text);
Outcome unknown_user(std::string_view address);  // 5.1.1, exit 67
// from_error - a core::Error as an outcome: Retry defers 4.3.0, Config
// defers 4.3.5 (an admin must fix it; mail waits in the queue meanwhile).
Outcome from_error(const core::Error& error);
// from_errno - a file system error: ENOSPC/EDQUOT/EAGAIN/EIO and friends
// defer (75); only errors no retry can fix would bounce, and we have none.
Outcome from_errno(int err, std::string_view what);

}  // namespace vdelivery
