// fuzz_header_scan.cc - libFuzzer target: vdelivery's header scanner on any
// bytes. Invariants: the header end lies within the message and, when the
// header ended at an empty line, right after it; every Delivered-To value
// is unfolded (no CR/LF) and trimmed; the scan is deterministic. The
// maildirsize parser gets the same bytes (its sums must not overflow into
// a "valid" file with negative totals).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "vdelivery/header_scan.h"
#include "core/mailbox/maildirsize.h"

namespace {
void check(bool ok) {
  if (!ok) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view msg(reinterpret_cast<const char*>(data), size);
  auto h = vdelivery::scan_header(msg);
  check(h.header_end <= msg.size());
  if (h.header_end > 0 && h.header_end < msg.size()) check(msg[h.header_end - 1] == '\n');
  for (const auto& v : h.delivered_to) {
    check(v.find('\n') == std::string::npos && v.find('\r') == std::string::npos);
    if (!v.empty()) check(v.front() != ' ' && v.back() != ' ' && v.front() != '\t' && v.back() != '\t');
  }
  auto again = vdelivery::scan_header(msg);
  check(again.header_end == h.header_end && again.has_return_path == h.has_return_path &&
        again.delivered_to == h.delivered_to);
  if (size < (1u << 16)) {
    auto m = core::mailbox::parse_maildirsize(msg);
    if (!m.must_recount) check(m.usage.bytes >= 0 && m.usage.count >= 0);
  }
  return 0;
}
