// accounts_mysql.cc - AccountStore on MariaDB with Postfix Admin 3.3's SQL:
// one short-lived session per call, hosts tried in the order listed.
#include <fmt/format.h>
#include <mysql.h>

#include "core/mysql/connection.h"
#include "core/table/mysql_table.h"
#include "saslcheck/accounts.h"
#include "saslcheck/encoding.h"

namespace saslcheck {
namespace {

constexpr std::string_view kActiveMailboxes =
    "FROM mailbox JOIN domain ON domain.domain = mailbox.domain "
    "WHERE mailbox.active = '1' AND domain.active = '1'";
constexpr unsigned kParseError = 1064;  // ER_PARSE_ERROR: its text quotes the statement

// Session - one MYSQL handle; closing it rolls back an open transaction.
class Session {
 public:
  Session() = default;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session() {
    if (db_ != nullptr) mysql_close(db_);
  }
  core::Status open(const core::mysql::Settings& s, const std::string& label);
  MYSQL* db() { return db_; }
  std::string escape(std::string_view text);
  // error - WHAT failed, with the server's reason (never the statement).
  core::Error error(std::string_view what) const;
  core::Status exec(const std::string& sql, std::string_view what);

 private:
  MYSQL* db_ = nullptr;
  std::string label_;
};

// open - the first host that accepts the connection.
core::Status Session::open(const core::mysql::Settings& s, const std::string& label) {
  std::string last = "no hosts";
  for (const auto& h : s.hosts) {
    const char* host = nullptr;
    const char* sock = nullptr;
    MYSQL* db = core::mysql::prepare_handle(s, h, false, &host, &sock);
    if (db == nullptr) {
      last = "out of memory";
      continue;
    }
    // FOUND_ROWS: an UPDATE reports the rows it matched, even if unchanged.
    if (mysql_real_connect(db, host, s.user.c_str(), s.password.c_str(), s.dbname.c_str(), h.port, sock,
                           CLIENT_FOUND_ROWS) != nullptr) {
      db_ = db;
      label_ = label + " " + h.text;
      return core::ok_status();
    }
    last = fmt::format("{}: {}", h.text, mysql_error(db));
    mysql_close(db);
  }
  return core::retry_error(fmt::format("{}: cannot connect: {}", label, last));
}

std::string Session::escape(std::string_view text) {
  std::string out(text.size() * 2 + 1, '\0');
  out.resize(mysql_real_escape_string(db_, out.data(), text.data(), text.size()));
  return out;
}

core::Error Session::error(std::string_view what) const {
  std::string why = mysql_errno(db_) == kParseError ? "SQL syntax error" : mysql_error(db_);
  return core::retry_error(fmt::format("{}: {}: {}", label_, what, why));
}

core::Status Session::exec(const std::string& sql, std::string_view what) {
  if (mysql_real_query(db_, sql.data(), sql.size()) != 0) return error(what);
  if (MYSQL_RES* res = mysql_store_result(db_)) mysql_free_result(res);
  return core::ok_status();
}

// MysqlCursor - mysql_use_result: rows are read from the server as asked for.
class MysqlCursor final : public AccountCursor {
 public:
  MysqlCursor(std::unique_ptr<Session> session, MYSQL_RES* res) : session_(std::move(session)), res_(res) {}
  ~MysqlCursor() override {
    if (res_ != nullptr) mysql_free_result(res_);
  }
  core::Result<bool> next(size_t max, std::vector<AccountRow>& out) override;

 private:
  std::unique_ptr<Session> session_;
  MYSQL_RES* res_;
};

core::Result<bool> MysqlCursor::next(size_t max, std::vector<AccountRow>& out) {
  if (res_ == nullptr) return false;
  for (size_t i = 0; i < max; ++i) {
    MYSQL_ROW row = mysql_fetch_row(res_);
    if (row == nullptr) {
      if (mysql_errno(session_->db()) != 0) return session_->error("listing mailboxes");
      mysql_free_result(res_);
      res_ = nullptr;
      return false;
    }
    unsigned long* len = mysql_fetch_lengths(res_);
    AccountRow r;
    if (row[0] != nullptr) r.login.assign(row[0], len[0]);
    if (row[1] != nullptr) r.maildir.assign(row[1], len[1]);
    out.push_back(std::move(r));
  }
  return true;
}

class MysqlAccounts final : public AccountStore {
 public:
  MysqlAccounts(std::string label, core::mysql::Settings settings)
      : label_(std::move(label)), settings_(std::move(settings)) {}
  core::Result<bool> change_password(const std::string& login, const OldCheck& old_matches,
                                     const std::string& new_value) override;
  core::Result<std::unique_ptr<AccountCursor>> list() override;

 private:
  std::string label_;
  core::mysql::Settings settings_;
};

// change_password - lock the row, check the old password, update, commit.
core::Result<bool> MysqlAccounts::change_password(const std::string& login, const OldCheck& old_matches,
                                                  const std::string& new_value) {
  Session s;
  if (auto st = s.open(settings_, label_); !st) return st.error();
  if (auto st = s.exec("START TRANSACTION", "START TRANSACTION"); !st) return st.error();
  std::string user = s.escape(login);
  std::string sql = fmt::format("SELECT mailbox.password {} AND mailbox.username = '{}' FOR UPDATE",
                                kActiveMailboxes, user);
  if (mysql_real_query(s.db(), sql.data(), sql.size()) != 0) return s.error("reading the password");
  MYSQL_RES* res = mysql_store_result(s.db());
  if (res == nullptr) return s.error("reading the password");
  MYSQL_ROW row = mysql_fetch_row(res);
  std::string stored;
  bool found = row != nullptr && row[0] != nullptr;
  if (found) stored.assign(row[0], mysql_fetch_lengths(res)[0]);
  bool more = found && mysql_fetch_row(res) != nullptr;
  mysql_free_result(res);
  if (more) return core::retry_error(fmt::format("{}: more than one mailbox row for one login", label_));
  bool matches = found && old_matches(stored);
  wipe(stored);
  if (!matches) return false;  // Session's close rolls back and releases the lock
  std::string value = s.escape(new_value);
  sql = fmt::format("UPDATE mailbox SET password = '{}', modified = NOW() WHERE username = '{}'", value, user);
  wipe(value);
  bool failed = mysql_real_query(s.db(), sql.data(), sql.size()) != 0;
  wipe(sql);
  if (failed) return s.error("updating the password");
  if (auto n = mysql_affected_rows(s.db()); n != 1)
    return core::retry_error(fmt::format("{}: the update matched {} rows; rolled back", label_, n));
  if (mysql_commit(s.db()) != 0) return s.error("COMMIT");
  return true;
}

core::Result<std::unique_ptr<AccountCursor>> MysqlAccounts::list() {
  auto s = std::make_unique<Session>();
  if (auto st = s->open(settings_, label_); !st) return st.error();
  std::string sql = fmt::format("SELECT mailbox.username, mailbox.maildir {}", kActiveMailboxes);
  if (mysql_real_query(s->db(), sql.data(), sql.size()) != 0) return s->error("listing mailboxes");
  MYSQL_RES* res = mysql_use_result(s->db());
  if (res == nullptr) return s->error("listing mailboxes");
  return std::unique_ptr<AccountCursor>(std::make_unique<MysqlCursor>(std::move(s), res));
}

}  // namespace

core::Result<std::unique_ptr<AccountStore>> open_mysql_accounts(const std::string& path) {
  std::string label = "saslcheck_account_database " + path;
  auto cf = core::table::read_mysql_cf(path, label);
  if (!cf) return cf.error();
  auto settings = core::table::mysql_settings(*cf, label);
  if (!settings) return settings.error();
  return std::unique_ptr<AccountStore>(std::make_unique<MysqlAccounts>(label, std::move(*settings)));
}

}  // namespace saslcheck
