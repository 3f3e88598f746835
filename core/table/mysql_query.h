// mysql_query.h - Postfix mysql_table(5) % expansion for query and result_format.
//
// Pure logic, no server: MysqlTemplates validates the two templates once and
// then expands them per lookup exactly as Postfix 3.7's db_common.c does:
// the same flags are shared by both templates (a %D in result_format makes
// domain-less keys skip the query too), a key that cannot fill the query is
// "suppressed" (no query, not found), and every expanded key/value part goes
// through the caller's escape function (mysql_real_escape_string on the
// chosen connection; tests pass a fake).
//
// Thread safety: a parsed MysqlTemplates is immutable; expand from any thread.
// Errors: parse() returns a Config error for an unknown %x.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/base/result.h"

namespace core::table {

using EscapeFn = std::function<std::string(std::string_view)>;

class MysqlTemplates {
 public:
  // parse - check QUERY and RESULT_FORMAT; NAME ("mysql:/path") is for messages.
  static Result<MysqlTemplates> parse(std::string query, std::string result_format, std::string_view name);

  // expand_query - the SQL for KEY, or nullopt when KEY cannot fill the template.
  std::optional<std::string> expand_query(std::string_view key, const EscapeFn& escape) const;

  enum class Append { Added, Skipped, Empty };
  // append_result - apply result_format to VALUE (a column of the answer to KEY)
  // and append it to OUT, comma-separated. Empty: VALUE was "" (caller warns).
  Append append_result(std::string_view value, std::string_view key, std::string* out) const;

  const std::string& query() const { return query_; }
  const std::string& result_format() const { return result_format_; }

 private:
  bool expand(std::string_view format, std::string_view value, const std::string_view* key,
              const EscapeFn* escape, std::string* out) const;

  std::string query_;
  std::string result_format_;
  int flags_ = 0;
  int nparts_ = 0;
};

}  // namespace core::table
