// params.cc - common daemon parameters and their conversion to ListenOptions.
#include "core/server/params.h"

#include <fmt/format.h>

#include <deque>
#include <map>
#include <mutex>

namespace core::server {

// common_params - the rows are built once per daemon name and kept for the
// life of the process, because ParamSpec holds string_views.
std::vector<config::ParamSpec> common_params(std::string_view daemon_name) {
  static std::mutex mu;
  static std::deque<std::string> names;
  static std::map<std::string, std::vector<config::ParamSpec>, std::less<>> cache;
  std::lock_guard lock(mu);
  if (auto it = cache.find(daemon_name); it != cache.end()) return it->second;
  static constexpr std::pair<std::string_view, std::string_view> kRows[] = {
      {"_user", ""},           {"_idle_timeout", "300s"},     {"_max_connections", "1000"},
      {"_max_request_size", "64k"}, {"_socket_owner", ""},     {"_socket_group", ""},
      {"_socket_mode", "0666"},
  };
  std::vector<config::ParamSpec> specs{{"maillog_file", ""}};
  for (const auto& [suffix, value] : kRows) {
    names.push_back(fmt::format("{}{}", daemon_name, suffix));
    specs.push_back({names.back(), value});
  }
  cache.emplace(std::string(daemon_name), specs);
  return specs;
}

// read_listen_options - typed reads with limits; the first bad value wins.
Result<ListenOptions> read_listen_options(const config::Config& config, std::string_view name) {
  ListenOptions o;
  auto p = [&](std::string_view suffix) { return fmt::format("{}{}", name, suffix); };
  auto idle = config.get_time(p("_idle_timeout"));
  if (!idle) return idle.error();
  if (idle->count() < 1) return config_error(fmt::format("{}: must be at least 1s", p("_idle_timeout")));
  o.idle_timeout = *idle;
  auto maxconn = config.get_int(p("_max_connections"), 1, 1000000);
  if (!maxconn) return maxconn.error();
  o.max_connections = static_cast<size_t>(*maxconn);
  auto maxreq = config.get_size(p("_max_request_size"));
  if (!maxreq) return maxreq.error();
  if (*maxreq < 256) return config_error(fmt::format("{}: must be at least 256 bytes", p("_max_request_size")));
  o.max_input = static_cast<size_t>(*maxreq);
  o.unix_owner = config.get(p("_socket_owner"));
  o.unix_group = config.get(p("_socket_group"));
  std::string mode = config.get(p("_socket_mode"));
  unsigned long bits = 0;
  bool ok = !mode.empty() && mode.size() <= 4;
  for (char c : mode) {
    if (c < '0' || c > '7') ok = false;
    bits = bits * 8 + static_cast<unsigned long>(c - '0');
  }
  if (!ok || bits > 07777)
    return config_error(fmt::format("{} = {}: expected an octal mode such as 0660", p("_socket_mode"), mode));
  o.unix_mode = static_cast<mode_t>(bits);
  return o;
}

}  // namespace core::server
