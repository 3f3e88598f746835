// relay_check.cc - mynetworks / SASL / local domain relay decision.
#include "policyd/relay_check.h"

#include <fmt/format.h>

#include "core/config/config.h"
#include "policyd/address.h"

namespace policyd {

// check - see relay_check.h for the order of the rules.
core::Result<std::optional<Verdict>> RelayCheck::check(const Request& request) {
  if (request.get("protocol_state") != "RCPT") return std::optional<Verdict>();
  if (mynetworks_.contains(request.get("client_address")) || !request.get("sasl_username").empty())
    return std::optional<Verdict>(Verdict{Verdict::Kind::kOk, "OK", ""});
  auto addr = parse_address(request.get("recipient"));
  if (addr.kind == ParsedAddress::Kind::kUnqualified) return std::optional<Verdict>();
  if (addr.kind == ParsedAddress::Kind::kPlain) {
    auto found = local_domains_->lookup(addr.domain);
    if (!found) return found.error();
    if (found->has_value()) return std::optional<Verdict>();
  }
  return std::optional<Verdict>(
      Verdict{Verdict::Kind::kReject, "554 5.7.1 Relay access denied", "Relay access denied"});
}

// make_relay_check - both parameters are checked at startup.
core::Result<std::unique_ptr<Check>> make_relay_check(const CheckContext& ctx) {
  auto nets = NetworkList::parse(ctx.config->get("policyd_mynetworks"), "policyd_mynetworks");
  if (!nets) return nets.error();
  std::string domains = ctx.config->get("policyd_local_domains");
  if (domains.empty())
    return core::config_error(
        "policyd_local_domains is not set: name the tables of your mailbox and alias domains, e.g. "
        "mysql:/etc/postfix/sql/mysql_virtual_domains_maps.cf");
  auto table = ctx.open_tables(domains);
  if (!table) return core::config_error("policyd_local_domains: " + table.error().text);
  return std::unique_ptr<Check>(std::make_unique<RelayCheck>(std::move(*nets), std::move(*table)));
}

}  // namespace policyd
