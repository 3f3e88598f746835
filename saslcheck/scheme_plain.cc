// scheme_plain.cc - cleartext: {PLAIN} {CLEAR} {CLEARTEXT}, {PLAIN.B64}, and
// bare values when saslcheck_default_scheme = PLAIN.
#include "saslcheck/encoding.h"
#include "saslcheck/schemes.h"

namespace saslcheck {

bool is_plain_scheme(std::string_view s) {
  return s == "PLAIN" || s == "CLEAR" || s == "CLEARTEXT" || s == "PLAIN.B64";
}

// check_plain - constant-time comparison with the stored cleartext.
Check check_plain(std::string_view scheme, std::string_view password, std::string_view payload) {
  if (scheme == "PLAIN.B64") {
    auto clear = base64_decode(payload);
    if (!clear) return Check::Mismatch;
    bool ok = !clear->empty() && equal_ct(password, *clear);
    wipe(*clear);
    return ok ? Check::Match : Check::Mismatch;
  }
  if (payload.empty()) return Check::Mismatch;
  return equal_ct(password, payload) ? Check::Match : Check::Mismatch;
}

}  // namespace saslcheck
