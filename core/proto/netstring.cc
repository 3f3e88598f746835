// netstring.cc - netstring decoder and encoder (Postfix netstring.c rules).
#include "core/proto/netstring.h"

#include <fmt/format.h>

namespace core::proto {
namespace {

NetstringResult fail(std::string why) {
  NetstringResult r;
  r.kind = NetstringResult::Kind::Error;
  r.error = std::move(why);
  return r;
}

}  // namespace

// decode_netstring - parse the length digits, then wait for payload and ','.
NetstringResult decode_netstring(std::string_view input, size_t max_payload) {
  size_t len = 0;
  size_t i = 0;
  for (; i < input.size() && input[i] != ':'; ++i) {
    char c = input[i];
    if (c < '0' || c > '9') return fail("netstring length: non-digit before ':'");
    if (i >= kNetstringMaxPrefix) return fail("netstring length: too many digits");
    size_t digit = static_cast<size_t>(c - '0');
    // Checked before multiplying, so a huge MAX_PAYLOAD cannot overflow.
    if (digit > max_payload || len > max_payload / 10 || len * 10 > max_payload - digit)
      return fail(fmt::format("netstring length exceeds the limit of {} bytes", max_payload));
    len = len * 10 + digit;
  }
  if (i == input.size()) return {};  // no ':' yet
  if (i == 0) return fail("netstring length: no digits before ':'");
  size_t start = i + 1;
  if (input.size() - start < len + 1) return {};
  if (input[start + len] != ',') return fail("netstring: missing ',' after the payload");
  NetstringResult r;
  r.kind = NetstringResult::Kind::Frame;
  r.payload = input.substr(start, len);
  r.consumed = start + len + 1;
  return r;
}

void append_netstring(std::string& out, std::string_view payload) {
  out += std::to_string(payload.size());
  out += ':';
  out += payload;
  out += ',';
}

std::string encode_netstring(std::string_view payload) {
  std::string out;
  out.reserve(payload.size() + 12);
  append_netstring(out, payload);
  return out;
}

}  // namespace core::proto
