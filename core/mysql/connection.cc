// connection.cc - connect, query and escape through MariaDB Connector/C.
#include "core/mysql/connection.h"

#include <errmsg.h>
#include <mysql.h>

#include <mutex>

namespace core::mysql {
namespace {

// library_init - mysql_library_init once per process, before threads race on it.
void library_init() {
  static std::once_flag once;
  std::call_once(once, [] { mysql_library_init(0, nullptr, nullptr); });
}

const char* opt(const std::optional<std::string>& v) {
  return v ? v->c_str() : nullptr;
}

// lost - client errors (2000..2999) and server shutdown/kill mean the session is gone.
bool lost(unsigned err) {
  constexpr unsigned kServerShutdown = 1053, kConnectionKilled = 1927, kInteractionTimeout = 4031;
  return (err >= CR_MIN_ERROR && err <= CR_MAX_ERROR) || err == kServerShutdown || err == kConnectionKilled ||
         err == kInteractionTimeout;
}

}  // namespace

Connection::~Connection() {
  if (db_ != nullptr) mysql_close(db_);
}

// prepare_handle - set options the way dict_mysql.c plmysql_connect_single() does, plus timeouts.
MYSQL* prepare_handle(const Settings& s, const Host& h, bool nonblocking, const char** host_arg,
                      const char** sock_arg) {
  library_init();
  MYSQL* db = mysql_init(nullptr);
  if (db == nullptr) return nullptr;
  if (nonblocking) mysql_options(db, MYSQL_OPT_NONBLOCK, nullptr);
  unsigned ct = s.connect_timeout, rt = s.read_timeout, wt = s.write_timeout;
  mysql_options(db, MYSQL_OPT_CONNECT_TIMEOUT, &ct);
  mysql_options(db, MYSQL_OPT_READ_TIMEOUT, &rt);
  mysql_options(db, MYSQL_OPT_WRITE_TIMEOUT, &wt);
  if (!s.charset.empty()) mysql_options(db, MYSQL_SET_CHARSET_NAME, s.charset.c_str());
  // Option files are read at connect time and override the values above.
  if (s.option_file) mysql_options(db, MYSQL_READ_DEFAULT_FILE, s.option_file->c_str());
  if (!s.option_group.empty()) mysql_options(db, MYSQL_READ_DEFAULT_GROUP, s.option_group.c_str());
  if (s.tls_key_file || s.tls_cert_file || s.tls_ca_file || s.tls_ca_path || s.tls_ciphers)
    mysql_ssl_set(db, opt(s.tls_key_file), opt(s.tls_cert_file), opt(s.tls_ca_file), opt(s.tls_ca_path),
                  opt(s.tls_ciphers));
  if (s.tls_verify_cert) {
    my_bool verify = *s.tls_verify_cert ? 1 : 0;
    mysql_options(db, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &verify);
  }
  *host_arg = h.unix_socket() ? nullptr : h.name.c_str();
  *sock_arg = h.unix_socket() && !h.name.empty() ? h.name.c_str() : nullptr;
  if (h.unix_socket()) {
    unsigned proto = MYSQL_PROTOCOL_SOCKET;
    mysql_options(db, MYSQL_OPT_PROTOCOL, &proto);
  }
  return db;
}

// connect - open the session with prepare_handle's options.
bool Connection::connect(const Settings& s, std::string* error) {
  const char* host = nullptr;
  const char* sock = nullptr;
  db_ = prepare_handle(s, host_, false, &host, &sock);
  if (db_ == nullptr) {
    *error = "mysql_init failed: out of memory";
    return false;
  }
  if (mysql_real_connect(db_, host, s.user.c_str(), s.password.c_str(), s.dbname.c_str(), host_.port, sock,
                         CLIENT_MULTI_RESULTS) == nullptr) {
    *error = mysql_error(db_);
    mysql_close(db_);
    db_ = nullptr;
    return false;
  }
  return true;
}

void append_rows(MYSQL_RES* res, QueryResult* out) {
  unsigned ncols = mysql_num_fields(res);
  while (MYSQL_ROW row = mysql_fetch_row(res)) {
    unsigned long* lens = mysql_fetch_lengths(res);
    auto& r = out->rows.emplace_back();
    for (unsigned i = 0; i < ncols; ++i) {
      if (row[i] == nullptr)
        r.emplace_back();
      else
        r.emplace_back(std::string(row[i], lens[i]));
    }
  }
}

bool session_lost(unsigned errno_value) { return lost(errno_value); }

// query - every result set is read so the session stays in sync; more than one
// set with data is an error, as in Postfix ("multiple result sets ...").
std::optional<QueryError> Connection::query(const std::string& sql, QueryResult* out) {
  *out = QueryResult{};
  if (mysql_real_query(db_, sql.data(), sql.size()) != 0)
    return QueryError{mysql_error(db_), lost(mysql_errno(db_))};
  std::optional<QueryError> err;
  for (;;) {
    MYSQL_RES* res = mysql_store_result(db_);
    if (res != nullptr) {
      if (out->has_result_set && !err)
        err = QueryError{"multiple result sets returning data are not supported", false};
      out->has_result_set = true;
      append_rows(res, out);
      mysql_free_result(res);
    } else if (mysql_field_count(db_) != 0) {
      // Rows were due but could not be read: the session is out of step, drop it.
      return QueryError{mysql_error(db_), true};
    } else {
      out->affected_rows += mysql_affected_rows(db_);
    }
    int next = mysql_next_result(db_);
    if (next == -1) break;
    if (next > 0) return QueryError{mysql_error(db_), lost(mysql_errno(db_))};
  }
  return err;
}

std::string Connection::escape(std::string_view text) {
  std::string out(text.size() * 2 + 1, '\0');
  unsigned long n = mysql_real_escape_string(db_, out.data(), text.data(), text.size());
  out.resize(n);
  return out;
}

std::string escape_string(std::string_view text) {
  std::string out(text.size() * 2 + 1, '\0');
  unsigned long n = mysql_escape_string(out.data(), text.data(), text.size());
  out.resize(n);
  return out;
}

}  // namespace core::mysql
