// cidr.cc - CIDR parsing and matching for policyd_mynetworks.
#include "policyd/cidr.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <cstring>

#include "core/config/config.h"

namespace policyd {
namespace {

constexpr std::array<uint8_t, 12> kMappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

// in_prefix - the first BITS bits of A and B are equal.
bool in_prefix(const IpAddress& a, const IpAddress& b, int bits) {
  int full = bits / 8;
  if (std::memcmp(a.bytes.data(), b.bytes.data(), static_cast<size_t>(full)) != 0) return false;
  int rest = bits % 8;
  if (rest == 0) return true;
  auto mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (a.bytes[static_cast<size_t>(full)] & mask) == (b.bytes[static_cast<size_t>(full)] & mask);
}

// host_bits_clear - no bit set after the first BITS bits.
bool host_bits_clear(const IpAddress& a, int bits) {
  for (int i = bits; i < 128; ++i)
    if (a.bytes[static_cast<size_t>(i / 8)] & (0x80 >> (i % 8))) return false;
  return true;
}

// parse_prefix - decimal 0..MAX, digits only.
std::optional<int> parse_prefix(std::string_view text, int max) {
  if (text.empty() || text.size() > 3) return std::nullopt;
  int n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  if (n > max) return std::nullopt;
  return n;
}

}  // namespace

// parse_ip - inet_pton for both families; IPv4 stored mapped.
std::optional<IpAddress> parse_ip(std::string_view text) {
  if (text.empty() || text.size() > INET6_ADDRSTRLEN) return std::nullopt;
  std::string s(text);
  IpAddress a;
  in_addr v4{};
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    std::memcpy(a.bytes.data(), kMappedPrefix.data(), kMappedPrefix.size());
    std::memcpy(a.bytes.data() + 12, &v4, 4);
    a.v4 = true;
    return a;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, s.c_str(), &v6) != 1) return std::nullopt;
  std::memcpy(a.bytes.data(), &v6, 16);
  // An IPv4-mapped IPv6 address is that IPv4 client (dual-stack sockets).
  a.v4 = std::memcmp(a.bytes.data(), kMappedPrefix.data(), kMappedPrefix.size()) == 0;
  return a;
}

// parse - each item: [addr]/N, addr/N, [addr], addr.
core::Result<NetworkList> NetworkList::parse(std::string_view text, std::string_view param) {
  NetworkList list;
  for (const auto& item : core::config::split_list(text)) {
    auto bad = [&](std::string_view why) {
      return core::config_error(fmt::format("{}: \"{}\": {}", param, item, why));
    };
    bool table_like = item.front() == '/' || item.front() == '!' ||
                      (item.front() != '[' && item.find(':') != std::string::npos &&
                       !parse_ip(std::string_view(item).substr(0, item.find('/'))));
    if (table_like)
      return bad("expected an IPv4 or IPv6 network such as 192.0.2.0/24 or [2001:db8::]/32"
                 " (files, tables and negation are not supported)");
    std::string_view s = item;
    std::string_view addr = s, prefix;
    if (size_t slash = s.rfind('/'); slash != std::string_view::npos) {
      addr = s.substr(0, slash);
      prefix = s.substr(slash + 1);
      if (prefix.empty()) return bad("empty prefix length after '/'");
    }
    if (!addr.empty() && addr.front() == '[') {
      if (addr.size() < 2 || addr.back() != ']') return bad("unbalanced '['");
      addr = addr.substr(1, addr.size() - 2);
    }
    auto ip = parse_ip(addr);
    if (!ip) return bad("not an IPv4 or IPv6 address");
    bool v4_syntax = addr.find(':') == std::string_view::npos;
    int max = v4_syntax ? 32 : 128;
    int bits = max;
    if (!prefix.empty()) {
      auto p = parse_prefix(prefix, max);
      if (!p) return bad(fmt::format("prefix length must be a number from 0 to {}", max));
      bits = *p;
    }
    if (v4_syntax) bits += 96;
    if (!host_bits_clear(*ip, bits)) return bad("host bits are set after the prefix length (did you mean the network address?)");
    list.nets_.push_back(Net{*ip, bits, ip->v4 && bits >= 96});
  }
  return list;
}

// contains - a network of the same family whose prefix matches. "::/0"
// must not cover IPv4 clients although they are stored mapped.
bool NetworkList::contains(std::string_view address) const {
  auto ip = parse_ip(address);
  if (!ip) return false;
  for (const auto& n : nets_)
    if (n.v4 == ip->v4 && in_prefix(*ip, n.addr, n.prefix)) return true;
  return false;
}

}  // namespace policyd
