// authdaemon_admin.cc - the authdaemond PASSWD and ENUMERATE commands on a
// session's connection (sessions.h): the database work on the workers, the
// replies on the loop.
#include "core/log/log.h"
#include "saslcheck/encoding.h"
#include "saslcheck/sessions.h"

namespace saslcheck {
namespace {

using ConnPtr = std::shared_ptr<core::server::Connection>;
using WeakConn = std::weak_ptr<core::server::Connection>;

constexpr size_t kListingBatch = 512;  // rows per worker round trip

// reply_and_close - write REPLY (if any) and close, unless the client left.
void reply_and_close(const WeakConn& weak, std::string_view reply) {
  auto c = weak.lock();
  if (!c || c->closed()) return;
  if (!reply.empty()) c->write(reply);
  c->close();
}

// Listing - one ENUMERATE in progress; the cursor is only touched by WORK
// functions (one at a time) and freed on a worker, as freeing an unfinished
// cursor reads the rest of the result from the server.
struct Listing {
  std::shared_ptr<AccountStore> accounts;
  std::unique_ptr<AccountCursor> cursor;
  std::vector<AccountRow> rows;
  std::string error;  // set by WORK: the listing broke off
  bool finished = false;
  size_t total = 0;
};

// list_batch - WORK: open the listing on the first call, read the next batch.
void list_batch(Listing& l) {
  l.rows.clear();
  if (!l.cursor) {
    auto c = l.accounts->list();
    if (!c) {
      l.error = c.error().text;
      return;
    }
    l.cursor = std::move(*c);
  }
  auto more = l.cursor->next(kListingBatch, l.rows);
  if (!more) l.error = more.error().text;
  if (!more || !*more) {
    l.finished = more.ok();
    l.cursor.reset();
  }
}

// list_step - read a batch on a worker, write it on the loop, repeat.
void list_step(Service& svc, WeakConn weak, std::shared_ptr<Listing> l) {
  svc.server->submit([l] { list_batch(*l); },
                     [&svc, weak, l] {
                       auto c = weak.lock();
                       if (!c || c->closed()) {
                         if (l->cursor) svc.server->submit([l] { l->cursor.reset(); }, nullptr);
                         return;
                       }
                       const VerifierOptions& o = svc.verifier->options();
                       std::string out;
                       for (const auto& r : l->rows)
                         out += authdaemon_enumerate_line(r.login, o.uid, o.gid, o.home,
                                                          Verifier::maildir_path(o.home, r.maildir), "");
                       l->total += l->rows.size();
                       if (!out.empty()) c->write(out);
                       if (!l->error.empty()) {
                         core::log::warning("authdaemond: ENUMERATE: {}; listing broken off after {} mailbox(es)",
                                            l->error, l->total);
                         c->close();
                       } else if (l->finished) {
                         core::log::info("authdaemond: ENUMERATE: listed {} mailbox(es)", l->total);
                         c->write(".\n");
                         c->close();
                       } else {
                         list_step(svc, weak, l);
                       }
                     });
}

}  // namespace

// authdaemon_passwd - check and change on a worker; OK or FAIL after the
// throttle's delay. Failures of the old password count for the throttle.
void authdaemon_passwd(Service& svc, const ConnPtr& conn, AuthdaemonRequest in) {
  auto req = std::make_shared<AuthdaemonRequest>(std::move(in));
  std::string login = svc.verifier->canonical_login(req->user);
  auto delay = svc.throttle.delay_for(login, Throttle::Clock::now());
  WeakConn weak = conn;
  std::string service = core::log::printable(req->service, 40);
  if (!req->invalid.empty()) {
    core::log::info("authdaemond: PASSWD service={} user={}: refused: {}", service,
                    core::log::printable(login.empty() ? req->user : login, 100), req->invalid);
    wipe(req->password);
    wipe(req->new_password);
    later(*svc.server, delay, [weak] { reply_and_close(weak, kAuthdaemonFail); });
    return;
  }
  auto ans = std::make_shared<Answer>();
  std::shared_ptr<Verifier> verifier = svc.verifier;
  std::shared_ptr<AccountStore> accounts = svc.accounts;
  PasswdOptions opts = svc.passwd;
  svc.server->submit(
      [verifier, accounts, opts, req, ans] {
        *ans = change_password(*verifier, accounts.get(), opts, req->user, req->password, req->new_password);
        wipe(req->password);
        wipe(req->new_password);
      },
      [&svc, weak, ans, opts, service, delay] {
        std::string user = core::log::printable(ans->login, 100);
        if (opts.enabled && ans->outcome != Outcome::TempFail)
          svc.throttle.record(ans->login, ans->outcome == Outcome::Ok, Throttle::Clock::now());
        if (ans->outcome == Outcome::Ok)
          core::log::info("authdaemond: PASSWD service={} user={}: password changed", service, user);
        else if (ans->outcome == Outcome::Fail)
          core::log::info("authdaemond: PASSWD service={} user={}: failed: {}", service, user, ans->why);
        else
          core::log::warning("authdaemond: PASSWD service={} user={}: not changed: {}; answered FAIL", service,
                             user, ans->why);
        std::string_view reply = ans->outcome == Outcome::Ok ? kAuthdaemonOk : kAuthdaemonFail;
        later(*svc.server, delay, [weak, reply] { reply_and_close(weak, reply); });
      });
}

// authdaemon_enumerate - "# saslcheck", an empty line, the mailboxes, ".".
void authdaemon_enumerate(Service& svc, const ConnPtr& conn) {
  if (!svc.accounts) {
    core::log::warning("authdaemond: ENUMERATE: saslcheck_account_database is not set; closing without a listing");
    conn->close();
    return;
  }
  conn->write("# saslcheck\n\n");
  auto l = std::make_shared<Listing>();
  l->accounts = svc.accounts;
  list_step(svc, conn, l);
}

}  // namespace saslcheck
