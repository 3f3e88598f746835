// policy.h - Postfix SMTP access policy delegation protocol: requests and replies.
//
// Wire facts: /work/shared/reference/postfix-policy.md. A request is
// "name=value" LF lines ended by an empty line; a reply is "action=TEXT" LF
// LF. Postfix 3.7 sends ~30 attributes (section 2); names we do not know
// are kept like the others (a server must ignore what it does not use and
// must not depend on order). Values are raw bytes up to the LF.
//
// parse_policy_request() is strict about what Postfix never sends, because
// such a stream cannot be trusted to be in step with its client: a line
// without '=', an empty name, a NUL byte, more than kPolicyMaxAttributes
// lines, or a request longer than MAX bytes (the terminating empty line
// included) is an Error, and the server closes the connection. A CR before
// the LF is stripped so that people can test with "nc -C" (Postfix never
// sends CR: its values cannot hold one at the places that matter).
//
// Pure functions, thread-safe. PolicyRequestResult owns its attributes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace core::proto {

// More lines than Postfix ever sends (about 30 in 3.7), with room for later versions.
inline constexpr size_t kPolicyMaxAttributes = 256;

struct PolicyRequestResult {
  enum class Kind { NeedMore, Request, Error };
  Kind kind = Kind::NeedMore;
  std::vector<std::pair<std::string, std::string>> attributes;  // Request: in wire order
  size_t consumed = 0;                                          // Request: bytes up to the empty line's LF
  std::string error;                                            // Error: why (no client data in it)

  bool need_more() const { return kind == Kind::NeedMore; }
  bool request() const { return kind == Kind::Request; }
  bool failed() const { return kind == Kind::Error; }
};

// parse_policy_request - the first complete request in INPUT. Incomplete
// and not yet over MAX bytes = NeedMore; see above for the errors.
PolicyRequestResult parse_policy_request(std::string_view input, size_t max);

// policy_reply - "action=ACTION\n\n". LF, CR and NUL in ACTION become spaces
// (they would end or corrupt the reply line; Postfix turns non-printables
// into spaces anyway), and it is cut to kPolicyMaxAction bytes.
inline constexpr size_t kPolicyMaxAction = 1000;
std::string policy_reply(std::string_view action);

// policy_request - the request bytes a client (Postfix) sends for ATTRS (tests, benchmarks).
std::string policy_request(const std::vector<std::pair<std::string, std::string>>& attrs);

// What a client makes of one reply: the action text, or nullopt-like empty
// with ok=false when the reply has no action (Postfix: "missing attribute action").
struct PolicyReply {
  bool ok = false;
  std::string action;  // the first action= value
  size_t consumed = 0;  // bytes up to the terminating empty line (0 = incomplete)
};
// parse_policy_reply - read one reply from INPUT as Postfix's attr_clnt does.
PolicyReply parse_policy_reply(std::string_view input);

}  // namespace core::proto
