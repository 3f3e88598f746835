// tcp_table.cc - tcp:HOST:PORT client (Postfix dict_tcp.c): "get <hex-quoted
// key>" LF, one reply line. 2xx = found, 5xx = not found, 4xx or anything
// malformed = Retry. One persistent connection, lookups serialised by a
// mutex; unlike Postfix (10 attempts, 1 s apart) we resend only once, when
// the server closed an idle connection.
#include "core/proto/tcp_table.h"

#include <fmt/format.h>

#include <mutex>

#include "core/log/log.h"
#include "core/proto/client_socket.h"
#include "core/table/registry.h"

namespace core::table {
namespace {

class TcpTable final : public Table {
 public:
  TcpTable(proto::Endpoint ep, std::chrono::milliseconds timeout) : socket_(std::move(ep), timeout) {}

  // lookup - one request line, one reply line; see postfix-tcp-table.md §2.
  LookupResult lookup(std::string_view key) override {
    std::string request = proto::tcp_request(key);
    std::lock_guard<std::mutex> lock(mu_);
    Result<std::string> line = socket_.exchange(request, read_line);
    if (!line) return retry_error(fmt::format("table {}: {}", name(), line.error().text));
    proto::TcpReply r = proto::parse_tcp_reply(*line);
    using S = proto::TcpReply::Status;
    switch (r.status) {
      case S::Found: return found(std::move(r.text));
      case S::NotFound: return not_found();
      case S::Temp:
        socket_.close();  // as Postfix does after a 4xx
        return retry_error(fmt::format("table {}: temporary error: {}", name(), log::printable(r.text)));
      case S::Malformed: break;
    }
    socket_.close();
    return retry_error(fmt::format("table {}: malformed reply: {}", name(), log::printable(*line)));
  }

 private:
  // read_line - one LF-terminated line of at most kTcpMaxReplyLine bytes.
  static proto::ReplyFrame read_line(std::string_view buf) {
    proto::ReplyFrame f;
    size_t lf = buf.substr(0, proto::kTcpMaxReplyLine).find('\n');
    if (lf == std::string_view::npos) {
      if (buf.size() >= proto::kTcpMaxReplyLine) {
        f.state = proto::ReplyFrame::State::Malformed;
        f.why = fmt::format("text longer than {}", proto::kTcpMaxReplyLine);
      }
      return f;
    }
    f.state = proto::ReplyFrame::State::Done;
    f.reply = std::string(buf.substr(0, lf));
    f.consumed = lf + 1;
    return f;
  }

  std::mutex mu_;
  proto::ClientSocket socket_;
};

}  // namespace

// open_tcp - NAME is "HOST:PORT" or "[V6ADDR]:PORT". Connects lazily.
Result<std::unique_ptr<Table>> open_tcp(std::string_view name, const OpenContext& ctx) {
  auto ep = proto::parse_host_port(name);
  if (!ep) return config_error(fmt::format("table tcp:{}: {}", name, ep.error().text));
  ep->text = fmt::format("tcp:{}", name);
  auto timeout = proto::client_timeout(ctx.config);
  if (!timeout) return timeout.error();
  return std::unique_ptr<Table>(std::make_unique<TcpTable>(std::move(*ep), *timeout));
}

}  // namespace core::table
