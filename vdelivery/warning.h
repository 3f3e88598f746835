// warning.h - the optional quota warning mail (vdelivery_quota_warning_percent).
// It goes to the mailbox owner, written straight into the INBOX like any
// delivery (never to the sender), when this delivery takes usage from below
// the percentage to at or above it: once per crossing, since the next
// delivery starts above it; after deletes bring usage back below, the next
// crossing warns again. Failures are logged, never fatal. Not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "vdelivery/settings.h"

namespace vdelivery {

// crosses - does BEFORE -> AFTER cross PERCENT of LIMIT (bytes)?
bool crosses(int64_t before, int64_t after, int64_t limit, int percent);

// maybe_send_warning - deliver the warning into ROOT when usage crosses.
void maybe_send_warning(const Settings& settings, const std::string& root, std::string_view recipient,
                        int64_t before, int64_t after, int64_t limit);

}  // namespace vdelivery
