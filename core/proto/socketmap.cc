// socketmap.cc - socketmap request split and reply payloads.
#include "core/proto/socketmap.h"

#include <fmt/format.h>

#include "core/proto/netstring.h"

namespace core::proto {

// parse_socketmap_request - name before the first space, key after it.
Result<SocketmapRequest> parse_socketmap_request(std::string_view payload) {
  size_t sp = payload.find(' ');
  if (sp == std::string_view::npos)
    return config_error("malformed socketmap request: no space after the name");
  if (sp == 0) return config_error("malformed socketmap request: empty table name");
  return SocketmapRequest{payload.substr(0, sp), payload.substr(sp + 1)};
}

std::string socketmap_request(std::string_view name, std::string_view key) {
  std::string out;
  out.reserve(name.size() + 1 + key.size());
  out.append(name).append(" ").append(key);
  return out;
}

// socketmap_reason - only 0x20..0x7e survive, as Postfix's printable() shows them.
std::string socketmap_reason(std::string_view reason) {
  std::string out(reason.substr(0, kSocketmapMaxReason));
  for (char& c : out)
    if (c < 0x20 || c > 0x7e) c = '?';
  return out;
}

// socketmap_ok - "OK <data>", or PERM when Postfix could not use the value.
std::string socketmap_ok(std::string_view data) {
  if (data.empty()) return socketmap_perm("table returned an empty value");
  if (data.size() + 3 > kSocketmapMaxReply)
    return socketmap_perm(fmt::format("value of {} bytes exceeds the socketmap reply limit of {} bytes",
                                      data.size(), kSocketmapMaxReply - 3));
  std::string out;
  out.reserve(3 + data.size());
  out.append("OK ").append(data);
  return out;
}

std::string socketmap_notfound() {
  return "NOTFOUND ";
}
std::string socketmap_temp(std::string_view reason) {
  return "TEMP " + socketmap_reason(reason);
}
std::string socketmap_timeout(std::string_view reason) {
  return "TIMEOUT " + socketmap_reason(reason);
}
std::string socketmap_perm(std::string_view reason) {
  return "PERM " + socketmap_reason(reason);
}

// socketmap_answer - one mapping from LookupResult to the wire.
std::string socketmap_answer(const table::LookupResult& result) {
  if (!result) {
    const Error& e = result.error();
    return e.retry() ? socketmap_temp(e.text) : socketmap_perm(e.text);
  }
  if (!result->has_value()) return socketmap_notfound();
  return socketmap_ok(**result);
}

// parse_socketmap_reply - status word before the first space, data after it.
SocketmapReply parse_socketmap_reply(std::string_view payload) {
  size_t sp = payload.find(' ');
  std::string_view word = payload.substr(0, sp);
  std::string_view data = sp == std::string_view::npos ? std::string_view() : payload.substr(sp + 1);
  using S = SocketmapReply::Status;
  SocketmapReply r{S::Unknown, data};
  if (word == "OK")
    r.status = sp == std::string_view::npos ? S::NotFound : S::Ok;
  else if (word == "NOTFOUND")
    r.status = S::NotFound;
  else if (word == "TEMP")
    r.status = S::Temp;
  else if (word == "TIMEOUT")
    r.status = S::Timeout;
  else if (word == "PERM")
    r.status = S::Perm;
  else
    r.data = payload;  // for the log line
  return r;
}

}  // namespace core::proto
