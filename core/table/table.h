// table.h - Postfix-style lookup tables opened from "type:name" strings.
//
// A Table answers one key with found(value), not found, or an Error:
// Retry for a temporary failure (database down, socket timeout: the caller
// answers TEMP / 4xx / exit 75) or Config for a setup problem. A temporary
// failure is never reported as "not found".
//
// Drivers register a factory by type name (registry.cc, one line per
// driver), as Postfix's dict_open_info[] does. open() never fails: a table
// that cannot be opened becomes a FailTable that reports the reason on every
// lookup (Postfix's dict_surrogate), so a daemon keeps serving the rest;
// open_checked() returns the error instead, for startup checks.
//
// Thread safety: lookup() may be called from several threads at once (lookupd
// runs database lookups on a small worker pool); every driver must allow it.
// lookup() may block (mysql:, socketmap:, tcp:).
//
// Asynchronous lookups (optional): a table whose supports_async() is true
// also answers lookup_async(key, done) without blocking; DONE runs later on
// the event loop thread the table was bound to (OpenContext::loop), or at
// once when the answer needs no I/O. lookup_async is called on that loop
// thread only. in_memory() tables (static:, inline:, texthash:) never block,
// so a loop may call their lookup() directly.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"

namespace core::config {
class Config;
}
struct event_base;

namespace core::table {

using LookupResult = Result<std::optional<std::string>>;

inline LookupResult found(std::string value) { return std::optional<std::string>(std::move(value)); }
inline LookupResult not_found() { return std::optional<std::string>(); }

class Table {
 public:
  virtual ~Table() = default;
  // lookup - the value for KEY, not found, or an error.
  virtual LookupResult lookup(std::string_view key) = 0;
  // supports_async - true when lookup_async() answers without blocking the loop.
  virtual bool supports_async() const { return false; }
  // lookup_async - answer KEY through DONE on the loop thread (see above).
  // The default runs the blocking lookup(); callers check supports_async().
  virtual void lookup_async(std::string_view key, std::function<void(LookupResult)> done) {
    done(lookup(key));
  }
  // in_memory - true when lookup() never blocks (no I/O per lookup).
  virtual bool in_memory() const { return false; }
  // close_idle - close database connections unused for the table's idle
  // interval (mysql: idle_interval). Daemons call it from a timer, on the
  // loop thread of a loop-bound table; it may block briefly (COM_QUIT).
  virtual void close_idle() {}
  // shutdown - close every database connection now, dropping asynchronous
  // lookups still in flight unanswered (their DONE is destroyed, not
  // called). For daemon shutdown, after the loop stopped and before its
  // event_base is freed; lookup() still works afterwards (blocking).
  virtual void shutdown() {}
  // name - "type:name" as the admin wrote it, for log lines.
  const std::string& name() const { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }

 private:
  std::string name_;
};

// What a driver may need besides its own name: the daemon's parameters
// (recipient_delimiter, timeouts) and nothing else.
struct OpenContext {
  const config::Config* config = nullptr;
  // The event loop a daemon runs lookup_async() on (lookupd); null = blocking only.
  event_base* loop = nullptr;
};

// open_checked - open "type:name"; an unknown type or unreadable file is an Error.
Result<std::unique_ptr<Table>> open_checked(std::string_view spec, const OpenContext& ctx);
// open - like open_checked, but failures become a FailTable.
std::unique_ptr<Table> open(std::string_view spec, const OpenContext& ctx);

// FailTable - reports the same error for every key.
class FailTable final : public Table {
 public:
  explicit FailTable(Error error) : error_(std::move(error)) {}
  LookupResult lookup(std::string_view) override { return error_; }
  bool in_memory() const override { return true; }

 private:
  Error error_;
};

// TableList - several tables searched in order, as Postfix searches a map
// list: the first table that finds the key wins, and the first error stops
// the search (later tables are not consulted for that key).
class TableList final : public Table {
 public:
  explicit TableList(std::vector<std::unique_ptr<Table>> tables) : tables_(std::move(tables)) {}
  LookupResult lookup(std::string_view key) override;
  void close_idle() override;
  void shutdown() override;
  const std::vector<std::unique_ptr<Table>>& tables() const { return tables_; }

 private:
  std::vector<std::unique_ptr<Table>> tables_;
};

// open_list - a TableList from a list of specs (commas/white space separated,
// "inline:{a=1, b=2}" kept whole). Startup errors are returned.
Result<std::unique_ptr<TableList>> open_list(std::string_view specs, const OpenContext& ctx);
// split_specs - split a parameter value into table specs, keeping {...} whole.
std::vector<std::string> split_specs(std::string_view specs);

}  // namespace core::table
