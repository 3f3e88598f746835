// policy.cc - policy delegation request parser and reply encoder.
#include "core/proto/policy.h"

#include <fmt/format.h>

namespace core::proto {
namespace {

PolicyRequestResult fail(std::string why) {
  PolicyRequestResult r;
  r.kind = PolicyRequestResult::Kind::Error;
  r.error = std::move(why);
  return r;
}

}  // namespace

// parse_policy_request - line by line up to the empty line, within MAX bytes.
PolicyRequestResult parse_policy_request(std::string_view input, size_t max) {
  PolicyRequestResult r;
  size_t pos = 0;
  while (true) {
    size_t lf = input.find('\n', pos);
    if (lf == std::string_view::npos) {
      if (input.size() > max) return fail(fmt::format("request longer than {} bytes", max));
      r.attributes.clear();
      return r;  // NeedMore
    }
    if (lf + 1 > max) return fail(fmt::format("request longer than {} bytes", max));
    std::string_view line = input.substr(pos, lf - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = lf + 1;
    if (line.empty()) {
      if (r.attributes.empty()) return fail("empty request (an empty line before any attribute)");
      r.kind = PolicyRequestResult::Kind::Request;
      r.consumed = pos;
      return r;
    }
    if (line.find('\0') != std::string_view::npos) return fail("NUL byte in request");
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) return fail("line without '=' in request");
    if (eq == 0) return fail("attribute without a name in request");
    if (r.attributes.size() >= kPolicyMaxAttributes)
      return fail(fmt::format("more than {} attributes in request", kPolicyMaxAttributes));
    r.attributes.emplace_back(std::string(line.substr(0, eq)), std::string(line.substr(eq + 1)));
  }
}

// policy_reply - one action line and the empty line.
std::string policy_reply(std::string_view action) {
  std::string out = "action=";
  if (action.size() > kPolicyMaxAction) action = action.substr(0, kPolicyMaxAction);
  for (char c : action) out += (c == '\n' || c == '\r' || c == '\0') ? ' ' : c;
  out += "\n\n";
  return out;
}

// policy_request - name=value lines and the empty line.
std::string policy_request(const std::vector<std::pair<std::string, std::string>>& attrs) {
  std::string out;
  for (const auto& [name, value] : attrs) {
    out += name;
    out += '=';
    out += value;
    out += '\n';
  }
  out += '\n';
  return out;
}

// parse_policy_reply - the first action= wins; other attributes are skipped.
PolicyReply parse_policy_reply(std::string_view input) {
  PolicyReply r;
  bool seen = false;
  size_t pos = 0;
  while (true) {
    size_t lf = input.find('\n', pos);
    if (lf == std::string_view::npos) return PolicyReply{};
    std::string_view line = input.substr(pos, lf - pos);
    pos = lf + 1;
    if (line.empty()) {
      r.ok = seen;
      r.consumed = pos;
      return r;
    }
    if (!seen && line.substr(0, 7) == "action=") {
      r.action = std::string(line.substr(7));
      seen = true;
    }
  }
}

}  // namespace core::proto
