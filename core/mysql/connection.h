// connection.h - one MariaDB Connector/C connection (libmysqlclient API).
//
// Settings are the connection parameters of a mysql_table(5) file plus
// vmailkit's timeouts. Connection owns one MYSQL handle; it is used by one
// thread at a time (the Client pool hands it out exclusively). Errors come
// back as text plus a flag saying whether the connection is unusable
// afterwards (client-side errors such as "server has gone away") or the
// server merely rejected the statement (SQL error: connection still fine).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/mysql/host.h"

typedef struct st_mysql MYSQL;
typedef struct st_mysql_res MYSQL_RES;

namespace core::mysql {

struct Settings {
  std::vector<Host> hosts;                 // "hosts", default localhost (default socket)
  std::string user, password;              // "user", "password"
  std::string dbname;                      // "dbname", required
  std::string charset = "utf8mb4";         // "charset" (Postfix 3.9 name)
  std::optional<std::string> option_file;  // MYSQL_READ_DEFAULT_FILE
  std::string option_group = "client";     // MYSQL_READ_DEFAULT_GROUP, "" = none
  std::optional<std::string> tls_key_file, tls_cert_file, tls_ca_file, tls_ca_path, tls_ciphers;
  std::optional<bool> tls_verify_cert;      // MYSQL_OPT_SSL_VERIFY_SERVER_CERT
  unsigned connect_timeout = 5;             // seconds, MYSQL_OPT_CONNECT_TIMEOUT ("connect_timeout")
  unsigned read_timeout = 10;               // seconds, MYSQL_OPT_READ_TIMEOUT ("read_timeout")
  unsigned write_timeout = 10;              // seconds, MYSQL_OPT_WRITE_TIMEOUT ("write_timeout")
  unsigned max_connections = 4;             // pool bound per table ("max_connections")
  std::chrono::seconds idle_interval{60};   // close idle connections after ("idle_interval")
  std::chrono::seconds retry_interval{60};  // skip a failed host while others work
  std::chrono::seconds lone_retry{2};       // back-off when no other host is usable
};

// A statement's answer: has_result_set is false for e.g. UPDATE.
struct QueryResult {
  bool has_result_set = false;
  std::vector<std::vector<std::optional<std::string>>> rows;
  unsigned long long affected_rows = 0;  // INSERT/UPDATE/DELETE: rows changed (blocking Connection only)
};

struct QueryError {
  std::string text;
  bool connection_lost = false;  // true: close this connection and fail over
};

class Connection {
 public:
  Connection(const Host& host, size_t host_index) : host_(host), host_index_(host_index) {}
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // connect - open the session; the error text names nothing but the server message.
  bool connect(const Settings& s, std::string* error);
  // query - run SQL (one statement or CALL) and fetch every row.
  std::optional<QueryError> query(const std::string& sql, QueryResult* out);
  // escape - mysql_real_escape_string in this connection's character set.
  std::string escape(std::string_view text);

  size_t host_index() const { return host_index_; }
  const Host& host() const { return host_; }
  std::chrono::steady_clock::time_point last_used;
  unsigned uses = 0;  // queries run; > 0 means the session came from the pool

 private:
  Host host_;
  size_t host_index_;
  MYSQL* db_ = nullptr;
};

// Shared with the non-blocking AsyncClient (async_client.h), so both paths
// open sessions and read answers the same way:
// prepare_handle - mysql_init plus every option connect() sets (NONBLOCK
// too when NONBLOCKING); *HOST_ARG / *SOCK_ARG get mysql_real_connect's
// host and unix_socket arguments (they point into HOST). Null: out of memory.
MYSQL* prepare_handle(const Settings& s, const Host& host, bool nonblocking, const char** host_arg,
                      const char** sock_arg);
// append_rows - copy every row of RES into OUT (NULL columns stay nullopt).
void append_rows(MYSQL_RES* res, QueryResult* out);
// session_lost - does client/server error ERRNO mean the session is unusable?
bool session_lost(unsigned errno_value);

// escape_string - mysql_escape_string (no connection, charset-agnostic), for tests.
std::string escape_string(std::string_view text);

}  // namespace core::mysql
