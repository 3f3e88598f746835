// fuzz_texthash.cc - libFuzzer target: postmap source text through the
// texthash: loader. Keys must come out lowercase, non-empty, without white
// space; values non-empty and trimmed.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/log/log.h"

namespace core::table {
// Defined in core/table/texthash_table.cc (not in a header: only this target
// and open_texthash() use it).
std::unordered_map<std::string, std::string> parse_texthash(std::string_view text, std::string_view path);
}  // namespace core::table

namespace {

bool is_space(char c) {
  return c == ' ' || (c >= '\t' && c <= '\r');
}

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static bool quiet = (core::log::set_sink([](core::log::Level, std::string_view) {}), true);
  (void)quiet;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  for (const auto& [key, value] : core::table::parse_texthash(in, "fuzz")) {
    check(!key.empty() && !value.empty());
    for (char c : key) check(!is_space(c) && !(c >= 'A' && c <= 'Z'));
    check(!is_space(value.front()) && !is_space(value.back()));
  }
  return 0;
}
