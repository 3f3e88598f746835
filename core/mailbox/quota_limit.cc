// quota_limit.cc - a mailbox's quota limit from quota_maps.
#include "core/mailbox/quota_limit.h"

#include <fmt/format.h>

#include <charconv>

namespace core::mailbox {

core::Result<std::optional<QuotaSpec>> parse_limit(std::string_view value) {
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  int64_t n = 0;
  auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec == std::errc() && p == value.data() + value.size()) {
    if (n < 0) return std::optional<QuotaSpec>();
    return std::optional<QuotaSpec>(QuotaSpec{n, 0});
  }
  auto spec = parse_quota_spec(value);
  if (!spec || value.empty()) return core::config_error(fmt::format("bad quota value \"{}\"", value));
  return std::optional<QuotaSpec>(*spec);
}

// resolve_limit - the VDA order: the address, then @domain, then the default.
core::Result<QuotaSpec> resolve_limit(core::table::Table* maps, std::string_view address,
                                      std::string_view domain, int64_t default_bytes) {
  if (maps) {
    for (std::string key : {std::string(address), "@" + std::string(domain)}) {
      auto r = maps->lookup(key);
      if (!r) return r.error();
      if (!*r) continue;
      auto limit = parse_limit(**r);
      if (!limit) return core::config_error(fmt::format("{}: {}: {}", maps->name(), key, limit.error().text));
      if (*limit) return **limit;
      break;  // negative: the default applies
    }
  }
  return QuotaSpec{default_bytes, 0};
}

}  // namespace core::mailbox
