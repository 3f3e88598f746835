// sendmail.h - hand one message to Postfix's sendmail(1) for one recipient.
//
// COMMAND is vdelivery_sendmail_path: a path, optionally followed by fixed
// arguments (split on white space, no shell), e.g. "/usr/sbin/sendmail" or
// "/usr/sbin/sendmail -C /etc/postfix-out". vdelivery adds
// "-i -f <> RECIPIENT": -i so a line with a single dot is text, and the
// null envelope sender (RFC 3834 section 3.3: a reply must not be answered
// by another automatic reply or bounce), which Postfix's sendmail writes
// into the queue file as the empty sender. The message is passed on stdin
// from a memory file and sendmail's stdout/stderr are collected apart, so
// nothing it prints can reach pipe(8) through vdelivery's own stderr line.
//
// Errors: a Retry error with the exit status or signal and sendmail's
// output, or when it runs longer than TIMEOUT (then it is killed). The
// caller only logs them. Not thread-safe (it waits for its child).
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"

namespace vdelivery {

// sendmail_argv - COMMAND split, plus the sender and recipient arguments.
std::vector<std::string> sendmail_argv(std::string_view command, std::string_view recipient);

// send_mail - run the sendmail command for RECIPIENT with MESSAGE on stdin.
core::Status send_mail(std::string_view command, std::string_view recipient, std::string_view message,
                       std::chrono::milliseconds timeout);

}  // namespace vdelivery
