// authdaemon_session.cc - Courier authdaemond protocol on a Server: parse,
// verify on a worker thread, answer after the throttle delay, close.
#include <event2/event.h>

#include "core/log/log.h"
#include "saslcheck/authdaemon_proto.h"
#include "saslcheck/encoding.h"
#include "saslcheck/sessions.h"

namespace saslcheck {
namespace {

using ConnPtr = std::shared_ptr<core::server::Connection>;

class AuthdaemonSession final : public core::server::Session {
 public:
  explicit AuthdaemonSession(Service& service) : service_(service) {}
  size_t on_input(const ConnPtr& conn, std::string_view input) override;

 private:
  void handle(const ConnPtr& conn, AuthdaemonRequest req);
  Service& service_;
  bool done_ = false;
};

// on_input - one request per connection; bytes after it are ignored.
size_t AuthdaemonSession::on_input(const ConnPtr& conn, std::string_view input) {
  if (done_) return input.size();
  auto p = parse_authdaemon(input);
  if (p.kind == AuthdaemonParse::Kind::NeedMore) return 0;
  done_ = true;
  if (p.kind == AuthdaemonParse::Kind::Error) {
    core::log::warning("{}: authdaemond client {}: {}; closing", conn->listener(), conn->peer(), p.error);
    conn->close();
    return input.size();
  }
  // No pause_input(): done_ swallows whatever follows (Cyrus's uncounted
  // "\n"), and not toggling reading saves two epoll_ctl calls per login.
  if (p.request.command == AuthdaemonRequest::Command::Passwd)
    authdaemon_passwd(service_, conn, std::move(p.request));
  else if (p.request.command == AuthdaemonRequest::Command::Enumerate)
    authdaemon_enumerate(service_, conn);
  else
    handle(conn, std::move(p.request));
  return input.size();
}

// handle - AUTH or PRE: verify REQ on a worker, then reply (or close on a temporary failure).
void AuthdaemonSession::handle(const ConnPtr& conn, AuthdaemonRequest in) {
  auto req = std::make_shared<AuthdaemonRequest>(std::move(in));
  auto ans = std::make_shared<Answer>();
  Service& svc = service_;
  std::string login = svc.verifier->canonical_login(req->user);
  auto delay = svc.throttle.delay_for(login, Throttle::Clock::now());
  std::weak_ptr<core::server::Connection> weak = conn;
  std::shared_ptr<Verifier> verifier = svc.verifier;
  svc.server->submit(
      [verifier, req, ans] {
        if (req->command == AuthdaemonRequest::Command::Pre)
          *ans = verifier->lookup(req->user);
        else if (req->authtype == "login")
          *ans = verifier->check_login(req->user, req->password);
        else if (req->authtype == "cram-md5")
          *ans = verifier->check_cram(req->user, req->challenge, req->digest);
        else
          ans->why = "unsupported authtype";
        wipe(req->password);
      },
      [&svc, weak, req, ans, delay] {
        bool pre = req->command == AuthdaemonRequest::Command::Pre;
        if (!pre && ans->outcome != Outcome::TempFail)
          svc.throttle.record(ans->login, ans->outcome == Outcome::Ok, Throttle::Clock::now());
        std::string what = pre ? "PRE" : "AUTH " + core::log::printable(req->authtype, 20);
        std::string user = core::log::printable(ans->login.empty() ? req->user : ans->login, 100);
        if (ans->outcome == Outcome::Ok)
          core::log::debug("authdaemond: {} service={} user={}: ok", what,
                           core::log::printable(req->service, 40), user);
        else if (ans->outcome == Outcome::Fail)
          core::log::info("authdaemond: {} service={} user={}: failed: {}", what,
                          core::log::printable(req->service, 40), user, ans->why);
        else
          core::log::warning("authdaemond: {} user={}: temporary failure: {}", what, user, ans->why);
        std::string reply = ans->outcome == Outcome::Ok     ? authdaemon_success(ans->fields)
                            : ans->outcome == Outcome::Fail ? std::string(kAuthdaemonFail)
                                                            : std::string();
        later(*svc.server, delay, [weak, reply] {
          auto c = weak.lock();
          if (!c || c->closed()) return;
          if (!reply.empty()) c->write(reply);
          c->close();
        });
      });
}

// LaterCall - heap state for one event_base_once timer.
struct LaterCall {
  std::function<void()> fn;
};

void fire(evutil_socket_t, short, void* arg) {
  std::unique_ptr<LaterCall> call(static_cast<LaterCall*>(arg));
  call->fn();
}

}  // namespace

std::unique_ptr<core::server::Session> new_authdaemon_session(Service& service) {
  return std::make_unique<AuthdaemonSession>(service);
}

void later(core::server::Server& server, std::chrono::milliseconds delay, std::function<void()> fn) {
  if (delay.count() <= 0) {
    fn();
    return;
  }
  auto* call = new LaterCall{std::move(fn)};
  timeval tv{static_cast<time_t>(delay.count() / 1000),
             static_cast<suseconds_t>((delay.count() % 1000) * 1000)};
  if (event_base_once(server.base(), -1, EV_TIMEOUT, fire, call, &tv) != 0) {
    std::unique_ptr<LaterCall> owned(call);
    owned->fn();
  }
}

}  // namespace saslcheck
