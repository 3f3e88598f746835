// recipient_expand.h - the final addresses a recipient reaches through
// virtual alias expansion, as Postfix's cleanup(8) computes them
// (cleanup_map1n.c with mail_addr_map.c), for policyd's RCPT-time quota.
//
// Each address is looked up in the alias table list (policyd_alias_maps,
// virtual_alias_maps meaning) as "user+ext@domain", then "user@domain"
// when it has a recipient_delimiter extension, then the "@domain"
// catch-all. Postfix's bare "user" form is skipped: Postfix tries it only
// for $myorigin/$mydestination/$inet_interfaces domains, never a virtual
// domain. A result is a comma/white-space list; an extension that was not
// part of the matched key is propagated into each result (Postfix's
// propagate_unmatched_extensions default), so user+ext keeps its extension.
// Results are expanded again, breadth first, each chain at most
// recursion_limit lookups deep and the list at most expansion_limit long
// (virtual_alias_recursion_limit / _expansion_limit); an address whose
// result includes itself keeps that copy and is not expanded again. Alias
// domains and Postfix Admin catch-alls are rows of the same alias maps
// (postfixadmin:alias:, or the mysql_virtual_alias_domain*_maps.cf list).
//
// Errors: a table Error is returned as is (would_block() included). A
// chain deeper than the limit (an alias loop) or a list longer than the
// limit is not an Error: Postfix itself defers such mail ("4.6.0 Alias
// expansion error"), so the result says so and the caller stays out of it.
// Thread-safe when the table is.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"
#include "core/table/table.h"

namespace policyd {

struct ExpandLimits {
  size_t recursion = 1000;  // policyd_alias_recursion_limit
  size_t expansion = 1000;  // policyd_alias_expansion_limit
};

struct Expansion {
  enum class Status { kOk, kTooDeep, kTooMany };
  Status status = Status::kOk;
  std::vector<std::string> addresses;  // final addresses, lowercased, no duplicates
};

// alias_lookup - one address through ALIASES in Postfix's key order; the
// result list (extension propagated), empty when no key is found.
core::Result<std::vector<std::string>> alias_lookup(core::table::Table& aliases, std::string_view address,
                                                    std::string_view delimiters);

// expand_recipient - ADDRESS through ALIASES to its final addresses.
// ALIASES may be null (no alias maps): the address itself.
core::Result<Expansion> expand_recipient(core::table::Table* aliases, std::string_view address,
                                         std::string_view delimiters, const ExpandLimits& limits);

}  // namespace policyd
