// table_cache.h - the tables behind CheckContext::open_tables: cached and
// aware of policyd's two passes (check.h).
//
// TableCache::open(specs) opens a table list ("mysql:/a.cf, texthash:/b")
// once per distinct spelling and wraps it in a CachedTable, shared by every
// check that asks for the same value. A CachedTable answers:
//   - in-memory lists (static:, inline:, texthash: only): straight through;
//   - a fresh cached answer (found: cache_ttl, not found: negative_ttl);
//   - on the loop pass (!blocking_allowed()): a miss is would_block();
//   - on a worker: the table's blocking lookup, remembered unless it failed.
// Errors (Retry, Config) are never cached: the next request asks again.
//
// Ownership: the TableCache owns nothing after open(); each CachedTable is
// shared_ptr-owned by the checks using it and by the TableCache (until it
// is destroyed on reload). Thread safety: CachedTable::lookup may run on the
// loop thread and on workers at once (one mutex per table around its LRU);
// TableCache::open is for startup/reload (loop thread) only.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "core/cache/cache.h"
#include "core/config/config.h"
#include "core/table/table.h"

namespace policyd {

class CachedTable final : public core::table::Table {
 public:
  struct Options {
    std::chrono::seconds ttl{10};
    std::chrono::seconds negative_ttl{5};
    size_t max_entries = 100000;
  };
  using Now = core::cache::Clock::time_point (*)();
  CachedTable(std::unique_ptr<core::table::Table> inner, Options options, Now now = core::cache::Clock::now);
  core::table::LookupResult lookup(std::string_view key) override;
  bool in_memory() const override { return in_memory_; }

 private:
  std::unique_ptr<core::table::Table> inner_;
  bool in_memory_;
  Now now_;
  std::mutex mu_;
  core::cache::Cache cache_;  // guarded by mu_
};

class TableCache {
 public:
  TableCache(const core::config::Config* config, CachedTable::Options options)
      : config_(config), options_(options) {}
  // open - the shared CachedTable for SPECS; Config error for an unknown
  // type or unreadable file (startup: the admin must fix the parameter).
  core::Result<std::shared_ptr<core::table::Table>> open(std::string_view specs);

 private:
  const core::config::Config* config_;
  CachedTable::Options options_;
  std::map<std::string, std::shared_ptr<core::table::Table>, std::less<>> tables_;
};

}  // namespace policyd
