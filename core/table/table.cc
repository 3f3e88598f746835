// table.cc - opening tables by "type:name" and searching table lists.
#include "core/table/table.h"

#include <fmt/format.h>

#include "core/log/log.h"
#include "core/table/registry.h"

namespace core::table {

// open_checked - split "type:name" and call the type's factory.
Result<std::unique_ptr<Table>> open_checked(std::string_view spec, const OpenContext& ctx) {
  size_t colon = spec.find(':');
  if (colon == std::string_view::npos || colon == 0)
    return config_error(fmt::format("table \"{}\": expected type:name", std::string(spec)));
  std::string_view type = spec.substr(0, colon);
  const Factory* factory = find_factory(type);
  if (factory == nullptr)
    return config_error(fmt::format("table \"{}\": unsupported table type \"{}\"", std::string(spec),
                                    std::string(type)));
  auto table = (*factory)(spec.substr(colon + 1), ctx);
  if (!table) return table;
  (*table)->set_name(std::string(spec));
  return table;
}

// open - surrogate on failure, so the daemon keeps serving other tables.
std::unique_ptr<Table> open(std::string_view spec, const OpenContext& ctx) {
  auto table = open_checked(spec, ctx);
  if (table) return std::move(table.value());
  log::warning("{}", table.error().text);
  auto fail = std::make_unique<FailTable>(table.error());
  fail->set_name(std::string(spec));
  return fail;
}

// lookup - first hit wins; the first error ends the search.
LookupResult TableList::lookup(std::string_view key) {
  for (const auto& t : tables_) {
    auto r = t->lookup(key);
    if (!r || r->has_value()) return r;
  }
  return not_found();
}

void TableList::close_idle() {
  for (const auto& t : tables_) t->close_idle();
}

void TableList::shutdown() {
  for (const auto& t : tables_) t->shutdown();
}

// split_specs - like split_list, but "inline:{ a=1, b=2 }" stays one item.
std::vector<std::string> split_specs(std::string_view specs) {
  std::vector<std::string> out;
  std::string cur;
  int depth = 0;
  for (char c : specs) {
    if (c == '{') ++depth;
    if (c == '}' && depth > 0) --depth;
    if (depth == 0 && (c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r')) {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
      continue;
    }
    cur.push_back(c);
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

Result<std::unique_ptr<TableList>> open_list(std::string_view specs, const OpenContext& ctx) {
  std::vector<std::unique_ptr<Table>> tables;
  for (const auto& spec : split_specs(specs)) {
    auto t = open_checked(spec, ctx);
    if (!t) return t.error();
    tables.push_back(std::move(t.value()));
  }
  auto list = std::make_unique<TableList>(std::move(tables));
  list->set_name(std::string(specs));
  return list;
}

}  // namespace core::table
