// registry.cc - table types known to every vmailkit program.
#include "core/table/registry.h"

#include <array>
#include <utility>

namespace core::table {

const Factory* find_factory(std::string_view type) {
  static const std::array<std::pair<std::string_view, Factory>, 7> kDrivers = {{
      {"static", open_static},
      {"inline", open_inline},
      {"texthash", open_texthash},
      {"socketmap", open_socketmap},
      {"tcp", open_tcp},
      {"mysql", open_mysql},
      {"postfixadmin", open_postfixadmin},
  }};
  for (const auto& [name, factory] : kDrivers)
    if (name == type) return &factory;
  return nullptr;
}

}  // namespace core::table
