// fuzz_policy.cc - libFuzzer target: a policy client's bytes through
// parse_policy_request() (limits, round trip through policy_request()),
// every attribute value through policyd's address and CIDR parsers, and
// every reply built from client text is exactly one action line.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/proto/policy.h"
#include "policyd/address.h"
#include "policyd/cidr.h"

namespace {

constexpr size_t kMax = 4096;

void check(bool ok) {
  if (!ok) std::abort();
}

void check_value(const std::string& value) {
  auto a = policyd::parse_address(value);
  if (a.kind == policyd::ParsedAddress::Kind::kPlain) {
    check(!a.domain.empty());
    check(a.local.find_first_of("@%!:\"") == std::string::npos);
  }
  policyd::login_keys(value, "+-");
  static const auto nets = *policyd::NetworkList::parse("127.0.0.0/8 10.1.0.0/16 [::1]/128 [2001:db8::]/32", "f");
  nets.contains(value);
  auto list = policyd::NetworkList::parse(value, "fuzz");
  if (list) list->contains(value);
  std::string reply = core::proto::policy_reply(value);
  check(reply.size() >= 9 && reply.compare(reply.size() - 2, 2, "\n\n") == 0);
  check(reply.find('\n') == reply.size() - 2);
  auto parsed = core::proto::parse_policy_reply(reply);
  check(parsed.ok && parsed.consumed == reply.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  core::proto::parse_policy_reply(in);
  while (!in.empty()) {
    auto r = core::proto::parse_policy_request(in, kMax);
    if (!r.request()) break;
    check(r.consumed > 0 && r.consumed <= in.size() && r.consumed <= kMax);
    check(!r.attributes.empty() && r.attributes.size() <= core::proto::kPolicyMaxAttributes);
    bool cr_tail = false;
    for (const auto& [name, value] : r.attributes) {
      check(!name.empty() && name.find('=') == std::string::npos && name.find('\n') == std::string::npos);
      check(value.find('\n') == std::string::npos);
      cr_tail = cr_tail || (!value.empty() && value.back() == '\r');
      check_value(value);
    }
    if (!cr_tail) {  // a value ending in CR loses it on the way back ("nc -C" tolerance)
      auto again = core::proto::parse_policy_request(core::proto::policy_request(r.attributes), SIZE_MAX);
      check(again.request() && again.attributes == r.attributes);
    }
    in.remove_prefix(r.consumed);
  }
  return 0;
}
