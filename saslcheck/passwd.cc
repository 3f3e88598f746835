// passwd.cc - the authdaemond PASSWD decision (accounts.h).
#include "saslcheck/accounts.h"
#include "saslcheck/encoding.h"
#include "saslcheck/schemes.h"

namespace saslcheck {

// change_password - refuse when disabled; check the old password twice (cached row, then the
// locked row), write the new hash, forget the cached row.
Answer change_password(Verifier& verifier, AccountStore* store, const PasswdOptions& options,
                       std::string_view login, std::string_view old_password, std::string_view new_password) {
  Answer fail;
  if (!options.enabled || store == nullptr) {
    fail.login = verifier.canonical_login(login);
    fail.why = "password change disabled (saslcheck_passwd_enable)";
    return fail;
  }
  Answer a = verifier.check_login(login, old_password);
  a.fields.clear();
  if (a.outcome != Outcome::Ok) return a;
  fail.login = a.login;
  if (new_password.empty()) {
    fail.why = "empty new password";
    return fail;
  }
  auto hash = make_hash(options.scheme, new_password);
  if (!hash) return {Outcome::TempFail, a.login, {}, "cannot hash the new password: " + hash.error().text};
  std::string default_scheme = verifier.options().default_scheme;
  auto changed = store->change_password(
      a.login,
      [&](std::string_view stored) {
        Stored s = parse_stored(stored, default_scheme);
        bool ok = check_password(old_password, s) == Check::Match;
        wipe(s.payload);
        return ok;
      },
      *hash);
  wipe(*hash);
  verifier.forget(a.login);  // the cached row is stale either way
  if (!changed) return {Outcome::TempFail, a.login, {}, changed.error().text};
  if (!*changed) {
    fail.why = "old password does not match the database row";
    return fail;
  }
  return a;
}

}  // namespace saslcheck
