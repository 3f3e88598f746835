// postfixadmin_table.cc - Postfix Admin map lists in one query per key.
#include "core/table/postfixadmin_table.h"

#include <fmt/format.h>

#include <vector>

#include "core/log/log.h"
#include "core/mysql/client.h"
#include "core/table/mysql_table.h"
#include "core/table/registry.h"

namespace core::table {
namespace {

// The documented queries, one per map, selecting (map position, value).
const char* const kDomains[] = {
    "SELECT 1 AS vmk_map, domain AS vmk_value FROM domain WHERE domain='%s' AND active = '1' "
    "AND backupmx = '0'",
};
const char* const kMailbox[] = {
    "SELECT 1 AS vmk_map, maildir AS vmk_value FROM mailbox WHERE username='%s' AND active = '1'",
    "SELECT 2, maildir FROM mailbox,alias_domain WHERE alias_domain.alias_domain = '%d' and "
    "mailbox.username = CONCAT('%u', '@', alias_domain.target_domain) AND mailbox.active='1' AND "
    "alias_domain.active='1'",
};
const char* const kAlias[] = {
    "SELECT 1 AS vmk_map, goto AS vmk_value FROM alias WHERE address='%s' AND active = '1'",
    "SELECT 2, goto FROM alias,alias_domain WHERE alias_domain.alias_domain = '%d' and "
    "alias.address = CONCAT('%u', '@', alias_domain.target_domain) AND alias.active='1' AND "
    "alias_domain.active='1'",
    "SELECT 3, goto FROM alias,alias_domain WHERE alias_domain.alias_domain = '%d' and "
    "alias.address = CONCAT('@', alias_domain.target_domain) AND alias.active='1' AND "
    "alias_domain.active='1'",
};

// branches - the map queries of KIND as parsed templates.
Result<std::vector<MysqlTemplates>> branches(std::string_view kind) {
  std::vector<const char*> sql;
  if (kind == "domains")
    sql.assign(std::begin(kDomains), std::end(kDomains));
  else if (kind == "mailbox")
    sql.assign(std::begin(kMailbox), std::end(kMailbox));
  else if (kind == "alias")
    sql.assign(std::begin(kAlias), std::end(kAlias));
  else
    return config_error(
        fmt::format("postfixadmin:{}: unknown kind \"{}\" (use domains, mailbox or alias)", kind, kind));
  std::vector<MysqlTemplates> out;
  for (const char* s : sql) out.push_back(*MysqlTemplates::parse(s, "%s", "postfixadmin"));
  return out;
}

class PostfixadminTable final : public Table {
 public:
  PostfixadminTable(std::string label, std::string kind, mysql::Settings settings)
      : label_(label), kind_(std::move(kind)), client_(std::move(label), std::move(settings)) {}

  LookupResult lookup(std::string_view raw_key) override;
  void close_idle() override { client_.close_idle(); }
  void shutdown() override { client_.close_all_idle(); }

 private:
  std::string label_;
  std::string kind_;
  mysql::Client client_;
};

// lookup - one query; the lowest map position with a non-empty result wins.
LookupResult PostfixadminTable::lookup(std::string_view raw_key) {
  const std::string key = fold_key(raw_key);
  const EscapeFn identity = [](std::string_view s) { return std::string(s); };
  auto probe = postfixadmin_sql(kind_, key, identity);
  if (!probe) return probe.error();
  if (!*probe) return not_found();
  auto res = client_.query([&](const mysql::Escaper& esc) {
    auto sql = postfixadmin_sql(kind_, key, esc);
    return sql && *sql ? **sql : std::string();
  });
  if (!res) return res.error();
  std::vector<std::string> per_map(4);
  for (const auto& row : res->rows) {
    if (row.size() != 2 || !row[0] || !row[1]) continue;  // NULL value: skipped silently
    size_t map = static_cast<size_t>(std::stoul(*row[0]));
    if (map >= per_map.size()) continue;
    if (row[1]->empty()) {
      log::warning("table \"{}\": empty lookup result for: \"{}\" -- ignored", label_, log::printable(key));
      continue;
    }
    if (!per_map[map].empty()) per_map[map].push_back(',');
    per_map[map] += *row[1];
  }
  for (auto& v : per_map)
    if (!v.empty()) return found(std::move(v));
  return not_found();
}

}  // namespace

Result<std::optional<std::string>> postfixadmin_sql(std::string_view kind, std::string_view key,
                                                    const EscapeFn& escape) {
  auto maps = branches(kind);
  if (!maps) return maps.error();
  std::string sql;
  for (const auto& m : *maps) {
    auto q = m.expand_query(key, escape);
    if (!q) continue;  // Postfix would not query this map for this key
    if (!sql.empty()) sql += " UNION ALL ";
    sql += *q;  // UNION columns are positional: (map position, value)
  }
  if (sql.empty()) return std::optional<std::string>();
  return std::optional<std::string>(std::move(sql));
}

// open_postfixadmin - NAME is "KIND:/path/to/mysql.cf".
Result<std::unique_ptr<Table>> open_postfixadmin(std::string_view name, const OpenContext&) {
  size_t colon = name.find(':');
  std::string label = fmt::format("postfixadmin:{}", name);
  if (colon == std::string_view::npos)
    return config_error(fmt::format("{}: expected postfixadmin:KIND:/path/to/mysql.cf", label));
  std::string kind(name.substr(0, colon));
  if (auto b = branches(kind); !b) return config_error(fmt::format("{}: {}", label, b.error().text));
  auto cf = read_mysql_cf(name.substr(colon + 1), label);
  if (!cf) return cf.error();
  auto settings = mysql_settings(*cf, label);
  if (!settings) return settings.error();
  return std::unique_ptr<Table>(
      std::make_unique<PostfixadminTable>(std::move(label), std::move(kind), std::move(*settings)));
}

}  // namespace core::table
