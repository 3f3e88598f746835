// deliver.h - one message to one recipient: the steps of a delivery, from
// the mailbox lookup to the durable file in new/ and the maildirsize line.
//
// Tables are opened by the caller (main) and borrowed for the call. Every
// failure comes back as an Outcome (never exit() inside), so the TmpFile's
// destructor removes a half-written file. Not thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/table/table.h"
#include "vdelivery/settings.h"
#include "vdelivery/status.h"

namespace vdelivery {

struct Request {
  std::string sender;              // -f (may be "")
  std::string original_recipient;  // -a (may be "")
  std::string recipient;           // operand
};

struct Tables {
  std::unique_ptr<core::table::Table> mailbox;       // mailbox_maps (required)
  std::unique_ptr<core::table::Table> quota;         // quota_maps (may be null)
  std::unique_ptr<core::table::Table> domain_quota;  // vdelivery_domain_quota_maps (may be null)
};

// Facts for the log line.
struct Report {
  int64_t size = 0;
  int64_t used = -1;  // maildir usage after delivery (or before, when refused); -1 = unknown
  int64_t limit = 0;  // bytes, 0 = none
  std::string path;   // file in new/
};

// deliver - MESSAGE (as read from stdin) for REQUEST.
Outcome deliver(const Settings& settings, Tables& tables, const Request& request, std::string_view message,
                Report& report);

// log_delivery - the one syslog line per delivery, in Postfix's style.
void log_delivery(const Request& request, const Outcome& outcome, const Report& report);

}  // namespace vdelivery
