// mysql_query.cc - query/result template expansion after Postfix's db_common.c.
#include "core/table/mysql_query.h"

#include <fmt/format.h>

#include <vector>

namespace core::table {
namespace {

constexpr int kKeyDomain = 1 << 0;
constexpr int kKeyUser = 1 << 1;
constexpr int kValueDomain = 1 << 2;
constexpr int kValueUser = 1 << 3;

// scan - add the flags FORMAT needs; false on an unknown %x.
bool scan(std::string_view format, bool query, int* flags, int* nparts) {
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') continue;
    char c = ++i < format.size() ? format[i] : '\0';
    switch (c) {
      case '%':
      case 's':
      case 'S': break;
      case 'u': *flags |= query ? kKeyUser : kValueUser; break;
      case 'd': *flags |= query ? kKeyDomain : kValueDomain; break;
      case 'U': *flags |= kKeyUser; break;
      case 'D': *flags |= kKeyDomain; break;
      default:
        if (c >= '1' && c <= '9') {
          *nparts = std::max(*nparts, c - '0');
          *flags |= kKeyDomain;
          break;
        }
        return false;
    }
  }
  return true;
}

// domain_of - text after the last '@', or nullopt without '@'.
std::optional<std::string_view> domain_of(std::string_view s) {
  size_t at = s.rfind('@');
  if (at == std::string_view::npos) return std::nullopt;
  return s.substr(at + 1);
}

// labels - DOMAIN split on '.', empty labels dropped (Postfix argv_split).
std::vector<std::string_view> labels(std::string_view domain) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= domain.size()) {
    size_t dot = domain.find('.', start);
    if (dot == std::string_view::npos) dot = domain.size();
    if (dot > start) out.push_back(domain.substr(start, dot - start));
    start = dot + 1;
  }
  return out;
}

}  // namespace

Result<MysqlTemplates> MysqlTemplates::parse(std::string query, std::string result_format,
                                             std::string_view name) {
  MysqlTemplates t;
  if (!scan(query, true, &t.flags_, &t.nparts_))
    return config_error(fmt::format("{}: invalid query template: {}", name, query));
  if (!scan(result_format, false, &t.flags_, &t.nparts_))
    return config_error(fmt::format("{}: invalid result template: {}", name, result_format));
  t.query_ = std::move(query);
  t.result_format_ = std::move(result_format);
  return t;
}

std::optional<std::string> MysqlTemplates::expand_query(std::string_view key, const EscapeFn& escape) const {
  std::string out;
  if (key.empty() || !expand(query_, key, nullptr, &escape, &out)) return std::nullopt;
  return out;
}

MysqlTemplates::Append MysqlTemplates::append_result(std::string_view value, std::string_view key,
                                                     std::string* out) const {
  if (value.empty()) return Append::Empty;
  return expand(result_format_, value, &key, nullptr, out) ? Append::Added : Append::Skipped;
}

// expand - db_common_expand(): VALUE is the key (query) or a result value (KEY set).
bool MysqlTemplates::expand(std::string_view format, std::string_view value, const std::string_view* key,
                            const EscapeFn* escape, std::string* out) const {
  std::optional<std::string_view> vdomain, kdomain;
  auto bad = [](std::optional<std::string_view> dom, size_t whole, int flags, int need_dom, int need_user) {
    return ((!dom || dom->empty()) && (flags & need_dom)) ||
           (dom && dom->size() + 1 == whole && (flags & need_user));
  };
  if (key != nullptr) {
    if (flags_ & (kValueDomain | kValueUser)) vdomain = domain_of(value);
    if (bad(vdomain, value.size(), flags_, kValueDomain, kValueUser)) return false;
    if (flags_ & (kKeyDomain | kKeyUser)) kdomain = domain_of(*key);
    if (bad(kdomain, key->size(), flags_, kKeyDomain, kKeyUser)) return false;
  } else {
    if (flags_ & (kKeyDomain | kKeyUser)) vdomain = domain_of(value);
    if (bad(vdomain, value.size(), flags_, kKeyDomain, kKeyUser)) return false;
  }
  std::vector<std::string_view> parts;
  if (nparts_ > 0) {
    parts = labels(key != nullptr ? kdomain.value_or("") : vdomain.value_or(""));
    if (static_cast<int>(parts.size()) < nparts_) return false;
  }
  if (!out->empty()) out->push_back(',');
  auto put = [&](std::string_view v) { out->append(escape ? (*escape)(v) : std::string(v)); };
  auto user_of = [](std::string_view s, std::optional<std::string_view> dom) {
    return dom ? s.substr(0, s.size() - dom->size() - 1) : s;
  };
  // Upper-case tokens name the key: in a query that is VALUE itself.
  std::optional<std::string_view> kdom_or_v = key != nullptr ? kdomain : vdomain;
  std::string_view kval = key != nullptr ? *key : value;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') {
      out->push_back(format[i]);
      continue;
    }
    char c = format[++i];  // parse() guaranteed a valid character follows
    if (c == '%')
      out->push_back('%');
    else if (c == 's')
      put(value);
    else if (c == 'u')
      put(user_of(value, vdomain));
    else if (c == 'd')
      put(vdomain.value_or(""));
    else if (c == 'S')
      put(kval);
    else if (c == 'U')
      put(user_of(kval, kdom_or_v));
    else if (c == 'D')
      put(kdom_or_v.value_or(""));
    else
      put(parts[parts.size() - static_cast<size_t>(c - '0')]);
  }
  return true;
}

}  // namespace core::table
