// mysql_settings.cc - reading the connection part of a mysql_table(5) file.
#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/table/mysql_table.h"

namespace core::table {
namespace {

// opt_value - a parameter that is set (even to ""), or nullopt.
std::optional<std::string> opt_value(const config::Config& cf, std::string_view name) {
  if (!cf.raw(name)) return std::nullopt;
  return cf.get_literal(name);
}

// seconds - a vmailkit extension parameter in seconds (Postfix time units allowed).
Status seconds(const config::Config& cf, std::string_view name, std::string_view label, long long min,
               std::chrono::seconds* out) {
  if (!cf.raw(name)) return ok_status();
  auto v = cf.get_time(name);
  if (!v) return config_error(fmt::format("{}: {}", label, v.error().text));
  if (v->count() < min) return config_error(fmt::format("{}: {} must be at least {}s", label, name, min));
  *out = *v;
  return ok_status();
}

}  // namespace

Result<config::Config> read_mysql_cf(std::string_view path, std::string_view label) {
  if (path.empty() || (path[0] != '/' && path[0] != '.'))
    return config_error(
        fmt::format("{}: parameters from main.cf (\"{}_hosts\" etc.) are not supported; put them in a file "
                    "and use mysql:/etc/postfix/{}.cf",
                    label, path, path));
  std::ifstream in{std::string(path)};
  if (!in) return config_error(fmt::format("{}: cannot open {}: {}", label, path, std::strerror(errno)));
  std::stringstream text;
  text << in.rdbuf();
  return config::Config::parse(text.str(), path);
}

// mysql_settings - parameter names as in mysql_table(5); timeouts etc. are ours.
Result<mysql::Settings> mysql_settings(const config::Config& cf, std::string_view label) {
  mysql::Settings s;
  auto hosts = mysql::parse_hosts(cf.get_literal("hosts"));
  if (!hosts) return config_error(fmt::format("{}: {}", label, hosts.error().text));
  s.hosts = std::move(*hosts);
  s.user = cf.get_literal("user");
  s.password = cf.get_literal("password");
  s.dbname = cf.get_literal("dbname");
  if (s.dbname.empty()) return config_error(fmt::format("{}: dbname is required (mysql_table(5))", label));
  if (auto v = opt_value(cf, "charset")) s.charset = *v;
  if (auto v = opt_value(cf, "option_file"); v && !v->empty()) s.option_file = *v;
  if (auto v = opt_value(cf, "option_group")) s.option_group = *v;
  for (auto [name, field] :
       {std::pair{"tls_key_file", &s.tls_key_file}, std::pair{"tls_cert_file", &s.tls_cert_file},
        std::pair{"tls_CAfile", &s.tls_ca_file}, std::pair{"tls_CApath", &s.tls_ca_path},
        std::pair{"tls_ciphers", &s.tls_ciphers}})
    if (auto v = opt_value(cf, name); v && !v->empty()) *field = *v;
  if (cf.raw("tls_verify_cert")) {
    auto b = cf.get_bool("tls_verify_cert");
    if (!b) return config_error(fmt::format("{}: {}", label, b.error().text));
    s.tls_verify_cert = *b;
  }
  for (auto [name, field] :
       {std::pair{"connect_timeout", &s.connect_timeout}, std::pair{"read_timeout", &s.read_timeout},
        std::pair{"write_timeout", &s.write_timeout}, std::pair{"max_connections", &s.max_connections}}) {
    if (!cf.raw(name)) continue;
    auto v = cf.get_int(name, 1, 3600);
    if (!v) return config_error(fmt::format("{}: {}", label, v.error().text));
    *field = static_cast<unsigned>(*v);
  }
  if (auto st = seconds(cf, "idle_interval", label, 1, &s.idle_interval); !st) return st.error();
  if (auto st = seconds(cf, "retry_interval", label, 1, &s.retry_interval); !st) return st.error();
  if (auto st = seconds(cf, "lone_retry_interval", label, 0, &s.lone_retry); !st) return st.error();
  return s;
}

std::string fold_key(std::string_view key) {
  std::string out(key);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

}  // namespace core::table
