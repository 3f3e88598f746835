// netstring.h - netstring framing ("<len>:<payload>,") for socketmap.
//
// decode_netstring() looks at buffered input and says whether it holds a
// complete frame, needs more bytes, or can never become valid. It never
// copies: Frame::payload points into INPUT and lives as long as INPUT's
// storage. Rules follow Postfix's netstring.c (postfix-socketmap.md §2):
// only ASCII digits before ':' (leading zeros allowed), the byte after the
// payload must be ','. A length above MAX_PAYLOAD is an error as soon as the
// digits exceed it, without waiting for the body. Pure functions,
// thread-safe, no exceptions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace core::proto {

// Postfix's socketmap client rejects reply payloads longer than this.
inline constexpr size_t kSocketmapMaxReply = 100000;
// At most this many characters (digits, leading zeros included) before ':'.
inline constexpr size_t kNetstringMaxPrefix = 32;

struct NetstringResult {
  enum class Kind { NeedMore, Frame, Error };
  Kind kind = Kind::NeedMore;
  std::string_view payload;  // Frame: the payload, a view into the input
  size_t consumed = 0;       // Frame: bytes of input used (prefix, payload, ',')
  std::string error;         // Error: why (printable, no client data)

  bool need_more() const { return kind == Kind::NeedMore; }
  bool frame() const { return kind == Kind::Frame; }
  bool failed() const { return kind == Kind::Error; }
};

// decode_netstring - the first frame in INPUT, or NeedMore, or Error.
NetstringResult decode_netstring(std::string_view input, size_t max_payload);

// encode_netstring - PAYLOAD framed as a netstring.
std::string encode_netstring(std::string_view payload);
// append_netstring - append PAYLOAD framed as a netstring to OUT.
void append_netstring(std::string& out, std::string_view payload);

}  // namespace core::proto
