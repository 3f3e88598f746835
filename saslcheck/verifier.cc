// verifier.cc - table lookups, password checks, dummy hashing.
#include "saslcheck/verifier.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "saslcheck/encoding.h"

namespace saslcheck {
namespace {

constexpr std::string_view kAttrs[] = {"USERNAME", "UID",  "GID",   "HOME",
                                       "MAILDIR",  "NAME", "QUOTA", "OPTIONS"};

bool allowed_attr(std::string_view k) {
  for (auto a : kAttrs)
    if (a == k) return true;
  return false;
}

// dummy_key - what decides a hash's cost: the scheme and, for crypt, the
// setting without salt ("$6$rounds=5000$", "$2y$10$").
std::string dummy_key(const Stored& s) {
  std::string key = s.scheme + ":";
  if (!s.payload.starts_with("$")) return key + std::to_string(s.payload.size());
  size_t last = s.payload.rfind('$');
  if (!s.payload.starts_with("$2")) last = s.payload.rfind('$', last == 0 ? 0 : last - 1);
  return key + s.payload.substr(0, last == std::string::npos ? 0 : last + 1);
}

}  // namespace

Verifier::Verifier(VerifierOptions options, std::unique_ptr<core::table::Table> passwords,
                   std::unique_ptr<core::table::Table> mailboxes)
    : options_(std::move(options)), passwords_(std::move(passwords)), mailboxes_(std::move(mailboxes)) {
  dummy_ = Stored{"MD5-CRYPT", "$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/"};  // the default PFA scheme
  dummy_key_ = dummy_key(dummy_);
}

// canonical_login - reject control characters and absurd lengths.
std::string Verifier::canonical_login(std::string_view login) const {
  if (login.empty() || login.size() > options_.max_login) return {};
  std::string out;
  for (char c : login) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return {};
    out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  if (out.find('@') == std::string::npos && !options_.default_domain.empty())
    out += "@" + options_.default_domain;
  return out;
}

// find - the row for LOGIN: stored password and extra attributes.
core::Result<std::optional<Verifier::Row>> Verifier::find(const std::string& login) {
  auto now = std::chrono::steady_clock::now();
  if (options_.cache_ttl.count() > 0) {
    std::lock_guard lock(cache_mu_);
    auto it = cache_.find(login);
    if (it != cache_.end() && it->second.expires > now) return std::optional<Row>(it->second.row);
  }
  auto r = passwords_->lookup(login);
  if (!r) return r.error();
  if (!r->has_value()) return std::optional<Row>();
  Row row;
  std::string_view v = **r;
  size_t tab = v.find('\t');
  row.password = std::string(v.substr(0, tab));
  while (tab != std::string_view::npos) {
    size_t next = v.find('\t', tab + 1);
    std::string_view item = v.substr(tab + 1, next == std::string_view::npos ? next : next - tab - 1);
    size_t eq = item.find('=');
    if (eq != std::string_view::npos && allowed_attr(item.substr(0, eq)))
      row.attrs.emplace_back(std::string(item.substr(0, eq)), std::string(item.substr(eq + 1)));
    tab = next;
  }
  wipe(*r.value());
  if (mailboxes_) {
    auto m = mailboxes_->lookup(login);
    if (!m) return m.error();
    if (m->has_value()) row.attrs.emplace_back("MAILDIR", **m);
  }
  if (options_.cache_ttl.count() > 0) {
    std::lock_guard lock(cache_mu_);
    if (cache_.size() >= options_.cache_size) cache_.clear();
    cache_[login] = Cached{row, now + options_.cache_ttl};
  }
  return std::optional<Row>(std::move(row));
}

// success - the authdaemond attributes in Courier's order.
Answer Verifier::success(const std::string& login, const Row& row) {
  auto get = [&](std::string_view k, std::string def) {
    for (const auto& [key, v] : row.attrs)
      if (key == k) return v;
    return def;
  };
  Answer a;
  a.outcome = Outcome::Ok;
  a.login = login;
  std::string home = get("HOME", options_.home);
  std::string maildir = get("MAILDIR", "");
  maildir = maildir_path(home, maildir);
  if (auto u = get("USERNAME", ""); !u.empty()) a.fields.emplace_back("USERNAME", u);
  a.fields.emplace_back("UID", get("UID", options_.uid));
  a.fields.emplace_back("GID", get("GID", options_.gid));
  a.fields.emplace_back("HOME", home);
  a.fields.emplace_back("ADDRESS", login);
  if (auto n = get("NAME", ""); !n.empty()) a.fields.emplace_back("NAME", n.substr(0, n.find(',')));
  if (!maildir.empty()) a.fields.emplace_back("MAILDIR", maildir);
  if (auto q = get("QUOTA", ""); !q.empty() && q != "0") a.fields.emplace_back("QUOTA", q);
  if (auto o = get("OPTIONS", ""); !o.empty()) a.fields.emplace_back("OPTIONS", o);
  return a;
}

std::string Verifier::maildir_path(const std::string& home, const std::string& maildir) {
  if (maildir.empty() || maildir[0] == '/') return maildir;
  return home + (home.ends_with("/") ? "" : "/") + maildir;
}

void Verifier::forget(const std::string& login) {
  std::lock_guard lock(cache_mu_);
  cache_.erase(login);
}

// dummy - a dummy of SEEN's scheme and cost (recomputed when that changes).
Stored Verifier::dummy(const Stored& seen) {
  std::string key = dummy_key(seen);
  std::lock_guard lock(mu_);
  if (key != dummy_key_) {
    dummy_ = dummy_like(seen);
    dummy_key_ = key;
  }
  return dummy_;
}

Answer Verifier::check_login(std::string_view login_in, std::string_view password) {
  Answer fail;
  fail.login = canonical_login(login_in);
  if (fail.login.empty()) {
    fail.why = "unusable login name";
    return fail;
  }
  auto row = find(fail.login);
  if (!row) return {Outcome::TempFail, fail.login, {}, row.error().text};
  if (!row->has_value()) {
    Stored d;
    {
      std::lock_guard lock(mu_);
      d = dummy_;
    }
    (void)check_password(password.empty() ? std::string_view("x") : password, d);
    fail.why = "unknown user";
    return fail;
  }
  Row& r = **row;
  Stored stored = parse_stored(r.password, options_.default_scheme);
  wipe(r.password);
  (void)dummy(stored);  // keep the unknown-user dummy in line with real hashes
  if (password.empty()) {
    fail.why = "empty password";
    return fail;
  }
  Check c = check_password(password, stored);
  wipe(stored.payload);
  if (c == Check::Match) return success(fail.login, r);
  fail.why = c == Check::Unsupported ? "unsupported password scheme " + stored.scheme : "wrong password";
  return fail;
}

Answer Verifier::lookup(std::string_view login_in) {
  Answer fail;
  fail.login = canonical_login(login_in);
  if (fail.login.empty()) {
    fail.why = "unusable login name";
    return fail;
  }
  auto row = find(fail.login);
  if (!row) return {Outcome::TempFail, fail.login, {}, row.error().text};
  if (!row->has_value()) {
    fail.why = "unknown user";
    return fail;
  }
  wipe((*row)->password);
  return success(fail.login, **row);
}

Answer Verifier::check_cram(std::string_view login_in, std::string_view challenge,
                            std::string_view hex_digest) {
  Answer fail;
  fail.login = canonical_login(login_in);
  if (fail.login.empty()) {
    fail.why = "unusable login name";
    return fail;
  }
  auto row = find(fail.login);
  if (!row) return {Outcome::TempFail, fail.login, {}, row.error().text};
  std::string want;
  std::optional<std::string> clear;
  if (row->has_value()) {
    clear = cleartext_of(parse_stored((*row)->password, options_.default_scheme));
    wipe((*row)->password);
  }
  // Same work for unknown users and users without a cleartext password.
  want = hmac_md5_hex(clear && !clear->empty() ? *clear : std::string("dummy"), challenge);
  std::string got(hex_digest);
  for (auto& c : got)
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  bool ok = clear && !clear->empty() && equal_ct(want, got);
  if (clear) wipe(*clear);
  if (ok) return success(fail.login, **row);
  fail.why = !row->has_value() ? "unknown user"
             : !clear          ? "no cleartext password for CRAM-MD5"
                               : "wrong password";
  return fail;
}

std::string hmac_md5_hex(std::string_view key, std::string_view message) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_md5(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), out, &len);
  return hex_encode(std::string_view(reinterpret_cast<char*>(out), len));
}

}  // namespace saslcheck
