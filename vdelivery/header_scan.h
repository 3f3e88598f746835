// header_scan.h - the few facts vdelivery needs from a message's header:
// where the header ends, whether it has a Return-Path, and every
// Delivered-To value (for pipe's D-flag loop check when
// vdelivery_add_delivered_to = yes).
//
// Input is the raw message as pipe(8) writes it (LF line ends; CRLF is
// accepted). The header ends at the first empty line, or at the first line
// that is neither a header field ("name:" with printable name bytes, RFC 5322
// 2.2) nor a continuation; a message without a header is all body. Folded
// values are unfolded (CR/LF removed) and trimmed. Never fails; the returned
// strings are copies. Thread-safe.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace vdelivery {

struct HeaderInfo {
  size_t header_end = 0;  // offset of the first body byte (after the empty line)
  bool has_return_path = false;
  std::vector<std::string> delivered_to;  // values, in order
};

// Receives every field's name and raw value (folding kept), in order.
using FieldSink = std::function<void(std::string_view name, std::string_view raw_value)>;

// scan_header - scan MESSAGE's header. MAX_FIELDS bounds the work on hostile
// input. SINK (optional) sees every field (the vacation rules need more fields).
HeaderInfo scan_header(std::string_view message, size_t max_fields = 10000, const FieldSink* sink = nullptr);

// unfold - a folded field value on one line (CR/LF removed), trimmed.
std::string unfold(std::string_view value);

// iequals - ASCII case-insensitive equality (addresses, header names).
bool iequals(std::string_view a, std::string_view b);

}  // namespace vdelivery
