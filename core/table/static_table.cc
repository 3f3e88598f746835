// static_table.cc - static:VALUE answers VALUE for every key (Postfix dict_static).
#include "core/table/registry.h"

namespace core::table {
namespace {

class StaticTable final : public Table {
 public:
  explicit StaticTable(std::string value) : value_(std::move(value)) {}
  LookupResult lookup(std::string_view) override { return found(value_); }
  bool in_memory() const override { return true; }

 private:
  std::string value_;
};

}  // namespace

// open_static - "static:{text with spaces}" keeps the text inside the braces.
Result<std::unique_ptr<Table>> open_static(std::string_view name, const OpenContext&) {
  if (name.size() >= 2 && name.front() == '{' && name.back() == '}') name = name.substr(1, name.size() - 2);
  return std::unique_ptr<Table>(std::make_unique<StaticTable>(std::string(name)));
}

}  // namespace core::table
