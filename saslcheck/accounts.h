// accounts.h - the authdaemond admin commands on Postfix Admin's mailbox
// table: PASSWD (change a password) and ENUMERATE (list the mailboxes).
//
// AccountStore is the database side: one transaction per password change,
// one streamed query per listing. open_mysql_accounts() connects with the
// connection parameters of a mysql_table(5) file (saslcheck_account_database;
// its query is ignored, the SQL is Postfix Admin 3.3's schema: active
// mailboxes in active domains). Each call opens its own short-lived session
// (these commands are rare), trying the file's hosts in order.
//
// change_password() is the PASSWD decision: disabled -> Fail; the old
// password checked by Verifier::check_login (same constant-time path, same
// dummy hashing for unknown users), then again inside the transaction
// against the locked row, so a password changed meanwhile (or a stale cache
// entry) is never overwritten; the new value is make_hash() of the
// configured scheme (saslcheck_passwd_scheme). A database error is
// Outcome::TempFail with the reason and rolls the transaction back: the
// row is updated completely or not at all.
//
// Thread safety: an AccountStore may be used from several worker threads at
// once (each call has its own session); a cursor by one thread at a time.
// Every call blocks: never call them on the loop thread. Nothing logs, and
// no error text contains a password.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"
#include "saslcheck/verifier.h"

namespace saslcheck {

struct AccountRow {
  std::string login;    // mailbox.username
  std::string maildir;  // mailbox.maildir (relative to saslcheck_home in Postfix Admin)
};

// AccountCursor - the rows of one listing query, read as they arrive.
class AccountCursor {
 public:
  virtual ~AccountCursor() = default;
  // next - append up to MAX rows to OUT; false once the listing is complete.
  // An Error means the listing broke off (the rows so far are incomplete).
  virtual core::Result<bool> next(size_t max, std::vector<AccountRow>& out) = 0;
};

class AccountStore {
 public:
  virtual ~AccountStore() = default;
  // Called inside the transaction with the locked row's stored password;
  // true when the old password matches it.
  using OldCheck = std::function<bool(std::string_view stored)>;
  // change_password - replace LOGIN's password with NEW_VALUE if OLD_MATCHES
  // the current one. true: changed; false: no such active mailbox, or the
  // old password does not match; Error: nothing was changed.
  virtual core::Result<bool> change_password(const std::string& login, const OldCheck& old_matches,
                                             const std::string& new_value) = 0;
  // list - start the listing of every active mailbox in an active domain.
  virtual core::Result<std::unique_ptr<AccountCursor>> list() = 0;
};

// open_mysql_accounts - a store on the mysql_table(5) file PATH (Config error
// when it cannot be read).
core::Result<std::unique_ptr<AccountStore>> open_mysql_accounts(const std::string& path);

struct PasswdOptions {
  bool enabled = false;              // saslcheck_passwd_enable
  std::string scheme = "MD5-CRYPT";  // saslcheck_passwd_scheme (a saslcheck -H scheme)
};

// change_password - the whole PASSWD command (see the header comment).
// STORE may be null only when OPTIONS.enabled is false.
Answer change_password(Verifier& verifier, AccountStore* store, const PasswdOptions& options,
                       std::string_view login, std::string_view old_password, std::string_view new_password);

}  // namespace saslcheck
