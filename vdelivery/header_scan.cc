// header_scan.cc - find the end of the header and the fields vdelivery cares about.
#include "vdelivery/header_scan.h"

namespace vdelivery {
namespace {

// field_name_length - length of "name" when LINE starts "name:", else 0 (RFC 5322 ftext).
size_t field_name_length(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && line[i] >= 33 && line[i] <= 126 && line[i] != ':') ++i;
  if (i == 0 || i >= line.size() || line[i] != ':') return 0;
  return i;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

}  // namespace

// unfold - a folded field value on one line.
std::string unfold(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value)
    if (c != '\r' && c != '\n') out.push_back(c);
  return std::string(trim(out));
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// scan_header - walk the header line by line; a field is its first line plus
// the continuation lines (starting with SP or HTAB) after it.
HeaderInfo scan_header(std::string_view message, size_t max_fields, const FieldSink* sink) {
  HeaderInfo info;
  size_t pos = 0;
  size_t fields = 0;
  while (pos < message.size()) {
    size_t eol = message.find('\n', pos);
    size_t next = eol == std::string_view::npos ? message.size() : eol + 1;
    std::string_view line = message.substr(pos, next - pos);
    if (line == "\n" || line == "\r\n") {
      info.header_end = next;
      return info;
    }
    size_t name_len = field_name_length(line);
    if (name_len == 0 || ++fields > max_fields) break;  // not a header line: body starts here
    // Extend over continuation lines.
    size_t end = next;
    while (end < message.size() && (message[end] == ' ' || message[end] == '\t')) {
      size_t e = message.find('\n', end);
      end = e == std::string_view::npos ? message.size() : e + 1;
    }
    std::string_view name = line.substr(0, name_len);
    std::string_view value = message.substr(pos + name_len + 1, end - pos - name_len - 1);
    if (iequals(name, "Return-Path")) info.has_return_path = true;
    if (iequals(name, "Delivered-To")) info.delivered_to.push_back(unfold(value));
    if (sink) (*sink)(name, value);
    pos = end;
    info.header_end = pos;
  }
  return info;
}

}  // namespace vdelivery
