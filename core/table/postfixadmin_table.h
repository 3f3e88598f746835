// postfixadmin_table.h - postfixadmin:KIND:/path/mysql.cf, Postfix Admin's map
// lists answered with one SQL query per key.
//
// KIND is "domains", "mailbox" or "alias". The .cf file gives only the
// connection (hosts, user, password, dbname and the other connection
// parameters of mysql_table(5)); its query is ignored. Each key gets the
// answer of Postfix Admin's documented map list for that parameter
// (schema/postfix/, DOCUMENTS/POSTFIX_CONF.txt), searched like a Postfix map
// list: the first map with a non-empty result wins.
//   domains: mysql_virtual_domains_maps.cf
//   mailbox: mysql_virtual_mailbox_maps.cf, then ..._alias_domain_mailbox_maps.cf
//   alias:   mysql_virtual_alias_maps.cf, ..._alias_domain_maps.cf,
//            ..._alias_domain_catchall_maps.cf
// Each map becomes one branch of a UNION ALL tagged with its position, and a
// branch whose % expansion is suppressed for the key (Postfix would not
// query that map) is left out.
//
// Thread safety and errors as for mysql: (mysql_table.h).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/base/result.h"
#include "core/table/mysql_query.h"

namespace core::table {

// postfixadmin_sql - the one query for KIND and folded KEY, or nullopt when
// every map would skip the key. Config error for an unknown KIND.
Result<std::optional<std::string>> postfixadmin_sql(std::string_view kind, std::string_view key,
                                                    const EscapeFn& escape);

}  // namespace core::table
