// domain_list.cc - Postfix string_list matching for the mysql "domain" filter.
#include "core/table/domain_list.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "core/config/config.h"

namespace core::table {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

}  // namespace

Result<std::shared_ptr<DomainList>> DomainList::parse(std::string_view value, std::string_view label,
                                                      const OpenContext& ctx) {
  auto list = std::make_shared<DomainList>();
  for (const auto& item : split_specs(value))
    if (auto st = list->add(item, label, ctx, 0); !st) return st.error();
  return list;
}

// add - one item; "/file" items are expanded in place (nested files allowed).
Status DomainList::add(std::string_view item, std::string_view label, const OpenContext& ctx, int depth) {
  Item it;
  if (!item.empty() && item[0] == '!') {
    it.negate = true;
    item.remove_prefix(1);
  }
  if (item.empty()) return config_error(fmt::format("{}: domain: empty list item", label));
  if (item[0] == '/') {
    if (it.negate || depth > 10)
      return config_error(fmt::format("{}: domain: bad file item \"{}\"", label, item));
    std::ifstream in{std::string(item)};
    if (!in)
      return config_error(fmt::format("{}: domain: cannot open {}: {}", label, item, std::strerror(errno)));
    std::string line;
    while (std::getline(in, line)) {
      size_t hash = line.find('#');
      if (hash != std::string::npos) line.resize(hash);
      for (const auto& sub : config::split_list(line))
        if (auto st = add(sub, label, ctx, depth + 1); !st) return st;
    }
    return ok_status();
  }
  if (item.find(':') != std::string_view::npos) {
    auto t = open_checked(item, ctx);
    if (!t) return config_error(fmt::format("{}: domain: {}", label, t.error().text));
    it.table = std::move(*t);
  } else {
    it.text = lower(item);
  }
  items_.push_back(std::move(it));
  return ok_status();
}

Result<bool> DomainList::match(std::string_view domain) const {
  for (const auto& it : items_) {
    bool hit = false;
    if (it.table) {
      auto r = it.table->lookup(domain);
      if (!r)
        return retry_error(fmt::format("domain list lookup in {}: {}", it.table->name(), r.error().text));
      hit = r->has_value();
    } else {
      hit = it.text == domain;
    }
    if (hit) return !it.negate;
  }
  return false;
}

}  // namespace core::table
