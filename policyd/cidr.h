// cidr.h - policyd_mynetworks: IPv4 and IPv6 networks, and matching client addresses.
//
// NetworkList::parse accepts Postfix mynetworks syntax for literal networks:
// items separated by commas and/or white space, each "a.b.c.d", "a.b.c.d/N"
// (N 0..32), "ipv6", "ipv6/N" (N 0..128), IPv6 optionally in brackets
// ("[::1]/128", "[fe80::]/10"). Unlike Postfix, "/file" and "type:table"
// items are refused (policyd does no table lookups for this), and so are
// networks with host bits set ("10.0.0.1/8": Postfix warns and skips the
// rule; we refuse to start, so a typo never changes who may relay).
//
// contains() matches a client_address as Postfix sends it (IPv6 without
// brackets). An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is matched as the
// IPv4 address, and an IPv4 network never matches other IPv6 addresses.
// An unparsable address (zone ids "fe80::1%eth0", garbage, empty) matches
// nothing: the client is then treated as outside mynetworks.
//
// Immutable after parse; thread-safe. Errors: Config, naming the bad item.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"

namespace policyd {

// An address as 16 bytes; IPv4 is stored IPv4-mapped (::ffff:a.b.c.d).
struct IpAddress {
  std::array<uint8_t, 16> bytes{};
  bool v4 = false;
};

// parse_ip - TEXT as an IPv4 or IPv6 address (no brackets, no zone id).
std::optional<IpAddress> parse_ip(std::string_view text);

class NetworkList {
 public:
  // parse - the list in TEXT; PARAM names the parameter in errors.
  static core::Result<NetworkList> parse(std::string_view text, std::string_view param);
  // contains - true when ADDRESS is in one of the networks.
  bool contains(std::string_view address) const;
  size_t size() const { return nets_.size(); }

 private:
  struct Net {
    IpAddress addr;
    int prefix = 0;  // in bits of the 128-bit form (IPv4 /N is stored as 96 + N)
    bool v4 = false;  // an IPv4 network (or an IPv6 one inside ::ffff:0:0/96)
  };
  std::vector<Net> nets_;
};

}  // namespace policyd
