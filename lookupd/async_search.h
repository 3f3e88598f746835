// async_search.h - the address key search, run on the event loop.
//
// search_async() walks (key form x table) in exactly search_address()'s
// order (address.h): for each key form every table of the list in turn; the
// first hit wins (extension propagated as there), the first error stops.
// Tables that support_async() answer through lookup_async(); in_memory()
// tables (static:, inline:, texthash:) through lookup(), inline. A map may
// use this walker only when loop_capable(): every table is one or the other.
// Anything that may block (socketmap:, tcp:, postfixadmin:, a mysql: table
// with a table in its domain list) keeps the worker path (resolver.cc).
//
// Threading: the loop thread only. DONE runs exactly once, possibly before
// search_async() returns. KEEP is held until then (the Map owning TABLE).
// Errors: a table's error is passed on unchanged.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "core/table/table.h"
#include "lookupd/address.h"

namespace lookupd {

// loop_capable - TABLE (a TableList or a single table) never blocks its caller's loop.
bool loop_capable(const core::table::Table& table);

// search_async - FORMS against TABLE, answer through DONE (see above).
void search_async(core::table::Table& table, std::vector<KeyForm> forms, bool propagate,
                  std::shared_ptr<const void> keep, std::function<void(core::table::LookupResult)> done);

}  // namespace lookupd
