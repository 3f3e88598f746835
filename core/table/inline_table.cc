// inline_table.cc - inline:{key=value, {key = text with comma, }} (Postfix dict_inline).
#include <fmt/format.h>

#include <unordered_map>

#include "core/table/registry.h"

namespace core::table {
namespace {

class InlineTable final : public Table {
 public:
  explicit InlineTable(std::unordered_map<std::string, std::string> map) : map_(std::move(map)) {}
  LookupResult lookup(std::string_view key) override {
    auto it = map_.find(std::string(key));
    if (it == map_.end()) return not_found();
    return found(it->second);
  }
  bool in_memory() const override { return true; }

 private:
  std::unordered_map<std::string, std::string> map_;
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

// open_inline - items are separated by commas or white space; an item in
// braces may contain both. Each item is "key=value".
Result<std::unique_ptr<Table>> open_inline(std::string_view name, const OpenContext&) {
  std::string spec = fmt::format("inline:{}", std::string(name));
  name = trim(name);
  if (name.size() < 2 || name.front() != '{' || name.back() != '}')
    return config_error(fmt::format("table \"{}\": expected inline:{{key=value, ...}}", spec));
  std::string_view body = name.substr(1, name.size() - 2);
  std::unordered_map<std::string, std::string> map;
  size_t i = 0;
  while (i < body.size()) {
    while (i < body.size() && (body[i] == ',' || body[i] == ' ' || body[i] == '\t')) ++i;
    if (i >= body.size()) break;
    std::string_view item;
    if (body[i] == '{') {
      size_t end = body.find('}', i);
      if (end == std::string_view::npos)
        return config_error(fmt::format("table \"{}\": missing '}}'", spec));
      item = trim(body.substr(i + 1, end - i - 1));
      i = end + 1;
    } else {
      size_t end = body.find_first_of(", \t", i);
      if (end == std::string_view::npos) end = body.size();
      item = body.substr(i, end - i);
      i = end;
    }
    size_t eq = item.find('=');
    if (eq == std::string_view::npos)
      return config_error(fmt::format("table \"{}\": item \"{}\" has no '='", spec, std::string(item)));
    map[std::string(trim(item.substr(0, eq)))] = std::string(trim(item.substr(eq + 1)));
  }
  return std::unique_ptr<Table>(std::make_unique<InlineTable>(std::move(map)));
}

}  // namespace core::table
