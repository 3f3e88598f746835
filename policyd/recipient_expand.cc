// recipient_expand.cc - Postfix's virtual alias expansion, read only.
#include "policyd/recipient_expand.h"

#include <set>

#include "core/config/config.h"
#include "core/mailbox/recipient.h"

namespace policyd {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// with_extension - ADDRESS with DELIM+EXT inserted before its last '@'
// (appended when it has none), as mail_addr_map() propagates it.
std::string with_extension(std::string_view address, char delim, std::string_view ext) {
  std::string suffix = std::string(1, delim) + std::string(ext);
  size_t at = address.rfind('@');
  if (at == std::string_view::npos) return std::string(address) + suffix;
  return std::string(address.substr(0, at)) + suffix + std::string(address.substr(at));
}

}  // namespace

// alias_lookup - user+ext@domain, user@domain, @domain; the first found wins.
core::Result<std::vector<std::string>> alias_lookup(core::table::Table& aliases, std::string_view address,
                                                    std::string_view delimiters) {
  core::mailbox::Address a = core::mailbox::split_address(address, delimiters);
  std::string full = lower(address);
  std::vector<std::string> keys{full};
  if (!a.extension.empty()) keys.push_back(a.key());
  if (!a.domain.empty() && address.rfind('@') != std::string_view::npos) keys.push_back("@" + a.domain);
  for (size_t i = 0; i < keys.size(); ++i) {
    auto r = aliases.lookup(keys[i]);
    if (!r) return r.error();
    if (!*r) continue;
    std::vector<std::string> out;
    for (auto& target : core::config::split_list(**r)) {
      if (i > 0 && !a.extension.empty())
        out.push_back(lower(with_extension(target, a.local[a.user.size()], a.extension)));
      else
        out.push_back(lower(target));
    }
    return out;
  }
  return std::vector<std::string>();
}

// expand_recipient - cleanup_map1n_internal(): expand argv[i] in place until
// it is final, appending its other results to the list.
core::Result<Expansion> expand_recipient(core::table::Table* aliases, std::string_view address,
                                         std::string_view delimiters, const ExpandLimits& limits) {
  Expansion e;
  std::vector<std::string> argv{lower(address)};
  if (aliases) {
    std::set<std::string> fixed;  // expanded into themselves: final
    for (size_t arg = 0; arg < argv.size(); ++arg) {
      if (argv.size() > limits.expansion) {
        e.status = Expansion::Status::kTooMany;
        return e;
      }
      for (size_t count = 0;; ++count) {
        if (fixed.count(argv[arg])) break;
        if (count >= limits.recursion) {
          e.status = Expansion::Status::kTooDeep;
          return e;
        }
        auto r = alias_lookup(*aliases, argv[arg], delimiters);
        if (!r) return r.error();
        if (r->empty()) break;
        std::string lhs = argv[arg];
        for (size_t i = 0; i < r->size(); ++i) {
          if (i == 0)
            argv[arg] = (*r)[i];
          else
            argv.push_back((*r)[i]);
          if ((*r)[i] == lhs) fixed.insert(lhs);
        }
      }
    }
  }
  std::set<std::string> seen;
  for (auto& a : argv)
    if (seen.insert(a).second) e.addresses.push_back(std::move(a));
  return e;
}

}  // namespace policyd
