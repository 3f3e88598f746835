// dovecot_session.cc - Dovecot auth-client protocol on a Server: handshake,
// PLAIN, LOGIN and CRAM-MD5 exchanges, verification on worker threads.
#include <unistd.h>

#include <chrono>
#include <map>
#include <set>

#include "core/log/log.h"
#include "saslcheck/dovecot_proto.h"
#include "saslcheck/encoding.h"
#include "saslcheck/schemes.h"
#include "saslcheck/sessions.h"

namespace saslcheck {
namespace {

using ConnPtr = std::shared_ptr<core::server::Connection>;

// One exchange waiting for the client's next CONT.
struct Pending {
  std::string mech;
  std::string user;       // LOGIN after the first step
  std::string challenge;  // CRAM-MD5
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

// Postfix aborts an exchange locally (client "*") without telling the
// server, so abandoned exchanges are dropped after this long, and one
// connection may hold at most kMaxPending of them.
constexpr std::chrono::seconds kPendingTimeout{300};
constexpr size_t kMaxPending = 100;

// Shared with worker callbacks, which may outlive the session.
struct State {
  std::map<unsigned long, Pending> pending;
  std::set<unsigned long> busy;  // being verified
};

class DovecotSession final : public core::server::Session {
 public:
  explicit DovecotSession(Service& service) : service_(service), state_(std::make_shared<State>()) {}
  size_t on_input(const ConnPtr& conn, std::string_view input) override;

 private:
  bool command(const ConnPtr& conn, const DovecotCommand& cmd);
  void step(const ConnPtr& conn, unsigned long id, Pending p, std::optional<std::string> data);
  void verify(const ConnPtr& conn, unsigned long id, std::string mech, std::string user, std::string secret,
              std::string challenge);
  Service& service_;
  std::shared_ptr<State> state_;
  bool version_ = false;
};

// protocol_error - log and close, as Dovecot does for a broken client.
void protocol_error(const ConnPtr& conn, std::string_view why) {
  core::log::warning("{}: dovecot auth client {}: {}; closing", conn->listener(), conn->peer(), why);
  conn->close();
}

size_t DovecotSession::on_input(const ConnPtr& conn, std::string_view input) {
  auto line = next_dovecot_line(input);
  if (line.kind == DovecotLine::Kind::NeedMore) return 0;
  if (line.kind == DovecotLine::Kind::Error) {
    protocol_error(conn, "line too long");
    return input.size();
  }
  auto cmd = parse_dovecot_command(line.line);
  if (!cmd) {
    protocol_error(conn, cmd.error().text);
    return input.size();
  }
  if (!command(conn, *cmd)) return input.size();
  return line.consumed;
}

// command - one parsed client line; false when the connection was closed.
bool DovecotSession::command(const ConnPtr& conn, const DovecotCommand& cmd) {
  using T = DovecotCommand::Type;
  if (cmd.type == T::Version) {
    version_ = true;
    return true;
  }
  if (!version_) {
    protocol_error(conn, "command before VERSION");
    return false;
  }
  if (cmd.type == T::Cpid) return true;
  if (cmd.type == T::Cancel) {
    state_->pending.erase(cmd.id);
    return true;
  }
  bool known = state_->pending.count(cmd.id) || state_->busy.count(cmd.id);
  if (cmd.type == T::Auth) {
    if (known) {
      protocol_error(conn, "duplicate request id");
      return false;
    }
    auto now = std::chrono::steady_clock::now();
    std::erase_if(state_->pending, [&](const auto& kv) { return now - kv.second.started > kPendingTimeout; });
    if (state_->pending.size() >= kMaxPending) {
      protocol_error(conn, "too many unfinished requests");
      return false;
    }
    bool cram = cmd.mech == "CRAM-MD5" && service_.dovecot_cram_md5;
    if (cmd.mech != "PLAIN" && cmd.mech != "LOGIN" && !cram) {
      conn->write(dovecot_fail(cmd.id, "", "auth_mech_invalid"));
      return true;
    }
    Pending p{cmd.mech, "", ""};
    if (cram) {
      // RFC 2195 challenge: <random.timestamp@host>
      auto rnd = random_bytes(8);
      auto now = std::chrono::system_clock::now().time_since_epoch();
      p.challenge = "<" + hex_encode(rnd ? *rnd : std::string("x")) + "." +
                    std::to_string(std::chrono::duration_cast<std::chrono::seconds>(now).count()) +
                    "@saslcheck>";
      conn->write(dovecot_cont(cmd.id, base64_encode(p.challenge)));
      state_->pending[cmd.id] = std::move(p);
      return true;
    }
    step(conn, cmd.id, std::move(p), cmd.resp);
    return true;
  }
  // CONT
  auto it = state_->pending.find(cmd.id);
  if (it == state_->pending.end()) {
    protocol_error(conn, "CONT for an unknown request id");
    return false;
  }
  Pending p = std::move(it->second);
  state_->pending.erase(it);
  step(conn, cmd.id, std::move(p), cmd.resp.value_or(""));
  return true;
}

// step - advance exchange ID with the client's DATA (base64; nullopt = none yet).
void DovecotSession::step(const ConnPtr& conn, unsigned long id, Pending p, std::optional<std::string> data) {
  std::optional<std::string> raw;
  if (data) {
    raw = decode_sasl_data(*data);
    if (!raw) {
      conn->write(dovecot_fail(id, p.user, "invalid_base64"));
      return;
    }
  }
  if (p.mech == "PLAIN") {
    if (!raw) {
      conn->write(dovecot_cont(id, ""));
      state_->pending[id] = std::move(p);
      return;
    }
    size_t a = raw->find('\0');
    size_t b = a == std::string::npos ? a : raw->find('\0', a + 1);
    if (b == std::string::npos || raw->find('\0', b + 1) != std::string::npos) {
      wipe(*raw);
      conn->write(dovecot_fail(id, "", ""));
      return;
    }
    std::string authz = raw->substr(0, a), authc = raw->substr(a + 1, b - a - 1), pw = raw->substr(b + 1);
    wipe(*raw);
    if (!authz.empty() && authz != authc) {
      wipe(pw);
      core::log::info("dovecot: PLAIN user={}: failed: authorization id differs",
                      core::log::printable(authc, 100));
      conn->write(dovecot_fail(id, authc, "authz_fail"));
      return;
    }
    verify(conn, id, "PLAIN", std::move(authc), std::move(pw), "");
    return;
  }
  if (p.mech == "LOGIN") {
    if (p.user.empty()) {
      if (!raw || raw->empty()) {
        conn->write(dovecot_cont(id, base64_encode("Username:")));
        state_->pending[id] = std::move(p);
        return;
      }
      p.user = std::move(*raw);
      conn->write(dovecot_cont(id, base64_encode("Password:")));
      state_->pending[id] = std::move(p);
      return;
    }
    verify(conn, id, "LOGIN", std::move(p.user), raw.value_or(""), "");
    return;
  }
  // CRAM-MD5 response: "<user> <hex digest>"
  std::string resp = raw.value_or("");
  size_t sp = resp.rfind(' ');
  if (sp == std::string::npos) {
    conn->write(dovecot_fail(id, "", ""));
    return;
  }
  verify(conn, id, "CRAM-MD5", resp.substr(0, sp), resp.substr(sp + 1), p.challenge);
}

// verify - check on a worker; reply OK/FAIL after the throttle delay, or close on TempFail.
void DovecotSession::verify(const ConnPtr& conn, unsigned long id, std::string mech, std::string user,
                            std::string secret, std::string challenge) {
  Service& svc = service_;
  auto ans = std::make_shared<Answer>();
  auto sec = std::make_shared<std::string>(std::move(secret));
  std::string login = svc.verifier->canonical_login(user);
  auto delay = svc.throttle.delay_for(login, Throttle::Clock::now());
  std::shared_ptr<Verifier> verifier = svc.verifier;
  std::weak_ptr<core::server::Connection> weak = conn;
  auto state = state_;
  state->busy.insert(id);
  svc.server->submit(
      [verifier, ans, sec, user, mech, challenge] {
        *ans = mech == "CRAM-MD5" ? verifier->check_cram(user, challenge, *sec)
                                  : verifier->check_login(user, *sec);
        wipe(*sec);
      },
      [&svc, weak, state, ans, id, mech, user, delay] {
        std::string who = core::log::printable(ans->login.empty() ? user : ans->login, 100);
        if (ans->outcome != Outcome::TempFail)
          svc.throttle.record(ans->login, ans->outcome == Outcome::Ok, Throttle::Clock::now());
        if (ans->outcome == Outcome::Ok)
          core::log::debug("dovecot: {} user={}: ok", mech, who);
        else if (ans->outcome == Outcome::Fail)
          core::log::info("dovecot: {} user={}: failed: {}", mech, who, ans->why);
        else
          core::log::warning("dovecot: {} user={}: temporary failure: {}; closing", mech, who, ans->why);
        later(*svc.server, delay, [weak, state, ans, id] {
          state->busy.erase(id);
          auto c = weak.lock();
          if (!c || c->closed()) return;
          if (ans->outcome == Outcome::Ok)
            c->write(dovecot_ok(id, ans->login));
          else if (ans->outcome == Outcome::Fail)
            c->write(dovecot_fail(id, ans->login, ""));
          else
            c->close();  // Postfix: "Connection lost to authentication server" -> 454 4.7.0
        });
      });
}

}  // namespace

std::unique_ptr<core::server::Session> new_dovecot_session(Service& service, const ConnPtr& conn) {
  auto cookie = random_bytes(16);
  conn->write(dovecot_handshake(service.dovecot_cram_md5, static_cast<long>(getpid()), service.next_cuid++,
                                hex_encode(cookie ? *cookie : std::string(16, '\0'))));
  return std::make_unique<DovecotSession>(service);
}

}  // namespace saslcheck
