// vacation.cc - rules, database, reply, sendmail: one vacation reply.
#include "vdelivery/vacation.h"

#include <sys/random.h>
#include <unistd.h>

#include <ctime>

#include "core/log/log.h"
#include "core/mailbox/recipient.h"
#include "vdelivery/mime_decode.h"
#include "vdelivery/reply_mime.h"
#include "vdelivery/sendmail.h"
#include "vdelivery/vacation_db.h"
#include "vdelivery/vacation_rules.h"

namespace vdelivery {
namespace {

using core::mailbox::Address;
using core::mailbox::split_address;

// new_message_id - "<time.pid.random@domain>", unique without coordination.
std::string new_message_id(std::string_view domain, std::time_t now) {
  unsigned long long r = 0;
  if (getrandom(&r, sizeof r, 0) != static_cast<ssize_t>(sizeof r))
    r ^= static_cast<unsigned long long>(clock());
  return fmt::format("<{}.{}.{:016x}.vacation@{}>", static_cast<long long>(now), getpid(), r,
                     domain.empty() ? "localhost" : domain);
}

// own_addresses - the user's addresses as the To/Cc rules see them.
std::vector<std::string> own_addresses(const Address& addr, const Request& req) {
  std::vector<std::string> own{addr.key(), lowercase(req.recipient)};
  if (!req.original_recipient.empty()) own.push_back(lowercase(req.original_recipient));
  return own;
}

// reply_subject - the row's subject with vacation.pl's "$SUBJECT" replaced
// by the original subject, decoded.
std::string reply_subject(const std::string& subject, const std::string& original) {
  static constexpr std::string_view kMark = "$SUBJECT";
  size_t pos = subject.find(kMark);
  if (pos == std::string::npos) return subject;
  std::string decoded = decode_words(original), out;
  size_t from = 0;
  for (; pos != std::string::npos; pos = subject.find(kMark, from)) {
    out += subject.substr(from, pos - from) + decoded;
    from = pos + kMark.size();
  }
  return out + subject.substr(from);
}

}  // namespace

// maybe_send_vacation - every failure ends here as a log line, never an outcome.
void maybe_send_vacation(const Settings& s, const Request& req, std::string_view message) {
  if (!s.vacation) return;
  Address addr = split_address(req.recipient, s.recipient_delimiter);
  const std::string user = addr.key();
  const std::string sender = lowercase(req.sender);
  MessageFacts facts = read_facts(message);
  if (auto why = reply_refusal(facts, req.sender, own_addresses(addr, req), s.vacation_require_to)) {
    core::log::debug("to=<{}>, vacation: no reply to <{}>: {}", core::log::printable(user),
                     core::log::printable(req.sender), *why);
    return;
  }
  auto db = VacationDb::open(s.vacation_database);
  if (!db) return core::log::warning("to=<{}>, vacation: {}", core::log::printable(user), db.error().text);
  auto row = (*db)->active_row(user);
  if (!row)
    return core::log::warning("to=<{}>, vacation: no reply to <{}>: {}", core::log::printable(user),
                              core::log::printable(sender), row.error().text);
  if (!*row) return;  // no active vacation: the common case, not logged
  auto due = (*db)->claim(**row, sender);
  if (!due)
    return core::log::warning("to=<{}>, vacation: no reply to <{}>: {}", core::log::printable(user),
                              core::log::printable(sender), due.error().text);
  if (!*due)
    return core::log::info("to=<{}>, vacation: no reply to <{}>: already answered (interval_time {}s)",
                           core::log::printable(user), core::log::printable(sender), (*row)->interval);

  std::time_t now = std::time(nullptr);
  ReplyParts parts{user,
                   req.sender,
                   reply_subject((*row)->subject, facts.subject),
                   (*row)->body,
                   new_message_id(addr.domain, now),
                   rfc5322_date(now),
                   facts.message_id,
                   facts.references,
                   s.vacation_iso2022jp ? Charset::Iso2022jp : Charset::Utf8};
  bool fell_back = false;
  std::string reply = compose_reply(parts, &fell_back);
  if (fell_back)
    core::log::info("to=<{}>, vacation: text has characters ISO-2022-JP cannot carry; reply sent as UTF-8",
                    core::log::printable(user));
  if (auto st = send_mail(s.sendmail_path, req.sender, reply, s.vacation_timeout); !st)
    return core::log::warning("to=<{}>, vacation: reply to <{}> not sent: {}", core::log::printable(user),
                              core::log::printable(req.sender), st.error().text);
  core::log::info("to=<{}>, vacation: reply sent to <{}>, message-id={}", core::log::printable(user),
                  core::log::printable(req.sender), parts.message_id);
}

}  // namespace vdelivery
