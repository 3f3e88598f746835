// socketmap_table.cc - socketmap:unix:PATH:NAME / socketmap:inet:HOST:PORT:NAME
// client (Postfix dict_sockmap.c): one persistent connection per table,
// lookups serialised by a mutex, any I/O or protocol failure = Retry.
#include <fmt/format.h>

#include <mutex>

#include "core/log/log.h"
#include "core/proto/client_socket.h"
#include "core/proto/netstring.h"
#include "core/proto/socketmap.h"
#include "core/table/registry.h"

namespace core::table {
namespace {

class SocketmapTable final : public Table {
 public:
  SocketmapTable(proto::Endpoint ep, std::string map_name, std::chrono::milliseconds timeout)
      : socket_(std::move(ep), timeout), map_name_(std::move(map_name)) {}

  // lookup - one request/reply under the mutex; see postfix-socketmap.md §4.
  LookupResult lookup(std::string_view key) override {
    std::string request = proto::encode_netstring(proto::socketmap_request(map_name_, key));
    Result<std::string> reply = [&] {
      std::lock_guard<std::mutex> lock(mu_);
      return socket_.exchange(request, read_frame);
    }();
    if (!reply) return retry_error(fmt::format("table {}: {}", name(), reply.error().text));
    proto::SocketmapReply r = proto::parse_socketmap_reply(*reply);
    using S = proto::SocketmapReply::Status;
    switch (r.status) {
      case S::Ok: return found(std::string(r.data));
      case S::NotFound: return not_found();
      case S::Perm:
        return config_error(fmt::format("table {}: permanent error: {}", name(), log::printable(r.data)));
      case S::Temp:
      case S::Timeout:
        return retry_error(fmt::format("table {}: temporary error: {}", name(), log::printable(r.data)));
      case S::Unknown: break;
    }
    return retry_error(fmt::format("table {}: unknown reply: {}", name(), log::printable(r.data)));
  }

 private:
  // read_frame - one netstring of at most kSocketmapMaxReply payload bytes.
  static proto::ReplyFrame read_frame(std::string_view buf) {
    proto::NetstringResult n = proto::decode_netstring(buf, proto::kSocketmapMaxReply);
    proto::ReplyFrame f;
    if (n.need_more()) return f;
    if (n.failed()) {
      f.state = proto::ReplyFrame::State::Malformed;
      f.why = n.error;
      return f;
    }
    f.state = proto::ReplyFrame::State::Done;
    f.reply = std::string(n.payload);
    f.consumed = n.consumed;
    return f;
  }

  std::mutex mu_;
  proto::ClientSocket socket_;
  std::string map_name_;
};

}  // namespace

// open_socketmap - NAME is "unix:PATH:MAP" or "inet:HOST:PORT:MAP"; MAP is
// everything after the last ':'. No connection is made until the first lookup.
Result<std::unique_ptr<Table>> open_socketmap(std::string_view name, const OpenContext& ctx) {
  size_t colon = name.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == name.size())
    return config_error(
        fmt::format("table socketmap:{}: expected socketmap:unix:path:name or "
                    "socketmap:inet:host:port:name",
                    name));
  auto ep = proto::parse_endpoint(name.substr(0, colon));
  if (!ep) return config_error(fmt::format("table socketmap:{}: {}", name, ep.error().text));
  auto timeout = proto::client_timeout(ctx.config);
  if (!timeout) return timeout.error();
  return std::unique_ptr<Table>(
      std::make_unique<SocketmapTable>(std::move(*ep), std::string(name.substr(colon + 1)), *timeout));
}

}  // namespace core::table
