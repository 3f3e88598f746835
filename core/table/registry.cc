// registry.cc - table types known to every vmailkit program.
#include "core/table/registry.h"

#include <array>
#include <utility>

namespace core::table {

const Factory* find_factory(std::string_view type) {
  static const std::array<std::pair<std::string_view, Factory>, 6> kDrivers = {{
      {"static", open_static},
      {"inline", open_inline},
      {"mysql", open_mysql},
      {"texthash", open_texthash},
      {"socketmap", open_socketmap},
      {"tcp", open_tcp},
  }};
  for (const auto& [name, factory] : kDrivers)
    if (name == type) return &factory;
  return nullptr;
}

}  // namespace core::table
