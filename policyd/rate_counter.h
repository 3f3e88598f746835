// rate_counter.h - the shared per-login counters of policyd's rate limit.
//
// Counters live in MySQL (table vmailkit_rate_counter, schema/vmailkit-rate-limit.sql),
// one row per login holding the current fixed window's start and its message
// and recipient counts, so every MX host that points at the same database
// shares them. A message is counted with one atomic
// INSERT ... ON DUPLICATE KEY UPDATE that also restarts the counts when the
// row still holds an older window (bump_sql), then read back (read_sql); a
// refused message takes its counts back (undo_sql), so refused attempts do
// not eat into the next messages' allowance.
//
// Windows are fixed and aligned to the Unix epoch (window_start); hosts must
// keep their clocks in step (NTP): a host whose clock is a second behind may
// restart a window that another host has just opened, for that second.
//
// CounterStore is the interface the check uses (a fake in unit tests);
// MysqlCounterStore runs the SQL through a core::mysql::Client pool
// (thread-safe, blocking; call only with blocking allowed). Every database
// problem comes back as a Retry error naming the table file.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/base/result.h"
#include "core/mysql/client.h"

namespace policyd {

// window_start - start (Unix seconds) of the WINDOW-second window holding NOW.
long long window_start(long long now, long long window);

// The counts of one login's current window after a bump.
struct RateUsage {
  long long messages = 0;
  long long recipients = 0;
  bool operator==(const RateUsage&) const = default;
};

// SQL text; ESCAPE quotes the login as Postfix's mysql: table does
// (mysql_real_escape_string on the connection that runs the statement).
using SqlEscape = std::function<std::string(std::string_view)>;
std::string bump_sql(const SqlEscape& escape, std::string_view login, long long window, long long recipients);
std::string read_sql(const SqlEscape& escape, std::string_view login);
std::string undo_sql(const SqlEscape& escape, std::string_view login, long long window, long long recipients);

class CounterStore {
 public:
  virtual ~CounterStore() = default;
  // add - count one message with RECIPIENTS recipients in window WINDOW; the counts after it.
  virtual core::Result<RateUsage> add(std::string_view login, long long window, long long recipients) = 0;
  // undo - take back one add() of the same arguments (the message was refused).
  virtual core::Status undo(std::string_view login, long long window, long long recipients) = 0;
};

class MysqlCounterStore final : public CounterStore {
 public:
  explicit MysqlCounterStore(std::unique_ptr<core::mysql::Client> client) : client_(std::move(client)) {}
  core::Result<RateUsage> add(std::string_view login, long long window, long long recipients) override;
  core::Status undo(std::string_view login, long long window, long long recipients) override;

 private:
  std::unique_ptr<core::mysql::Client> client_;
};

}  // namespace policyd
