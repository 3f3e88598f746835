// address.h - what a recipient or sender attribute says, for relay and
// login decisions: local part, domain, and whether it routes elsewhere.
//
// Postfix sends addresses in internal (unquoted) form, so the client's
// "user@host"@example.com arrives as user@host@example.com; either form is
// handled. The domain is what follows the LAST '@'. An address is "routed"
// (sender-specified routing, the classic relay tricks) when
//   - it starts with '@' (source route: @local:user@host),
//   - its local part holds '@', '%', '!' or ':' (user@host@local,
//     user%host@local, host!user@local, "user@host"@local), or a quote
//     (quoted local parts can hide any of those from a simple parser),
//   - it has no '@' but holds '%', '!', '@' or ':' (bang paths, %-hacks).
// A routed address is never local: Postfix (or a downstream MTA) may
// deliver it to another host. The domain is lowercased and one trailing dot
// dropped; a domain that is empty, an address literal ([192.0.2.1]) or holds
// characters other than letters, digits, '-', '.', '_' and UTF-8 bytes is
// "bad" and never local either.
//
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace policyd {

struct ParsedAddress {
  enum class Kind {
    kPlain,        // local@domain, domain usable for a table lookup
    kUnqualified,  // no '@' and no routing characters ("postmaster")
    kRouted,       // sender-specified routing: never local
    kBadDomain,    // empty domain, address literal, odd characters: never local
  };
  Kind kind = Kind::kBadDomain;
  std::string local;   // as sent (case kept)
  std::string domain;  // lowercased, trailing dot removed (kPlain only)
};

// parse_address - classify ADDRESS (a recipient or sender attribute value).
ParsedAddress parse_address(std::string_view address);

// lowercase - ASCII case fold, as Postfix folds table keys.
std::string lowercase(std::string_view text);

// login_keys - the keys smtpd_sender_login_maps is searched with for SENDER
// (Postfix mail_addr_find): sender, then user@domain without a
// +extension (DELIMITERS = recipient_delimiter, "" = none), then @domain;
// lowercased. Bare user keys are only tried by Postfix for $mydestination
// domains, which vmailkit's virtual domains are not.
std::vector<std::string> login_keys(std::string_view sender, std::string_view delimiters);

}  // namespace policyd
