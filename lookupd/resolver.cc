// resolver.cc - cache fast path, coalesced off-thread lookups, serve-stale.
#include "lookupd/resolver.h"

#include "core/log/log.h"
#include "lookupd/address.h"
#include "lookupd/async_search.h"

namespace lookupd {
namespace {

// One warning per map per interval while a table keeps failing (quiet logs).
constexpr std::chrono::seconds kErrorLogInterval{10};
// Unknown map names are logged once each; stop remembering after this many.
constexpr size_t kMaxUnknownLogged = 100;

std::string pending_key(std::string_view map, std::string_view key) {
  std::string k(map);
  k.push_back('\0');
  k.append(key);
  return k;
}

}  // namespace

Resolver::Resolver(AddressPolicy policy, Submit submit, Now now)
    : policy_(std::move(policy)),
      submit_(std::move(submit)),
      now_(std::move(now)),
      maps_(std::make_shared<MapSet>()) {}

// set_maps - swap map sets, keeping caches that still match.
void Resolver::set_maps(std::shared_ptr<const MapSet> maps, AddressPolicy policy) {
  std::unordered_map<std::string, MapState> next;
  for (const auto& [name, map] : *maps) {
    auto old = state_.find(name);
    if (old != state_.end() && old->second.spec == map->spec && old->second.cache->options() == map->cache) {
      next.emplace(name, std::move(old->second));
    } else {
      MapState st;
      st.spec = map->spec;
      st.cache = std::make_unique<Cache>(map->cache);
      next.emplace(name, std::move(st));
    }
  }
  state_ = std::move(next);
  maps_ = std::move(maps);
  policy_ = std::move(policy);
}

void Resolver::unknown_map(std::string_view name) {
  stats_.unknown_map();
  if (unknown_logged_.count(name) || unknown_logged_.size() >= kMaxUnknownLogged) return;
  unknown_logged_.emplace(name);
  core::log::warning(
      "request for unknown map name \"{}\": define lookupd_map_{} or fix the "
      "map name in Postfix's main.cf",
      core::log::printable(name), core::log::printable(name));
}

// cache_key - address maps fold keys as Postfix does for mysql:, so
// differently cased requests share an entry - except where the answer
// carries the caller's extension in its original case (propagating maps).
const std::string& Resolver::cache_key(const Map& map, std::string_view key) {
  scratch_.assign(key);
  if (map.address && !map.propagate)
    for (char& c : scratch_)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');  // as lowercase()
  return scratch_;
}

void Resolver::resolve(std::string_view name, std::string_view key, Reply reply) {
  if (auto now = try_now(name, key)) return reply(*now);
  resolve_miss(name, key, std::move(reply));
}

// try_now - stats map, unknown map, empty key or a fresh cache hit.
std::optional<core::table::LookupResult> Resolver::try_now(std::string_view name, std::string_view key) {
  if (name == kStatsMap) return core::table::found(stats_.summary());
  auto it = maps_->find(name);
  if (it == maps_->end()) {
    unknown_map(name);
    return core::config_error("unknown map name");
  }
  const auto& map = it->second;
  auto& counters = stats_.map(map->name);
  ++counters.requests;
  // Postfix's maps_find() never looks up an empty key ("null query"); answer
  // the same without bothering a table.
  if (key.empty()) return core::table::not_found();
  auto& state = state_.at(map->name);
  if (state.cache->enabled()) {
    auto hit = state.cache->get(cache_key(*map, key), now_());
    if (hit.state == Cache::State::Fresh) {
      ++counters.hits;
      return hit.value ? core::table::found(std::move(*hit.value)) : core::table::not_found();
    }
  }
  return std::nullopt;
}

// resolve_miss - join an identical lookup in flight, or start one.
void Resolver::resolve_miss(std::string_view name, std::string_view key, Reply reply) {
  auto it = maps_->find(name);
  if (it == maps_->end()) return reply(core::config_error("unknown map name"));  // not after try_now()
  const auto& map = it->second;
  auto& counters = stats_.map(map->name);
  std::string cache_key = this->cache_key(*map, key);
  auto& waiters = pending_[pending_key(map->name, cache_key)];
  waiters.push_back(std::move(reply));
  if (waiters.size() > 1) {
    ++counters.coalesced;
    return;
  }
  ++counters.misses;
  start_lookup(map, std::move(cache_key));
}

// start_lookup - the search on the loop when every table of the map can
// answer there without blocking (async_search.h), else on a worker; either
// way the result comes back on the loop.
void Resolver::start_lookup(std::shared_ptr<const Map> map, std::string cache_key) {
  if (loop_capable(*map->table)) {
    auto start = std::chrono::steady_clock::now();
    std::vector<KeyForm> forms =
        map->address ? key_forms(cache_key, policy_) : std::vector<KeyForm>{{cache_key, {}}};
    core::table::Table& table = *map->table;
    bool propagate = map->propagate;
    std::string name = map->name;
    search_async(table, std::move(forms), propagate, std::move(map),
                 [this, name = std::move(name), cache_key, start](core::table::LookupResult r) {
                   Outcome out;
                   out.result = std::move(r);
                   out.latency = std::chrono::duration_cast<std::chrono::microseconds>(
                       std::chrono::steady_clock::now() - start);
                   finish_lookup(name, cache_key, out);
                 });
    return;
  }
  auto out = std::make_shared<Outcome>();
  AddressPolicy policy = policy_;
  auto work = [map, cache_key, out, policy] {
    auto start = std::chrono::steady_clock::now();
    out->result = map->address ? search_address(*map->table, cache_key, policy, map->propagate)
                               : map->table->lookup(cache_key);
    out->latency =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
  };
  auto done = [this, name = map->name, cache_key, out] { finish_lookup(name, cache_key, *out); };
  submit_(std::move(work), std::move(done));
}

// finish_lookup - cache the answer (or find a stale one) and answer every waiter.
void Resolver::finish_lookup(const std::string& name, const std::string& cache_key, const Outcome& out) {
  auto node = pending_.extract(pending_key(name, cache_key));
  auto& counters = stats_.map(name);
  counters.add_latency(out.latency);
  core::table::LookupResult answer = out.result;
  auto st = state_.find(name);  // gone if a reload removed the map meanwhile
  if (out.result) {
    if (st != state_.end()) st->second.cache->put(cache_key, *out.result, now_());
  } else if (st != state_.end()) {
    answer = on_error(name, st->second, counters, cache_key, out.result.error());
  } else {
    ++counters.temp;
  }
  if (node.empty()) return;
  for (auto& reply : node.mapped()) reply(answer);
}

// on_error - a stale positive answer if allowed, else the error (logged, throttled).
core::table::LookupResult Resolver::on_error(const std::string& name, MapState& state, MapCounters& c,
                                             const std::string& key, const core::Error& error) {
  auto now = now_();
  if (error.retry()) {
    auto hit = state.cache->stale(key, now);
    if (hit.state == Cache::State::Stale) {
      ++c.stale;
      if (hit.log)
        core::log::warning("map {}: serving stale answer for \"{}\" (age {}s): {}", name,
                           core::log::printable(key),
                           std::chrono::duration_cast<std::chrono::seconds>(hit.age).count(), error.text);
      return core::table::found(*hit.value);
    }
  }
  ++c.temp;
  if (!state.last_error_log || now - *state.last_error_log >= kErrorLogInterval) {
    if (state.errors_unlogged > 0)
      core::log::warning("map {}: lookup of \"{}\" failed: {} ({} more failures not logged)", name,
                         core::log::printable(key), error.text, state.errors_unlogged);
    else
      core::log::warning("map {}: lookup of \"{}\" failed: {}", name, core::log::printable(key), error.text);
    state.last_error_log = now;
    state.errors_unlogged = 0;
  } else {
    ++state.errors_unlogged;
  }
  return error;
}

}  // namespace lookupd
