// mysql_table.h - the mysql: table driver (Postfix mysql_table(5) files, unchanged).
//
// open_mysql("/etc/postfix/x.cf") (declared in registry.h) reads the file
// with config::Config::parse and never $-expands values, like Postfix.
// The helpers below are shared with postfixadmin: (which takes only the
// connection parameters from a .cf file) and with tests.
//
// Thread safety: the table's lookup() may run on several threads; it blocks
// on the connection pool (core/mysql/client.h). Errors: Config at open for
// bad files/parameters; Retry at lookup for any server problem.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/config/config.h"
#include "core/mysql/connection.h"
#include "core/table/table.h"

namespace core::table {

// read_mysql_cf - load a mysql_table(5) file; PATH must start with '/' or '.'.
Result<config::Config> read_mysql_cf(std::string_view path, std::string_view label);
// mysql_settings - hosts, credentials, TLS, option file and vmailkit timeouts from CF.
Result<mysql::Settings> mysql_settings(const config::Config& cf, std::string_view label);
// open_mysql_config - the mysql: table for an already parsed CF; LABEL is "mysql:/path".
Result<std::unique_ptr<Table>> open_mysql_config(std::string label, const config::Config& cf,
                                                 const OpenContext& ctx);

// mysql_query_template - "query", or the legacy SELECT built from select_field etc.
Result<std::string> mysql_query_template(const config::Config& cf, std::string_view label);

// fold_key - ASCII lowercase, as Postfix folds keys for fixed-string tables.
std::string fold_key(std::string_view key);

}  // namespace core::table
