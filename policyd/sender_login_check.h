// sender_login_check.h - a logged-in client may only use its own sender
// addresses (Postfix's reject_sender_login_mismatch, issue 5).
//
// At protocol_state RCPT with a non-empty sasl_username:
//   - null sender (MAIL FROM:<>): no opinion. Postfix's
//     reject_sender_login_mismatch skips the null sender too (bounces and
//     delivery reports carry no owner);
//   - the sender's owners from policyd_sender_login_maps, searched with
//     login_keys() (sender, sender without +ext, @domain): one of the
//     comma/space separated owners equals the login (case-insensitively,
//     as Postfix compares): no opinion;
//   - not found, or not among the owners: "553 5.7.1 <sender>: Sender
//     address rejected: not owned by user LOGIN" (reject_sender_login_mismatch's
//     words; from smtpd_recipient_restrictions Postfix puts "<rcpt>:
//     Recipient address rejected: " before them).
// A table error is returned (DEFER_IF_PERMIT). Without a login: no opinion.
// policyd_sender_login_maps empty = check off.
//
// Thread-safe (immutable; the table is thread-safe).
#pragma once

#include <memory>
#include <string>

#include "core/table/table.h"
#include "policyd/check.h"

namespace policyd {

class SenderLoginCheck final : public Check {
 public:
  SenderLoginCheck(std::shared_ptr<core::table::Table> owners, std::string delimiters)
      : owners_(std::move(owners)), delimiters_(std::move(delimiters)) {}
  std::string_view name() const override { return "sender_login"; }
  core::Result<std::optional<Verdict>> check(const Request& request) override;

 private:
  std::shared_ptr<core::table::Table> owners_;
  std::string delimiters_;
};

// make_sender_login_check - nullptr when policyd_sender_login_maps is empty.
core::Result<std::unique_ptr<Check>> make_sender_login_check(const CheckContext& ctx);

}  // namespace policyd
