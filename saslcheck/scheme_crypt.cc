// scheme_crypt.cc - crypt(3) schemes through libxcrypt: md5crypt $1$,
// sha256crypt $5$, sha512crypt $6$, bcrypt $2y$/$2b$/$2a$, yescrypt $y$,
// DES and the {CRYPT} {MD5-CRYPT} {SHA256-CRYPT} {SHA512-CRYPT} {BLF-CRYPT}
// {DES-CRYPT} {SHA512-CRYPT.B64} prefixes (password-schemes.md §2-4).
#include <crypt.h>
#include <string.h>

#include <array>
#include <memory>
#include <string>

#include "saslcheck/encoding.h"
#include "saslcheck/schemes.h"

namespace saslcheck {
namespace {

struct CryptScheme {
  std::string_view name;
  std::string_view prefix;  // crypt_gensalt prefix for new hashes
  unsigned long count;      // cost (0 = libxcrypt default)
};

constexpr std::array kCryptSchemes = {
    CryptScheme{"CRYPT", "$2y$", 5},  // Dovecot 2.3 writes bcrypt for {CRYPT}
    CryptScheme{"MD5-CRYPT", "$1$", 0},    CryptScheme{"SHA256-CRYPT", "$5$", 0},
    CryptScheme{"SHA512-CRYPT", "$6$", 0}, CryptScheme{"BLF-CRYPT", "$2y$", 5},
    CryptScheme{"DES-CRYPT", "", 0},       CryptScheme{"SHA512-CRYPT.B64", "$6$", 0},
};

// crypt_data is ~32 KiB: one per thread, reused.
crypt_data& thread_data() {
  thread_local std::unique_ptr<crypt_data> data = std::make_unique<crypt_data>();
  return *data;
}

const CryptScheme* find(std::string_view name) {
  for (const auto& s : kCryptSchemes)
    if (s.name == name) return &s;
  return nullptr;
}

}  // namespace

bool is_crypt_scheme(std::string_view scheme) {
  return find(scheme) != nullptr;
}

// check_crypt - crypt_rn(PASSWORD, SETTING) compared with SETTING.
Check check_crypt(std::string_view password, std::string_view setting) {
  if (setting.empty() || setting[0] == '*' || setting[0] == '!') return Check::Mismatch;
  if (password.find('\0') != std::string_view::npos || setting.find('\0') != std::string_view::npos)
    return Check::Mismatch;
  std::string pw(password);
  std::string set(setting);
  crypt_data& data = thread_data();
  const char* out = crypt_rn(pw.c_str(), set.c_str(), &data, sizeof data);
  wipe(pw);
  bool ok = out != nullptr && equal_ct(out, setting);
  explicit_bzero(data.input, sizeof data.input);
  if (out == nullptr) return Check::Unsupported;
  return ok ? Check::Match : Check::Mismatch;
}

std::optional<std::string> crypt_with_setting(std::string_view password, std::string_view setting) {
  if (password.find('\0') != std::string_view::npos || setting.find('\0') != std::string_view::npos)
    return std::nullopt;
  std::string pw(password);
  std::string set(setting);
  crypt_data& data = thread_data();
  const char* out = crypt_rn(pw.c_str(), set.c_str(), &data, sizeof data);
  wipe(pw);
  if (out == nullptr) return std::nullopt;
  return std::string(out);
}

// hash_crypt - a new crypt(3) value for SCHEME with a fresh random salt.
core::Result<std::string> hash_crypt(std::string_view scheme, std::string_view password) {
  const CryptScheme* s = find(scheme);
  if (s == nullptr) return core::config_error(std::string("not a crypt scheme: ") + std::string(scheme));
  if (password.find('\0') != std::string_view::npos) return core::config_error("password contains NUL");
  auto rnd = random_bytes(16);
  if (!rnd) return rnd.error();
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  std::string prefix(s->prefix);
  if (scheme == "DES-CRYPT") {
    // Two salt characters from the crypt alphabet.
    static constexpr std::string_view kAlpha =
        "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    setting[0] = kAlpha[static_cast<unsigned char>((*rnd)[0]) & 63];
    setting[1] = kAlpha[static_cast<unsigned char>((*rnd)[1]) & 63];
    setting[2] = '\0';
  } else if (crypt_gensalt_rn(prefix.c_str(), s->count, rnd->data(), static_cast<int>(rnd->size()), setting,
                              sizeof setting) == nullptr) {
    return core::config_error("crypt_gensalt failed for " + std::string(scheme));
  }
  std::string pw(password);
  crypt_data& data = thread_data();
  const char* out = crypt_rn(pw.c_str(), setting, &data, sizeof data);
  wipe(pw);
  if (out == nullptr) return core::config_error("crypt failed for " + std::string(scheme));
  std::string value(out);
  explicit_bzero(data.output, sizeof data.output);
  if (scheme == "SHA512-CRYPT.B64") return "{SHA512-CRYPT.B64}" + base64_encode(value);
  return "{" + std::string(scheme) + "}" + value;
}

}  // namespace saslcheck
