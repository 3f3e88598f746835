// address.cc - key forms, extension splitting and propagation.
#include "lookupd/address.h"

#include <strings.h>

namespace lookupd {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

bool iends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && iequals(s.substr(s.size() - suffix.size()), suffix);
}

// split_point - where LOCAL splits into user and extension, or npos (split_addr.c).
size_t split_point(std::string_view local, const AddressPolicy& p) {
  if (local.empty() || p.delimiters.empty()) return std::string_view::npos;
  if (iequals(local, "postmaster") || iequals(local, "MAILER-DAEMON") ||
      iequals(local, p.double_bounce))
    return std::string_view::npos;
  if (p.owner_request_special && p.delimiters.find('-') != std::string::npos) {
    if (local.size() >= 6 && iequals(local.substr(0, 6), "owner-")) return std::string_view::npos;
    if (local.size() > 8 && iends_with(local, "-request")) return std::string_view::npos;
  }
  size_t pos = local.find_first_of(p.delimiters);
  if (pos == 0) return std::string_view::npos;  // would leave an empty user
  return pos;
}

}  // namespace

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// key_forms - forms 1, 2 and 4 of MA_FIND_DEFAULT (see address.h).
std::vector<KeyForm> key_forms(std::string_view key, const AddressPolicy& policy) {
  std::string full = lowercase(key);
  size_t at = full.rfind('@');
  if (at == std::string::npos || at == 0) return {{full, {}}};
  std::vector<KeyForm> forms{{full, {}}};
  std::string_view local = std::string_view(full).substr(0, at);
  std::string_view domain = std::string_view(full).substr(at);  // with '@'
  size_t split = split_point(local, policy);
  // The extension keeps the case it was sent in: Postfix folds only the
  // lookup keys (inside the dict layer), not the address it propagates from.
  if (split != std::string_view::npos)
    forms.push_back({std::string(local.substr(0, split)) + std::string(domain),
                     std::string(key.substr(split, at - split))});
  if (domain.size() > 1) forms.push_back({std::string(domain), {}});
  return forms;
}

// propagate_extension - mail_addr_crunch()'s extension insertion, on a
// comma-separated list (commas inside double quotes do not split).
std::string propagate_extension(std::string_view value, std::string_view extension) {
  if (extension.empty() || value.empty() || value.front() == '@') return std::string(value);
  std::string out;
  size_t start = 0;
  bool quoted = false;
  for (size_t i = 0; i <= value.size(); ++i) {
    if (i < value.size() && value[i] == '"') quoted = !quoted;
    if (i < value.size() && (quoted || value[i] != ',')) continue;
    std::string_view item = value.substr(start, i - start);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (!item.empty()) {
      if (!out.empty()) out += ',';
      size_t at = item.rfind('@');
      if (at == std::string_view::npos) at = item.size();
      out.append(item.substr(0, at)).append(extension).append(item.substr(at));
    }
    start = i + 1;
  }
  return out;
}

// search_address - first hit over all forms wins, first error stops.
core::table::LookupResult search_address(core::table::Table& table, std::string_view key,
                                         const AddressPolicy& policy, bool propagate) {
  for (const auto& form : key_forms(key, policy)) {
    auto r = table.lookup(form.key);
    if (!r) return r;
    if (!r->has_value()) continue;
    if (propagate && !form.extension.empty())
      return core::table::found(propagate_extension(**r, form.extension));
    return r;
  }
  return core::table::not_found();
}

}  // namespace lookupd
