// vacation.h - Postfix Admin vacation auto-replies, sent after a delivery.
//
// With vdelivery_vacation = yes, once a message is durably in the user's
// Maildir, main() calls maybe_send_vacation(). In order, cheapest first:
// the envelope and header rules (vacation_rules.h; no database work for
// bounces, lists or bulk mail), the user's active row in Postfix Admin's
// vacation table, the per-sender notice in vacation_notification
// (interval_time: 0 = once), then the reply (reply_mime.h) through
// sendmail(1) with the null envelope sender (sendmail.h).
//
// The user is the mailbox address (recipient without its extension);
// own addresses for the To/Cc and "mailing myself" rules are that, the
// recipient as given, and the original recipient (-a), so mail to an alias
// that reached the user counts as addressed to the user.
//
// Nothing here can change the delivery's outcome: the message is already
// safe in new/. A database error, an unreadable .cf file or a failing
// sendmail is logged as a warning and means "no reply" (answering without
// the notification record could flood a sender with replies). Replies sent
// and skipped (for users whose vacation is active) are logged at info level,
// the header decisions only with -v. Not thread-safe.
#pragma once

#include <string_view>

#include "vdelivery/deliver.h"
#include "vdelivery/settings.h"

namespace vdelivery {

// maybe_send_vacation - answer REQUEST's sender for its recipient if due.
void maybe_send_vacation(const Settings& settings, const Request& request, std::string_view message);

}  // namespace vdelivery
