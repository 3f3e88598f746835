// config.h - parameters in Postfix main.cf syntax.
//
// A Config holds "name = value" pairs read from DIR/vmailkit.cf (or any file
// in that syntax: '#' comments, indented continuation lines, later entries
// override earlier ones), with -o name=value overrides on top and the
// daemon's documented defaults below. get() expands $name, ${name} and
// $(name) (and Postfix's ${name?text} / ${name:text}) at read time, so an
// override of one parameter shows through every value that refers to it.
// Mysql table .cf files use the same parser without expansion.
//
// Errors name file:line. Not thread-safe for writes; concurrent reads of a
// loaded Config are fine.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"

namespace core::config {

// One documented parameter: its name and default (before $expansion).
struct ParamSpec {
  std::string_view name;
  std::string_view default_value;
};

class Config {
 public:
  // parse - read TEXT (named FILENAME in errors) in main.cf syntax.
  static Result<Config> parse(std::string_view text, std::string_view filename);
  // load_file - parse the file at PATH. A missing file is an error.
  static Result<Config> load_file(const std::string& path);
  // load - DIR/vmailkit.cf plus "name=value" OVERRIDES (each a -o argument).
  static Result<Config> load(const std::string& dir, const std::vector<std::string>& overrides);

  // set - store NAME = VALUE (later wins). apply_override parses "name=value".
  void set(std::string name, std::string value);
  Status apply_override(std::string_view name_equals_value);
  // add_defaults - documented defaults, used when a name is not set.
  void add_defaults(std::span<const ParamSpec> specs);

  bool has(std::string_view name) const;  // set explicitly or has a default
  std::optional<std::string> raw(std::string_view name) const;  // unexpanded
  // get - expanded value; "" when neither set nor defaulted.
  std::string get(std::string_view name) const;
  // get_literal - the value without $expansion (mysql .cf files are never expanded).
  std::string get_literal(std::string_view name) const;

  // Typed readers. Errors are Config errors naming the parameter.
  Result<long long> get_int(std::string_view name, long long min, long long max) const;
  Result<bool> get_bool(std::string_view name) const;  // yes/no, true/false, 1/0
  // get_time - Postfix time value: number with optional unit s, m, h, d, w (default s).
  Result<std::chrono::seconds> get_time(std::string_view name) const;
  // get_size - bytes with optional unit k, m, g (powers of 1024).
  Result<long long> get_size(std::string_view name) const;
  // get_list - value split on commas and white space, empty items dropped.
  std::vector<std::string> get_list(std::string_view name) const;

  // names_with_prefix - every explicitly set name starting with PREFIX.
  std::vector<std::string> names_with_prefix(std::string_view prefix) const;
  // unknown_names - explicitly set names that are neither in SPECS nor start with one of PREFIXES.
  std::vector<std::string> unknown_names(std::span<const ParamSpec> specs,
                                         std::span<const std::string_view> prefixes) const;
  // where - "file:line" where NAME was set, for messages; "" for defaults/overrides.
  std::string where(std::string_view name) const;

 private:
  struct Entry {
    std::string value;
    std::string where;
  };
  std::string expand(std::string_view text, int depth) const;
  std::map<std::string, Entry, std::less<>> values_;
  std::map<std::string, std::string, std::less<>> defaults_;
};

// split_list - split TEXT on commas and white space, dropping empty items.
std::vector<std::string> split_list(std::string_view text);

}  // namespace core::config
