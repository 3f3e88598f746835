// domain_list.h - the "domain" parameter of mysql_table(5) (a Postfix string list).
//
// Items are literal domains (matched case-insensitively, whole string only,
// no parent domains), "/file" names (the file's items are read at open) or
// "type:table" (the domain matches when the table finds it). "!item"
// negates: the first item that matches decides. Owned by its table;
// immutable after parse, so match() is thread-safe when the nested tables'
// lookups are. Errors: Config at parse, Retry when a nested table fails.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/table/table.h"

namespace core::table {

class DomainList {
 public:
  // parse - VALUE as written in the .cf file; LABEL names the table in errors.
  static Result<std::shared_ptr<DomainList>> parse(std::string_view value, std::string_view label,
                                                   const OpenContext& ctx);
  // match - true when DOMAIN (already lowercase) is on the list.
  Result<bool> match(std::string_view domain) const;

 private:
  struct Item {
    bool negate = false;
    std::string text;              // lowercase literal, when table is null
    std::unique_ptr<Table> table;  // type:table item
  };
  Status add(std::string_view item, std::string_view label, const OpenContext& ctx, int depth);
  std::vector<Item> items_;
};

}  // namespace core::table
