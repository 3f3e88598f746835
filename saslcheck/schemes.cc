// schemes.cc - dispatch on the stored value's scheme; random salts; dummies.
#include "saslcheck/schemes.h"

#include <sys/random.h>

#include "saslcheck/encoding.h"

namespace saslcheck {
namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

bool scheme_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_';
}

}  // namespace

// parse_stored - {SCHEME}payload, $id$... (crypt), or bare DEFAULT_SCHEME.
Stored parse_stored(std::string_view stored, std::string_view default_scheme) {
  if (stored.starts_with("{")) {
    size_t end = stored.find('}');
    if (end != std::string_view::npos && end > 1) {
      std::string_view name = stored.substr(1, end - 1);
      bool ok = true;
      for (char c : name) ok = ok && scheme_char(c);
      if (ok) return {upper(name), std::string(stored.substr(end + 1))};
    }
  }
  if (stored.starts_with("$")) return {"CRYPT", std::string(stored)};
  return {upper(default_scheme), std::string(stored)};
}

bool known_scheme(std::string_view scheme) {
  return is_crypt_scheme(scheme) || is_digest_scheme(scheme) || is_plain_scheme(scheme);
}

// check_password - empty passwords never match; dispatch by family.
Check check_password(std::string_view password, const Stored& stored) {
  if (password.empty()) return Check::Mismatch;
  const std::string& s = stored.scheme;
  if (s == "SHA512-CRYPT.B64") {
    auto inner = base64_decode(stored.payload);
    if (!inner) return Check::Mismatch;
    return check_crypt(password, *inner);
  }
  if (is_crypt_scheme(s)) return check_crypt(password, stored.payload);
  if (is_digest_scheme(s)) return check_digest(s, password, stored.payload);
  if (is_plain_scheme(s)) return check_plain(s, password, stored.payload);
  return Check::Unsupported;
}

std::optional<std::string> cleartext_of(const Stored& stored) {
  if (stored.scheme == "PLAIN.B64") return base64_decode(stored.payload);
  if (is_plain_scheme(stored.scheme)) return stored.payload;
  return std::nullopt;
}

// make_hash - a new stored value; MD5 means md5crypt written bare as Postfix Admin does.
core::Result<std::string> make_hash(std::string_view scheme_in, std::string_view password) {
  std::string scheme = upper(scheme_in);
  if (password.empty()) return core::config_error("empty password");
  if (scheme == "PLAIN" || scheme == "CLEARTEXT" || scheme == "CLEAR")
    return "{" + scheme + "}" + std::string(password);
  if (scheme == "PLAIN.B64") return "{PLAIN.B64}" + base64_encode(password);
  if (is_crypt_scheme(scheme)) return hash_crypt(scheme, password);
  if (is_digest_scheme(scheme)) return hash_digest(scheme, password);
  return core::config_error("unknown scheme " + scheme);
}

// dummy_like - same scheme; for crypt the same setting (salt, cost) with a random password.
Stored dummy_like(const Stored& stored) {
  auto rnd = random_bytes(12);
  std::string pw = rnd ? base64_encode(*rnd) : std::string("dummy-password");
  const std::string& s = stored.scheme;
  Stored out{"MD5-CRYPT", "$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/"};
  if (s == "SHA512-CRYPT.B64" || is_crypt_scheme(s)) {
    std::string setting = stored.payload;
    if (s == "SHA512-CRYPT.B64") setting = base64_decode(stored.payload).value_or("");
    if (auto h = crypt_with_setting(pw, setting)) out = {"CRYPT", *h};
  } else if (is_digest_scheme(s)) {
    if (auto h = hash_digest(s, pw)) out = parse_stored(*h, "PLAIN");
  } else if (is_plain_scheme(s)) {
    out = {"PLAIN", pw};
  }
  wipe(pw);
  return out;
}

core::Result<std::string> random_bytes(size_t n) {
  std::string out(n, '\0');
  size_t got = 0;
  while (got < n) {
    ssize_t r = getrandom(out.data() + got, n - got, 0);
    if (r < 0) return core::retry_error("getrandom failed");
    got += static_cast<size_t>(r);
  }
  return out;
}

}  // namespace saslcheck
