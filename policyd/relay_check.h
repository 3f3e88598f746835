// relay_check.h - who may send to which recipient (issue 5, "Relay decision").
//
// At protocol_state RCPT only (other states: no opinion):
//   1. client_address in policyd_mynetworks, or sasl_username present: OK;
//   2. the recipient is a plain local@domain (address.h: no relay tricks)
//      and its domain is found in policyd_local_domains: no opinion, so
//      Postfix's own later restrictions (reject_unlisted_recipient, ...) run;
//   3. an unqualified recipient without routing characters ("postmaster"):
//      no opinion; Postfix qualifies it with $myorigin and its own
//      reject_unauth_destination decides;
//   4. everything else: "554 5.7.1 Relay access denied". Postfix puts its
//      class prefix before any policy reply text, so the client sees
//      "554 5.7.1 <rcpt>: Recipient address rejected: Relay access denied"
//      (reject_unauth_destination's own words after the prefix).
// A table error in step 2 is returned (DEFER_IF_PERMIT, pipeline.h).
//
// Thread-safe (immutable after construction; the table is thread-safe).
#pragma once

#include <memory>

#include "core/table/table.h"
#include "policyd/check.h"
#include "policyd/cidr.h"

namespace policyd {

class RelayCheck final : public Check {
 public:
  RelayCheck(NetworkList mynetworks, std::shared_ptr<core::table::Table> local_domains)
      : mynetworks_(std::move(mynetworks)), local_domains_(std::move(local_domains)) {}
  std::string_view name() const override { return "relay"; }
  core::Result<std::optional<Verdict>> check(const Request& request) override;

 private:
  NetworkList mynetworks_;
  std::shared_ptr<core::table::Table> local_domains_;
};

// make_relay_check - from policyd_mynetworks and policyd_local_domains (required).
core::Result<std::unique_ptr<Check>> make_relay_check(const CheckContext& ctx);

}  // namespace policyd
