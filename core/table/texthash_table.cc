// texthash_table.cc - texthash:/path, a postmap(1) source file read into
// memory at open time (Postfix dict_thash.c). Logical lines as readlline():
// blank and '#' lines are skipped, lines starting with white space continue
// the previous line. Each line is "key whitespace value". Keys are
// lowercased at load and at lookup, as Postfix folds fixed-string tables
// (ASCII only). Bad lines and duplicate keys are warned about and skipped
// (the first value wins, as with Postfix's duplicate-warning mode).
// Read-only after open: concurrent lookups are safe.
#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "core/log/log.h"
#include "core/table/registry.h"

namespace core::table {
namespace {

bool is_space(char c) {
  return c == ' ' || (c >= '\t' && c <= '\r');
}

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

class TexthashTable final : public Table {
 public:
  explicit TexthashTable(std::unordered_map<std::string, std::string> map) : map_(std::move(map)) {}
  LookupResult lookup(std::string_view key) override {
    auto it = map_.find(lowercase(key));
    if (it == map_.end()) return not_found();
    return found(it->second);
  }

 private:
  std::unordered_map<std::string, std::string> map_;
};

// add_entry - split one logical line into key and value and store it.
void add_entry(std::unordered_map<std::string, std::string>& map, std::string_view line,
               std::string_view path, int lineno) {
  size_t ws = 0;
  while (ws < line.size() && !is_space(line[ws])) ++ws;
  std::string_view key = line.substr(0, ws);
  std::string_view value = trim(line.substr(ws));
  if (key.empty() || value.empty()) {
    log::warning("{}, line {}: expected format: key whitespace value -- ignoring this line", path, lineno);
    return;
  }
  if (key.back() == ':')
    log::warning("{}, line {}: record is in \"key: value\" format; is this an alias file?", path, lineno);
  auto [it, inserted] = map.emplace(lowercase(key), std::string(value));
  if (!inserted)
    log::warning("{}, line {}: duplicate entry: \"{}\"", path, lineno, log::printable(it->first));
}

}  // namespace

// parse_texthash - the map for TEXT in postmap source format (PATH for messages).
std::unordered_map<std::string, std::string> parse_texthash(std::string_view text, std::string_view path) {
  std::unordered_map<std::string, std::string> map;
  std::string logical;
  int logical_lineno = 0;
  int lineno = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++lineno;
    std::string_view body = trim(line);
    if (body.empty() || body.front() == '#') continue;  // does not end a logical line
    if (is_space(line.front())) {
      if (logical.empty())
        log::warning("{}, line {}: logical line must not start with whitespace -- ignoring", path, lineno);
      else
        logical.append(line);
      continue;
    }
    if (!logical.empty()) add_entry(map, logical, path, logical_lineno);
    logical.assign(line);
    logical_lineno = lineno;
  }
  if (!logical.empty()) add_entry(map, logical, path, logical_lineno);
  return map;
}

// open_texthash - read the whole file now; a missing file is a Config error.
Result<std::unique_ptr<Table>> open_texthash(std::string_view name, const OpenContext&) {
  std::string path(name);
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return config_error(fmt::format("table texthash:{}: open {}: {}", path, path, std::strerror(errno)));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return config_error(fmt::format("table texthash:{}: read error", path));
  return std::unique_ptr<Table>(std::make_unique<TexthashTable>(parse_texthash(text.str(), path)));
}

}  // namespace core::table
