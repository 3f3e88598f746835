// sender_login_check.cc - envelope sender ownership for SASL logins.
#include "policyd/sender_login_check.h"

#include <fmt/format.h>
#include <strings.h>

#include "core/config/config.h"
#include "policyd/address.h"

namespace policyd {
namespace {

// owned_by - LOGIN is one of the comma/white-space separated OWNERS.
bool owned_by(std::string_view owners, std::string_view login) {
  for (const auto& owner : core::config::split_list(owners))
    if (owner.size() == login.size() && strncasecmp(owner.data(), login.data(), login.size()) == 0) return true;
  return false;
}

}  // namespace

// check - the first key form that is found decides (Postfix's search order).
core::Result<std::optional<Verdict>> SenderLoginCheck::check(const Request& request) {
  if (request.get("protocol_state") != "RCPT") return std::optional<Verdict>();
  std::string_view login = request.get("sasl_username");
  std::string_view sender = request.get("sender");
  if (login.empty() || sender.empty()) return std::optional<Verdict>();
  std::optional<std::string> owners;
  for (const auto& key : login_keys(sender, delimiters_)) {
    auto r = owners_->lookup(key);
    if (!r) return r.error();
    if (r->has_value()) {
      owners = std::move(**r);
      break;
    }
  }
  if (owners && owned_by(*owners, login)) return std::optional<Verdict>();
  return std::optional<Verdict>(
      Verdict{Verdict::Kind::kReject,
              fmt::format("553 5.7.1 <{}>: Sender address rejected: not owned by user {}", sender, login),
              "Sender address rejected: not owned by user"});
}

core::Result<std::unique_ptr<Check>> make_sender_login_check(const CheckContext& ctx) {
  std::string maps = ctx.config->get("policyd_sender_login_maps");
  if (maps.empty()) return std::unique_ptr<Check>();
  auto table = ctx.open_tables(maps);
  if (!table) return core::config_error("policyd_sender_login_maps: " + table.error().text);
  return std::unique_ptr<Check>(
      std::make_unique<SenderLoginCheck>(std::move(*table), ctx.config->get("recipient_delimiter")));
}

}  // namespace policyd
