// config.cc - main.cf syntax parser, $name expansion and typed readers.
#include "core/config/config.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace core::config {
namespace {

constexpr int kMaxExpandDepth = 20;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool valid_name(std::string_view name) {
  if (name.empty()) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
  });
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

// split_list - Postfix's list syntax: commas and white space separate items.
std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : text) {
    if (c == ',' || is_space(c)) {
      if (!cur.empty()) out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

// parse - logical lines: a line starting with white space continues the previous one.
Result<Config> Config::parse(std::string_view text, std::string_view filename) {
  Config cfg;
  std::string logical;
  int logical_line = 0;
  int line_no = 0;
  auto flush = [&]() -> Status {
    std::string_view l = trim(logical);
    if (l.empty()) return ok_status();
    size_t eq = l.find('=');
    if (eq == std::string_view::npos)
      return config_error(fmt::format("{}:{}: missing '=' after parameter name: \"{}\"", filename,
                                      logical_line, std::string(l.substr(0, 60))));
    std::string_view name = trim(l.substr(0, eq));
    if (!valid_name(name))
      return config_error(fmt::format("{}:{}: bad parameter name: \"{}\"", filename, logical_line,
                                      std::string(name.substr(0, 60))));
    cfg.values_[std::string(name)] = {std::string(trim(l.substr(eq + 1))),
                                      fmt::format("{}:{}", filename, logical_line)};
    return ok_status();
  };
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? text.size() - pos : nl - pos);
    pos = (nl == std::string_view::npos) ? text.size() + 1 : nl + 1;
    ++line_no;
    std::string_view t = trim(line);
    if (t.empty() || t.front() == '#') continue;  // comments and blanks do not end a logical line
    if (is_space(line.front())) {
      if (logical.empty())
        return config_error(fmt::format("{}:{}: continuation line without a parameter before it",
                                        filename, line_no));
      logical += ' ';
      logical += t;
      continue;
    }
    if (auto st = flush(); !st) return st.error();
    logical.assign(line);
    logical_line = line_no;
  }
  if (auto st = flush(); !st) return st.error();
  return cfg;
}

Result<Config> Config::load_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return config_error(fmt::format("open {}: {}", path, std::strerror(errno)));
  std::stringstream ss;
  ss << in.rdbuf();
  return parse(ss.str(), path);
}

Result<Config> Config::load(const std::string& dir, const std::vector<std::string>& overrides) {
  auto cfg = load_file(dir + "/vmailkit.cf");
  if (!cfg) return cfg;
  for (const auto& o : overrides)
    if (auto st = cfg->apply_override(o); !st) return st.error();
  return cfg;
}

void Config::set(std::string name, std::string value) {
  values_[std::move(name)] = {std::move(value), ""};
}

Status Config::apply_override(std::string_view text) {
  size_t eq = text.find('=');
  std::string_view name = trim(text.substr(0, eq));
  if (eq == std::string_view::npos || !valid_name(name))
    return config_error(fmt::format("-o {}: expected name=value", std::string(text)));
  set(std::string(name), std::string(trim(text.substr(eq + 1))));
  return ok_status();
}

void Config::add_defaults(std::span<const ParamSpec> specs) {
  for (const auto& s : specs) defaults_[std::string(s.name)] = std::string(s.default_value);
}

bool Config::has(std::string_view name) const {
  return values_.find(name) != values_.end() || defaults_.find(name) != defaults_.end();
}

std::optional<std::string> Config::raw(std::string_view name) const {
  if (auto it = values_.find(name); it != values_.end()) return it->second.value;
  if (auto it = defaults_.find(name); it != defaults_.end()) return it->second;
  return std::nullopt;
}

std::string Config::get_literal(std::string_view name) const { return raw(name).value_or(""); }

std::string Config::get(std::string_view name) const { return expand(get_literal(name), 0); }

// expand - $name, ${name}, $(name), ${name?text}, ${name:text}, $$ -> $.
std::string Config::expand(std::string_view text, int depth) const {
  if (depth > kMaxExpandDepth) return std::string(text);  // a loop; leave the rest as is
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c != '$' || i + 1 >= text.size()) {
      out.push_back(c);
      continue;
    }
    char n = text[i + 1];
    if (n == '$') {
      out.push_back('$');
      ++i;
      continue;
    }
    if (n == '{' || n == '(') {
      char close = n == '{' ? '}' : ')';
      size_t end = text.find(close, i + 2);
      if (end == std::string_view::npos) {
        out.append(text.substr(i));
        break;
      }
      std::string_view inner = text.substr(i + 2, end - i - 2);
      size_t op = inner.find_first_of("?:");
      std::string_view name = inner.substr(0, op);
      auto v = raw(name);
      bool set_nonempty = v && !v->empty();
      if (op == std::string_view::npos) {
        if (v) out += expand(*v, depth + 1);
      } else if ((inner[op] == '?') == set_nonempty) {
        out += expand(inner.substr(op + 1), depth + 1);
      }
      i = end;
      continue;
    }
    size_t j = i + 1;
    while (j < text.size() && (std::isalnum(static_cast<unsigned char>(text[j])) || text[j] == '_')) ++j;
    if (j == i + 1) {
      out.push_back(c);
      continue;
    }
    if (auto v = raw(text.substr(i + 1, j - i - 1))) out += expand(*v, depth + 1);
    i = j - 1;
  }
  return out;
}

std::string Config::where(std::string_view name) const {
  if (auto it = values_.find(name); it != values_.end()) return it->second.where;
  return "";
}

// bad_value - a Config error naming the parameter and where it was set.
static Error bad_value(const Config& c, std::string_view name, const std::string& value,
                       std::string_view want) {
  std::string w = c.where(name);
  return config_error(fmt::format("{}{}bad {} value \"{}\": {}", w, w.empty() ? "" : ": ",
                                  std::string(name), value, std::string(want)));
}

Result<long long> Config::get_int(std::string_view name, long long min, long long max) const {
  std::string v = get(name);
  try {
    size_t used = 0;
    long long n = std::stoll(v, &used, 10);
    if (used != v.size()) throw std::invalid_argument("junk");
    if (n < min || n > max)
      return bad_value(*this, name, v, fmt::format("must be between {} and {}", min, max));
    return n;
  } catch (const std::exception&) {
    return bad_value(*this, name, v, "expected a number");
  }
}

Result<bool> Config::get_bool(std::string_view name) const {
  std::string v = lower(get(name));
  if (v == "yes" || v == "true" || v == "1") return true;
  if (v == "no" || v == "false" || v == "0") return false;
  return bad_value(*this, name, v, "expected yes or no");
}

Result<std::chrono::seconds> Config::get_time(std::string_view name) const {
  std::string v = lower(get(name));
  size_t digits = 0;
  while (digits < v.size() && std::isdigit(static_cast<unsigned char>(v[digits]))) ++digits;
  if (digits == 0 || v.size() - digits > 1)
    return bad_value(*this, name, v, "expected a time such as 30s, 5m, 1h, 2d or 1w");
  long long n = std::stoll(v.substr(0, digits));
  long long mult = 1;
  if (digits < v.size()) {
    switch (v[digits]) {
      case 's': mult = 1; break;
      case 'm': mult = 60; break;
      case 'h': mult = 3600; break;
      case 'd': mult = 86400; break;
      case 'w': mult = 604800; break;
      default: return bad_value(*this, name, v, "unknown time unit (use s, m, h, d or w)");
    }
  }
  return std::chrono::seconds(n * mult);
}

Result<long long> Config::get_size(std::string_view name) const {
  std::string v = lower(get(name));
  size_t digits = 0;
  while (digits < v.size() && std::isdigit(static_cast<unsigned char>(v[digits]))) ++digits;
  if (digits == 0 || v.size() - digits > 1)
    return bad_value(*this, name, v, "expected a size such as 4096, 64k, 10m or 2g");
  long long n = std::stoll(v.substr(0, digits));
  if (digits < v.size()) {
    switch (v[digits]) {
      case 'k': n <<= 10; break;
      case 'm': n <<= 20; break;
      case 'g': n <<= 30; break;
      default: return bad_value(*this, name, v, "unknown size unit (use k, m or g)");
    }
  }
  return n;
}

std::vector<std::string> Config::get_list(std::string_view name) const { return split_list(get(name)); }

std::vector<std::string> Config::names_with_prefix(std::string_view prefix) const {
  std::vector<std::string> out;
  for (const auto& [name, entry] : values_)
    if (name.size() > prefix.size() && name.compare(0, prefix.size(), prefix) == 0) out.push_back(name);
  return out;
}

std::vector<std::string> Config::unknown_names(std::span<const ParamSpec> specs,
                                               std::span<const std::string_view> prefixes) const {
  std::vector<std::string> out;
  for (const auto& item : values_) {
    const std::string& name = item.first;  // clang 14 cannot capture structured bindings
    bool known = std::any_of(specs.begin(), specs.end(), [&](const ParamSpec& s) { return s.name == name; }) ||
                 std::any_of(prefixes.begin(), prefixes.end(),
                             [&](std::string_view p) { return name.compare(0, p.size(), p) == 0; });
    if (!known) out.push_back(name);
  }
  return out;
}

}  // namespace core::config
