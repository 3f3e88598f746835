// mime_decode.h - RFC 2047 encoded words back to UTF-8, for vacation.pl's
// "$SUBJECT" in a vacation subject (the original subject, decoded).
//
// decode_words() decodes every well-formed "=?charset?B|Q?text?=" word with
// glibc's iconv (any charset it knows, "*language" suffixes ignored), drops
// white space between two adjacent encoded words (RFC 2047 section 6.2),
// leaves a word it cannot decode as it is, and turns control characters into
// spaces so the result can go into a header. Other bytes pass unchanged.
// Pure; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace vdelivery {

// decode_words - VALUE (an unfolded unstructured header value) as UTF-8.
std::string decode_words(std::string_view value);

// convert_to_utf8 - BYTES in CHARSET as UTF-8 via iconv; nullopt on failure.
std::optional<std::string> convert_to_utf8(std::string_view bytes, const std::string& charset);

}  // namespace vdelivery
