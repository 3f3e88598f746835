// table_cache.cc - cached, two-pass-aware table lists.
#include "policyd/table_cache.h"

#include "policyd/check.h"

namespace policyd {
namespace {

// all_in_memory - true when every table of a list answers without I/O.
bool all_in_memory(const core::table::Table& table) {
  if (const auto* list = dynamic_cast<const core::table::TableList*>(&table)) {
    for (const auto& t : list->tables())
      if (!t->in_memory()) return false;
    return true;
  }
  return table.in_memory();
}

core::cache::Cache::Options cache_options(const CachedTable::Options& o) {
  core::cache::Cache::Options c;
  c.ttl = o.ttl;
  c.negative_ttl = o.negative_ttl;
  c.stale_max = o.ttl;  // policyd never serves stale answers: expired entries go at once
  c.max_entries = o.max_entries;
  return c;
}

}  // namespace

CachedTable::CachedTable(std::unique_ptr<core::table::Table> inner, Options options, Now now)
    : inner_(std::move(inner)), in_memory_(all_in_memory(*inner_)), now_(now), cache_(cache_options(options)) {
  set_name(inner_->name());
}

// lookup - memory tables direct; cache; would-block on the loop; else ask and remember.
core::table::LookupResult CachedTable::lookup(std::string_view key) {
  if (in_memory_) return inner_->lookup(key);
  std::string k(key);
  if (cache_.enabled()) {
    std::lock_guard lock(mu_);
    auto hit = cache_.get(k, now_());
    if (hit.state == core::cache::Cache::State::Fresh) return hit.value;
  }
  if (!blocking_allowed()) return would_block();
  auto r = inner_->lookup(key);
  if (r.ok() && cache_.enabled()) {
    std::lock_guard lock(mu_);
    cache_.put(k, *r, now_());
  }
  return r;
}

// open - one CachedTable per distinct SPECS text.
core::Result<std::shared_ptr<core::table::Table>> TableCache::open(std::string_view specs) {
  if (auto it = tables_.find(specs); it != tables_.end()) return it->second;
  core::table::OpenContext ctx{config_, nullptr};
  auto list = core::table::open_list(specs, ctx);
  if (!list) return list.error();
  if ((*list)->tables().empty())
    return core::config_error("empty table list \"" + std::string(specs) + "\"");
  std::shared_ptr<core::table::Table> table = std::make_shared<CachedTable>(std::move(list.value()), options_);
  tables_.emplace(std::string(specs), table);
  return table;
}

}  // namespace policyd
