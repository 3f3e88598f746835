// schemes.h - checking and making stored passwords in every scheme Postfix
// Admin 3.3 can write that can be checked offline.
//
// A stored value is dispatched on its {SCHEME} prefix (case-insensitive,
// Dovecot/Courier names, password-schemes.md §4), else on a crypt(3) "$id$"
// prefix, else on the configured default scheme for bare values
// (saslcheck_default_scheme: CRYPT, PLAIN, PLAIN-MD5, as Dovecot's
// default_pass_scheme). Families live in scheme_crypt.cc (libxcrypt),
// scheme_digest.cc (MD5/SHA/SSHA hashes), scheme_plain.cc (cleartext).
//
// Every comparison is constant-time (encoding.h equal_ct). Passwords are raw
// bytes; an empty password never matches. Thread-safe (crypt uses a
// thread_local crypt_data). No function logs.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/base/result.h"

namespace saslcheck {

enum class Check { Match, Mismatch, Unsupported };

// A stored value split into its scheme (upper case) and payload.
struct Stored {
  std::string scheme;   // "MD5-CRYPT", "PLAIN", "SSHA512", ... ("CRYPT" for bare $id$ values)
  std::string payload;  // the value without its {SCHEME} prefix
};

// parse_stored - scheme and payload of STORED; bare values use DEFAULT_SCHEME
// unless they look like crypt(3) ($id$...).
Stored parse_stored(std::string_view stored, std::string_view default_scheme);

// check_password - does PASSWORD match STORED?
Check check_password(std::string_view password, const Stored& stored);

// cleartext_of - the cleartext password when STORED holds one (PLAIN family),
// for CRAM-MD5.
std::optional<std::string> cleartext_of(const Stored& stored);

// make_hash - a new stored value of SCHEME for PASSWORD (random salt from
// the OS), with its {SCHEME} prefix unless SCHEME is "CRYPT"-less crypt
// (MD5-CRYPT etc. are written as Postfix Admin writes them, with prefix).
core::Result<std::string> make_hash(std::string_view scheme, std::string_view password);

// dummy_like - a stored value of the same scheme and cost as STORED whose
// password nobody knows, for hashing when the user is unknown.
Stored dummy_like(const Stored& stored);

// known_scheme - true when check_password can decide for SCHEME.
bool known_scheme(std::string_view scheme);

// Family entry points (one file each).
bool is_crypt_scheme(std::string_view scheme);
Check check_crypt(std::string_view password, std::string_view setting);
// crypt_with_setting - crypt(3) of PASSWORD with SETTING (salt and cost), or nullopt.
std::optional<std::string> crypt_with_setting(std::string_view password, std::string_view setting);
core::Result<std::string> hash_crypt(std::string_view scheme, std::string_view password);
bool is_digest_scheme(std::string_view scheme);
Check check_digest(std::string_view scheme, std::string_view password, std::string_view payload);
core::Result<std::string> hash_digest(std::string_view scheme, std::string_view password);
bool is_plain_scheme(std::string_view scheme);
Check check_plain(std::string_view scheme, std::string_view password, std::string_view payload);

// random_bytes - N bytes from the OS (getrandom); Retry error if it fails.
core::Result<std::string> random_bytes(size_t n);

}  // namespace saslcheck
