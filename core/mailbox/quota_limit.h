// quota_limit.h - a mailbox's Maildir++ quota limit from quota_maps (the
// VDA patch's order: the address, then "@domain", then default_quota), as
// vdelivery enforces it and policyd checks it at RCPT time.
//
// A lookup error is returned (the caller defers), never treated as "no
// limit". Thread-safe when the table is (no state here).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/base/result.h"
#include "core/mailbox/maildirsize.h"
#include "core/table/table.h"

namespace core::mailbox {

// parse_limit - a quota_maps value: bytes ("10240000"), or "NS[,MC]". A
// negative number means "use the default" (Postfix Admin's -1): nullopt.
core::Result<std::optional<QuotaSpec>> parse_limit(std::string_view value);

// resolve_limit - quota_maps for ADDRESS, then "@DOMAIN", then DEFAULT_BYTES.
// A lookup error is returned (the caller defers), never treated as "none".
core::Result<QuotaSpec> resolve_limit(core::table::Table* maps, std::string_view address,
                                      std::string_view domain, int64_t default_bytes);

}  // namespace core::mailbox
