// verifier.h - the account side: find a login's stored password and user
// data in the tables and check a password, CRAM digest, or nothing (PRE).
//
// saslcheck_password_maps answers a login (user@domain; saslcheck_default_domain
// is appended to a login without '@') with the stored password, optionally
// followed by TAB-separated KEY=VALUE reply attributes (MAILDIR, QUOTA, NAME,
// UID, GID, HOME, OPTIONS, USERNAME). saslcheck_mailbox_maps, if set, answers
// the maildir. Unknown users are checked against a dummy of the scheme last
// seen, so they cost the same as a wrong password.
//
// Thread safety: every method may be called from several worker threads at
// once (tables are thread-safe; the dummy is under a mutex). Calls block on
// table lookups and hashing: never call them on the loop thread. A table
// error is Outcome::TempFail, never Fail. Nothing here logs a password.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/table/table.h"
#include "saslcheck/schemes.h"

namespace saslcheck {

struct VerifierOptions {
  std::string default_domain;            // saslcheck_default_domain
  std::string default_scheme = "CRYPT";  // saslcheck_default_scheme
  std::string uid = "5000";              // saslcheck_uid
  std::string gid = "5000";              // saslcheck_gid
  std::string home = "/var/vmail";       // saslcheck_home (HOME; relative MAILDIRs are below it)
  size_t max_login = 320;                // longer logins fail without a lookup
  // Rows found are kept this long (saslcheck_cache_ttl; 0 = off), so a burst
  // of logins costs one query. Never "not found" or errors.
  std::chrono::milliseconds cache_ttl{0};
  size_t cache_size = 10000;  // entries; the cache is cleared when full
};

enum class Outcome { Ok, Fail, TempFail };

struct Answer {
  Outcome outcome = Outcome::Fail;
  std::string login;  // canonical login (lower case, default domain added)
  std::vector<std::pair<std::string, std::string>> fields;  // authdaemond reply attributes (Ok)
  std::string why;  // for the log: "unknown user", "wrong password", table error text
};

class Verifier {
 public:
  Verifier(VerifierOptions options, std::unique_ptr<core::table::Table> passwords,
           std::unique_ptr<core::table::Table> mailboxes);

  // canonical_login - lower case, default domain appended; "" when unusable.
  std::string canonical_login(std::string_view login) const;
  // check_login - PASSWORD for LOGIN.
  Answer check_login(std::string_view login, std::string_view password);
  // lookup - user data without a password check (authdaemond PRE).
  Answer lookup(std::string_view login);
  // check_cram - HMAC-MD5(cleartext, CHALLENGE) == HEX_DIGEST (case-insensitive).
  Answer check_cram(std::string_view login, std::string_view challenge, std::string_view hex_digest);
  // forget - drop LOGIN's cached row (after its password changed).
  void forget(const std::string& login);
  const VerifierOptions& options() const { return options_; }
  // maildir_path - MAILDIR as replied: relative ones below HOME.
  static std::string maildir_path(const std::string& home, const std::string& maildir);

 private:
  struct Row {
    std::string password;
    std::vector<std::pair<std::string, std::string>> attrs;
  };
  core::Result<std::optional<Row>> find(const std::string& login);
  Answer success(const std::string& login, const Row& row);
  Stored dummy(const Stored& seen);

  VerifierOptions options_;
  std::unique_ptr<core::table::Table> passwords_;
  std::unique_ptr<core::table::Table> mailboxes_;
  std::mutex mu_;
  std::string dummy_key_;  // guarded by mu_
  Stored dummy_;           // guarded by mu_
  struct Cached {
    Row row;
    std::chrono::steady_clock::time_point expires;
  };
  std::mutex cache_mu_;
  std::unordered_map<std::string, Cached> cache_;  // guarded by cache_mu_
};

// hmac_md5_hex - lower-case hex HMAC-MD5(KEY, MESSAGE) (RFC 2104), for CRAM-MD5.
std::string hmac_md5_hex(std::string_view key, std::string_view message);

}  // namespace saslcheck
