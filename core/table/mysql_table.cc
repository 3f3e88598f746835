// mysql_table.cc - mysql:/path.cf tables answering like Postfix 3.7 dict_mysql.c.
#include "core/table/mysql_table.h"

#include <fmt/format.h>

#include "core/log/log.h"
#include "core/mysql/async_client.h"
#include "core/mysql/client.h"
#include "core/table/domain_list.h"
#include "core/table/mysql_query.h"
#include "core/table/registry.h"

namespace core::table {
namespace {

// Non-blocking sessions per table when bound to a loop (lookupd): enough for
// every concurrent miss of a busy daemon; opened only on demand.
constexpr unsigned kAsyncSessions = 32;

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
  bool supports_async() const override { return async_ != nullptr; }
  void lookup_async(std::string_view raw_key, std::function<void(LookupResult)> done) override;
  void bind_loop(event_base* loop) { async_ = std::make_unique<mysql::AsyncClient>(client_, loop, kAsyncSessions); }
  void close_idle() override {
    client_.close_idle();
    if (async_) async_->close_idle();
  }
  void shutdown() override;

 private:
  // prepare - fold KEY; an answer when no query is needed (filtered, empty, suppressed).
  std::optional<LookupResult> prepare(std::string_view raw_key, std::string* key) const;
  // answer - the value for KEY from the server's rows (result_format, join, limits).
  LookupResult answer(const std::string& key, const Result<mysql::QueryResult>& res) const;

  std::string label_;
  mysql::Client client_;
  std::unique_ptr<mysql::AsyncClient> async_;  // after client_: borrows it
  MysqlTemplates templates_;
  std::shared_ptr<DomainList> domains_;
  long long expansion_limit_;
  bool require_result_set_;
};

// prepare - fold, domain filter, empty key and suppression, as Postfix's dict_mysql_lookup.
std::optional<LookupResult> MysqlTable::prepare(std::string_view raw_key, std::string* out_key) const {
  *out_key = fold_key(raw_key);
  const std::string& key = *out_key;
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
  return std::nullopt;
}

// shutdown - end the loop-bound sessions (COM_QUIT, so the server logs no
// aborted connection) and the idle pooled ones.
void MysqlTable::shutdown() {
  // Moved out first: destroying queued requests may release the last
  // reference to a map that owns this table.
  auto async = std::move(async_);
  async.reset();
  client_.close_all_idle();
}

// lookup - prepare, the blocking pooled query, then answer.
LookupResult MysqlTable::lookup(std::string_view raw_key) {
  std::string key;
  if (auto early = prepare(raw_key, &key)) return std::move(*early);
  auto res = client_.query(
      [&](const mysql::Escaper& esc) { return templates_.expand_query(key, esc).value_or(std::string()); });
  return answer(key, res);
}

// lookup_async - prepare, the non-blocking query on the loop, then answer.
void MysqlTable::lookup_async(std::string_view raw_key, std::function<void(LookupResult)> done) {
  if (!async_) return done(lookup(raw_key));
  std::string key;
  if (auto early = prepare(raw_key, &key)) return done(std::move(*early));
  auto shared_key = std::make_shared<const std::string>(std::move(key));
  async_->query(
      [this, shared_key](const mysql::Escaper& esc) {
        return templates_.expand_query(*shared_key, esc).value_or(std::string());
      },
      [this, shared_key, done = std::move(done)](Result<mysql::QueryResult> res) {
        done(answer(*shared_key, res));
      });
}

// answer - result_format and join over every non-NULL column of every row.
LookupResult MysqlTable::answer(const std::string& key, const Result<mysql::QueryResult>& res) const {
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
  // A "type:table" item in domain may block (mysql:, socketmap:): such tables stay blocking-only.
  bool loop_safe = true;
  if (std::string d = cf.get_literal("domain"); !d.empty()) {
    loop_safe = d.find(':') == std::string::npos;
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
  auto table = std::make_unique<MysqlTable>(std::move(label), std::move(*settings), std::move(*templates),
                                            std::move(domains), limit, require);
  if (ctx.loop != nullptr && loop_safe) table->bind_loop(ctx.loop);
  return std::unique_ptr<Table>(std::move(table));
}

// open_mysql - registry entry: NAME is the .cf path.
Result<std::unique_ptr<Table>> open_mysql(std::string_view name, const OpenContext& ctx) {
  std::string label = fmt::format("mysql:{}", name);
  auto cf = read_mysql_cf(name, label);
  if (!cf) return cf.error();
  return open_mysql_config(std::move(label), *cf, ctx);
}

}  // namespace core::table
