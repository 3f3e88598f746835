// mysql_table.cc - mysql:/path.cf tables answering like Postfix 3.7 dict_mysql.c.
#include "core/table/mysql_table.h"

#include <fmt/format.h>

#include "core/log/log.h"
#include "core/mysql/client.h"
#include "core/table/domain_list.h"
#include "core/table/mysql_query.h"
#include "core/table/registry.h"

namespace core::table {
namespace {

class MysqlTable final : public Table {
 public:
  MysqlTable(std::string label, mysql::Settings settings, MysqlTemplates templates,
             std::shared_ptr<DomainList> domains, long long expansion_limit, bool require_result_set)
      : label_(label),
        client_(std::move(label), std::move(settings)),
        templates_(std::move(templates)),
        domains_(std::move(domains)),
        expansion_limit_(expansion_limit),
        require_result_set_(require_result_set) {}

  LookupResult lookup(std::string_view raw_key) override;

 private:
  std::string label_;
  mysql::Client client_;
  MysqlTemplates templates_;
  std::shared_ptr<DomainList> domains_;
  long long expansion_limit_;
  bool require_result_set_;
};

// lookup - fold, domain filter, suppression, query, then result_format and join.
LookupResult MysqlTable::lookup(std::string_view raw_key) {
  const std::string key = fold_key(raw_key);
  if (domains_) {
    size_t at = key.rfind('@');
    if (at == std::string::npos || at == 0) return not_found();
    auto m = domains_->match(std::string_view(key).substr(at + 1));
    if (!m) return retry_error(fmt::format("{}: {}", label_, m.error().text));
    if (!*m) return not_found();
  }
  if (key.empty()) {
    log::warning("table \"{}\": empty query string -- ignored", label_);
    return not_found();
  }
  const EscapeFn identity = [](std::string_view s) { return std::string(s); };
  if (!templates_.expand_query(key, identity)) return not_found();
  auto res = client_.query(
      [&](const mysql::Escaper& esc) { return templates_.expand_query(key, esc).value_or(std::string()); });
  if (!res) return res.error();
  if (!res->has_result_set) {
    if (!require_result_set_) return not_found();
    std::string text = fmt::format(
        "{}: query failed: statement returned no result set "
        "(set require_result_set = no to allow that)",
        label_);
    log::warning("{}", text);
    return retry_error(text);
  }
  std::string out;
  long long expansions = 0;
  for (const auto& row : res->rows) {
    for (const auto& col : row) {
      if (!col) continue;  // NULL: skipped silently
      auto a = templates_.append_result(*col, key, &out);
      if (a == MysqlTemplates::Append::Empty) {
        log::warning("table \"{}\": empty lookup result for: \"{}\" -- ignored", label_, log::printable(key));
      } else if (a == MysqlTemplates::Append::Added && expansion_limit_ > 0 &&
                 ++expansions > expansion_limit_) {
        log::warning("{}: Expansion limit exceeded for key: '{}'", label_, log::printable(key));
        return retry_error(fmt::format("{}: expansion limit {} exceeded for key '{}'", label_,
                                       expansion_limit_, log::printable(key)));
      }
    }
  }
  if (out.empty()) return not_found();
  return found(std::move(out));
}

}  // namespace

// mysql_query_template - "query", or the legacy select_field/table/where_field form.
Result<std::string> mysql_query_template(const config::Config& cf, std::string_view label) {
  if (cf.raw("query")) return cf.get_literal("query");
  std::string parts[3];
  const char* names[3] = {"select_field", "table", "where_field"};
  for (int i = 0; i < 3; ++i) {
    parts[i] = cf.get_literal(names[i]);
    if (parts[i].empty())
      return config_error(fmt::format("{}: neither query nor {} is set", label, names[i]));
  }
  return fmt::format("SELECT {} FROM {} WHERE {}='%s' {}", parts[0], parts[1], parts[2],
                     cf.get_literal("additional_conditions"));
}

Result<std::unique_ptr<Table>> open_mysql_config(std::string label, const config::Config& cf,
                                                 const OpenContext& ctx) {
  auto settings = mysql_settings(cf, label);
  if (!settings) return settings.error();
  auto query = mysql_query_template(cf, label);
  if (!query) return query.error();
  std::string result_format = cf.raw("result_format") ? cf.get_literal("result_format") : "%s";
  auto templates = MysqlTemplates::parse(std::move(*query), std::move(result_format), label);
  if (!templates) return templates.error();
  std::shared_ptr<DomainList> domains;
  if (std::string d = cf.get_literal("domain"); !d.empty()) {
    auto list = DomainList::parse(d, label, ctx);
    if (!list) return list.error();
    domains = std::move(*list);
  }
  long long limit = 0;
  if (cf.raw("expansion_limit")) {
    auto v = cf.get_int("expansion_limit", 0, 1LL << 30);
    if (!v) return config_error(fmt::format("{}: {}", label, v.error().text));
    limit = *v;
  }
  bool require = true;
  if (cf.raw("require_result_set")) {
    auto v = cf.get_bool("require_result_set");
    if (!v) return config_error(fmt::format("{}: {}", label, v.error().text));
    require = *v;
  }
  return std::unique_ptr<Table>(std::make_unique<MysqlTable>(
      std::move(label), std::move(*settings), std::move(*templates), std::move(domains), limit, require));
}

// open_mysql - registry entry: NAME is the .cf path.
Result<std::unique_ptr<Table>> open_mysql(std::string_view name, const OpenContext& ctx) {
  std::string label = fmt::format("mysql:{}", name);
  auto cf = read_mysql_cf(name, label);
  if (!cf) return cf.error();
  return open_mysql_config(std::move(label), *cf, ctx);
}

}  // namespace core::table
