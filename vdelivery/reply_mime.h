// reply_mime.h - the text of a vacation reply: RFC 2047 encoded words for
// the subject, a MIME text/plain body, and the RFC 3834 header around them.
//
// Input text is UTF-8 (Postfix Admin's vacation.subject and .body are
// utf8mb4). Charset::Utf8 sends UTF-8: the subject as =?UTF-8?B?...?= words,
// the body base64 (7bit when it is plain ASCII). Charset::Iso2022jp converts
// with glibc's iconv for old Japanese clients (RFC 1468): the subject as
// =?ISO-2022-JP?B?...?= words, each converted on its own so every word ends
// in ASCII state, the body 7bit with every line back in ASCII at its end.
// Text iconv cannot convert (characters outside JIS X 0208, such as emoji
// or half-width katakana) makes the whole reply fall back to UTF-8.
//
// Encoded words are at most 75 characters, never split a multibyte
// character, and the folded header lines stay within 76 characters
// (RFC 2047 section 2). Lines end in LF (sendmail(1) input). Pure functions;
// thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vdelivery {

enum class Charset { Utf8, Iso2022jp };

// base64 - RFC 4648 base64 of DATA, no line breaks.
std::string base64(std::string_view data);

// to_iso2022jp - UTF-8 TEXT converted by iconv, ending in ASCII state; nullopt
// when a character has no ISO-2022-JP form or TEXT is not valid UTF-8.
std::optional<std::string> to_iso2022jp(std::string_view utf8);

// encoded_words - TEXT as B-encoded words in CHARSET: the first word fits in
// FIRST_ROOM columns, the others in ROOM (each counted with its "=?...?=").
// nullopt when TEXT cannot be converted to CHARSET.
std::optional<std::vector<std::string>> encoded_words(std::string_view text, Charset charset,
                                                      size_t first_room, size_t room);

// header_field - "NAME: value" with VALUE encoded when it is not plain
// printable ASCII, folded over lines starting with a space; ends in LF.
// nullopt when VALUE cannot be converted to CHARSET.
std::optional<std::string> header_field(std::string_view name, std::string_view value, Charset charset);

struct ReplyParts {
  std::string from;         // the vacationing user's address
  std::string to;           // the envelope sender being answered
  std::string subject;      // UTF-8
  std::string body;         // UTF-8, LF or CRLF line ends
  std::string message_id;   // "<...>" of the reply
  std::string date;         // RFC 5322 date-time
  std::string in_reply_to;  // the original Message-ID, "" when it had none
  std::string references;   // the original References, "" when none
  Charset charset = Charset::Utf8;
};

// compose_reply - the whole reply message. When PARTS.charset cannot carry
// the text it is sent as UTF-8 and *FELL_BACK (if given) is set to true.
std::string compose_reply(const ReplyParts& parts, bool* fell_back = nullptr);

// rfc5322_date - NOW as "Fri, 27 Nov 2026 23:01:02 +0900" in local time.
std::string rfc5322_date(long long now);

}  // namespace vdelivery
