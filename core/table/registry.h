// registry.h - the type name -> factory table behind table::open().
//
// Adding a table type means one driver file and one line in registry.cc.
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "core/table/table.h"

namespace core::table {

// A factory gets the part after "type:" and returns the table or a startup Error.
using Factory = std::function<Result<std::unique_ptr<Table>>(std::string_view name, const OpenContext& ctx)>;

// find_factory - the factory for TYPE, or nullptr.
const Factory* find_factory(std::string_view type);

// Driver entry points, one per file.
Result<std::unique_ptr<Table>> open_static(std::string_view name, const OpenContext& ctx);
Result<std::unique_ptr<Table>> open_inline(std::string_view name, const OpenContext& ctx);
Result<std::unique_ptr<Table>> open_texthash(std::string_view name, const OpenContext& ctx);
Result<std::unique_ptr<Table>> open_mysql(std::string_view name, const OpenContext& ctx);
Result<std::unique_ptr<Table>> open_socketmap(std::string_view name, const OpenContext& ctx);
Result<std::unique_ptr<Table>> open_tcp(std::string_view name, const OpenContext& ctx);
Result<std::unique_ptr<Table>> open_postfixadmin(std::string_view name, const OpenContext& ctx);

}  // namespace core::table
