// service.cc - table opening, listeners, reload, and the command-line modes.
#include "saslcheck/service.h"

#include <algorithm>
#include <iostream>
#include <string>

#include "core/log/log.h"
#include "saslcheck/encoding.h"
#include "saslcheck/schemes.h"
#include "saslcheck/sessions.h"

namespace saslcheck {
namespace {

Service service;

}  // namespace

core::Result<std::shared_ptr<Verifier>> open_verifier(const core::config::Config& config, const Settings& s) {
  core::table::OpenContext ctx{&config};
  auto pw = core::table::open_list(s.password_maps, ctx);
  if (!pw) return pw.error();
  std::unique_ptr<core::table::Table> mb;
  if (!s.mailbox_maps.empty()) {
    auto m = core::table::open_list(s.mailbox_maps, ctx);
    if (!m) return m.error();
    mb = std::move(*m);
  }
  return std::make_shared<Verifier>(s.verifier, std::move(*pw), std::move(mb));
}

// init - open tables, bind the listeners, prune the throttle every minute.
namespace {

// open_accounts - the PASSWD/ENUMERATE store, or null when not configured.
core::Result<std::shared_ptr<AccountStore>> open_accounts(const Settings& s) {
  if (s.account_database.empty()) return std::shared_ptr<AccountStore>();
  auto a = open_mysql_accounts(s.account_database);
  if (!a) return a.error();
  return std::shared_ptr<AccountStore>(std::move(*a));
}

}  // namespace

core::Status init(core::server::Server& server, const core::config::Config& config) {
  auto s = load_settings(config);
  if (!s) return s.error();
  auto v = open_verifier(config, *s);
  if (!v) return v.error();
  auto accounts = open_accounts(*s);
  if (!accounts) return accounts.error();
  service.server = &server;
  service.verifier = *v;
  service.accounts = *accounts;
  service.passwd = s->passwd;
  service.throttle = Throttle(s->throttle);
  service.dovecot_cram_md5 = s->dovecot_cram_md5;
  auto opts = server.listen_options();
  // authdaemond clients send their one request at once; Courier's own
  // daemon waits at most 10 s for it.
  auto ad_opts = opts;
  ad_opts.idle_timeout = std::min(opts.idle_timeout, std::chrono::seconds(10));
  std::string names;
  for (const auto& a : s->listen) {
    auto st = server.listen(a, ad_opts, [](const auto&) { return new_authdaemon_session(service); });
    if (!st) return st.error();
    names += " authdaemond:" + a;
  }
  for (const auto& a : s->dovecot_listen) {
    auto st = server.listen(a, opts, [](const auto& conn) { return new_dovecot_session(service, conn); });
    if (!st) return st.error();
    names += " dovecot:" + a;
  }
  if (names.empty())
    return core::config_error("no listeners: set saslcheck_listen or saslcheck_dovecot_listen");
  server.every(std::chrono::seconds(60), [] { service.throttle.prune(Throttle::Clock::now()); });
  core::log::info("started: listeners:{}", names);
  return core::ok_status();
}

// reload - new tables and options; listeners stay as bound.
core::Status reload(core::server::Server&, const core::config::Config& config) {
  auto s = load_settings(config);
  if (!s) return s.error();
  auto v = open_verifier(config, *s);
  if (!v) return v.error();
  auto accounts = open_accounts(*s);
  if (!accounts) return accounts.error();
  service.verifier = *v;
  service.accounts = *accounts;
  service.passwd = s->passwd;
  service.throttle = Throttle(s->throttle);
  core::log::info("reloaded");
  return core::ok_status();
}

int check_command(const core::config::Config& config, const std::string& user, std::istream& in,
                  std::ostream& out) {
  auto s = load_settings(config);
  if (!s) {
    out << "saslcheck: " << s.error().text << "\n";
    return 64;
  }
  auto v = open_verifier(config, *s);
  if (!v) {
    out << "saslcheck: " << v.error().text << "\n";
    return 64;
  }
  std::string pw;
  std::getline(in, pw);
  if (pw.ends_with('\r')) pw.pop_back();
  Answer a = (*v)->check_login(user, pw);
  wipe(pw);
  if (a.outcome == Outcome::Ok) {
    out << "ok: " << a.login << "\n";
    for (const auto& [k, val] : a.fields) out << k << "=" << val << "\n";
    return 0;
  }
  if (a.outcome == Outcome::Fail) {
    out << "failed: " << core::log::printable(a.login.empty() ? user : a.login) << ": " << a.why << "\n";
    return 1;
  }
  out << "temporary failure: " << a.why << "\n";
  return 75;
}

int hash_command(const std::string& scheme, std::istream& in, std::ostream& out, std::ostream& err) {
  std::string pw;
  std::getline(in, pw);
  if (pw.ends_with('\r')) pw.pop_back();
  auto h = make_hash(scheme, pw);
  wipe(pw);
  if (!h) {
    err << "saslcheck: " << h.error().text << "\n";
    return 64;
  }
  out << *h << "\n";
  return 0;
}

}  // namespace saslcheck
