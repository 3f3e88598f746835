// address.h - Postfix's address key sequence (MA_FIND_DEFAULT), done by lookupd.
//
// Postfix sends a socketmap or tcp: server only the full key; the shorter
// forms it tries for mysql: tables (user@domain after user+ext@domain, then
// @domain) never reach us (postfix-socketmap.md section 3). For maps listed
// in lookupd_address_maps lookupd generates them itself, in Postfix's order
// (postfix-mysql-table.md section 8; mail_addr_find.c, split_addr.c):
//
//   1. user+ext@domain   (the whole key, lowercased as Postfix folds for mysql)
//   2. user@domain       only with recipient_delimiter set and an extension;
//                        never for postmaster, MAILER-DAEMON, the
//                        double-bounce sender, owner-* / *-request (with '-'
//                        as delimiter and owner_request_special = yes), nor
//                        when the delimiter is the first character
//   3. (skipped) bare user+ext / user: Postfix tries these only for domains
//      in $mydestination / $myorigin / $inet_interfaces; vmailkit's tables
//      hold virtual domains, so lookupd never generates them
//   4. @domain
//
// Each form is tried against every table of the map's list before the next
// form (mail_addr_find() calls maps_find() per form; maps_find() loops over
// the tables). The first hit wins; the first error stops everything.
// Keys without '@' (domain-list lookups send bare domains) and keys that
// start with '@' are looked up once, lowercased.
//
// Extension propagation: a hit on form 2 of an alias map gets the unmatched
// extension inserted before the '@' of each result address, as Postfix does
// for virtual_alias_maps (propagate_unmatched_extensions = canonical,
// virtual; mail_addr_map.c). Postfix cannot do it itself here because it
// never learns that a shorter key matched. A result that starts with '@' is
// left alone: Postfix's client prepends the (full) local part itself.
//
// Pure functions; thread-safe. Table errors come back as the Error.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/table/table.h"

namespace lookupd {

struct AddressPolicy {
  std::string delimiters;              // recipient_delimiter ("" = no extensions)
  bool owner_request_special = true;   // owner_request_special
  std::string double_bounce = "double-bounce";  // double_bounce_sender
};

struct KeyForm {
  std::string key;
  std::string extension;  // set on form 2 only: the unmatched "+Ext" (delimiter included, case kept)
};

// key_forms - the keys to try for KEY, in order.
std::vector<KeyForm> key_forms(std::string_view key, const AddressPolicy& policy);

// propagate_extension - insert EXTENSION before the last '@' of each
// comma-separated address in VALUE (appended when an address has no '@').
std::string propagate_extension(std::string_view value, std::string_view extension);

// search_address - run key_forms(KEY) against TABLE (usually a TableList).
core::table::LookupResult search_address(core::table::Table& table, std::string_view key,
                                         const AddressPolicy& policy, bool propagate);

// lowercase - ASCII case fold (Postfix's lowercase()).
std::string lowercase(std::string_view text);

}  // namespace lookupd
