// scheme_digest.cc - unsalted and salted message-digest schemes:
// {MD5} (base64, or md5crypt when the payload is $1$, as Dovecot), {LDAP-MD5},
// {PLAIN-MD5} and {MD5RAW} (hex), {SHA} {SHA1} {SHA256} {SHA512} (base64,
// .HEX/.B64 suffixes), {SSHA} {SSHA256} {SSHA512} {SMD5}
// (base64(digest(pw||salt)||salt)), password-schemes.md §3-4.
#include <openssl/evp.h>

#include <array>
#include <string>

#include "saslcheck/encoding.h"
#include "saslcheck/schemes.h"

namespace saslcheck {
namespace {

enum class Enc { B64, Hex };

struct DigestScheme {
  std::string_view name;
  const EVP_MD* (*md)();
  Enc enc;
  bool salted;
};

constexpr std::array kDigestSchemes = {
    DigestScheme{"MD5", EVP_md5, Enc::B64, false},
    DigestScheme{"LDAP-MD5", EVP_md5, Enc::B64, false},
    DigestScheme{"PLAIN-MD5", EVP_md5, Enc::Hex, false},
    DigestScheme{"MD5RAW", EVP_md5, Enc::Hex, false},
    DigestScheme{"SHA", EVP_sha1, Enc::B64, false},
    DigestScheme{"SHA1", EVP_sha1, Enc::B64, false},
    DigestScheme{"SHA256", EVP_sha256, Enc::B64, false},
    DigestScheme{"SHA512", EVP_sha512, Enc::B64, false},
    DigestScheme{"SHA.HEX", EVP_sha1, Enc::Hex, false},
    DigestScheme{"SHA1.HEX", EVP_sha1, Enc::Hex, false},
    DigestScheme{"SHA256.HEX", EVP_sha256, Enc::Hex, false},
    DigestScheme{"SHA512.HEX", EVP_sha512, Enc::Hex, false},
    DigestScheme{"SHA256.B64", EVP_sha256, Enc::B64, false},
    DigestScheme{"SHA512.B64", EVP_sha512, Enc::B64, false},
    DigestScheme{"SMD5", EVP_md5, Enc::B64, true},
    DigestScheme{"SSHA", EVP_sha1, Enc::B64, true},
    DigestScheme{"SSHA256", EVP_sha256, Enc::B64, true},
    DigestScheme{"SSHA512", EVP_sha512, Enc::B64, true},
};

const DigestScheme* find(std::string_view name) {
  for (const auto& s : kDigestSchemes)
    if (s.name == name) return &s;
  return nullptr;
}

// digest - MD over A || B.
std::string digest(const EVP_MD* md, std::string_view a, std::string_view b) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, md, nullptr);
  EVP_DigestUpdate(ctx, a.data(), a.size());
  EVP_DigestUpdate(ctx, b.data(), b.size());
  EVP_DigestFinal_ex(ctx, out, &len);
  EVP_MD_CTX_free(ctx);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

}  // namespace

bool is_digest_scheme(std::string_view scheme) {
  return find(scheme) != nullptr;
}

// check_digest - recompute the digest of PASSWORD (with the stored salt) and compare.
Check check_digest(std::string_view scheme, std::string_view password, std::string_view payload) {
  if (scheme == "MD5" && payload.starts_with("$1$")) return check_crypt(password, payload);
  const DigestScheme* s = find(scheme);
  if (s == nullptr) return Check::Unsupported;
  size_t dlen = static_cast<size_t>(EVP_MD_size(s->md()));
  if (s->enc == Enc::Hex) {
    if (payload.size() != dlen * 2) return Check::Mismatch;
    return equal_ct(hex_encode(digest(s->md(), password, {})), lower(payload)) ? Check::Match
                                                                               : Check::Mismatch;
  }
  auto raw = base64_decode(payload);
  if (!raw || raw->size() < dlen || (!s->salted && raw->size() != dlen)) return Check::Mismatch;
  std::string_view salt = std::string_view(*raw).substr(dlen);
  std::string want = raw->substr(0, dlen);
  return equal_ct(digest(s->md(), password, salt), want) ? Check::Match : Check::Mismatch;
}

// hash_digest - {SCHEME}payload with an 8-byte random salt for salted schemes.
core::Result<std::string> hash_digest(std::string_view scheme, std::string_view password) {
  const DigestScheme* s = find(scheme);
  if (s == nullptr) return core::config_error("not a digest scheme: " + std::string(scheme));
  std::string salt;
  if (s->salted) {
    auto rnd = random_bytes(8);
    if (!rnd) return rnd.error();
    salt = *rnd;
  }
  std::string d = digest(s->md(), password, salt);
  std::string body = s->enc == Enc::Hex ? hex_encode(d) : base64_encode(d + salt);
  return "{" + std::string(scheme) + "}" + body;
}

}  // namespace saslcheck
