// recipient.h - from the recipient address to a maildir: split off the
// recipient_delimiter extension, look the address up in mailbox_maps
// (user+ext@domain first, then user@domain, as Postfix does), and turn the
// result into an absolute path under mailbox_base.
//
// A lookup error travels back as an Error (the caller defers); "not found"
// is an empty optional (the caller bounces 5.1.1). Thread-safe (no state).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/base/result.h"
#include "core/table/table.h"

namespace core::mailbox {

struct Address {
  std::string local;      // full local part ("joe+lists")
  std::string domain;     // lowercased
  std::string user;       // local part before the delimiter ("joe")
  std::string extension;  // after the delimiter ("lists"), "" if none
  // key - "user@domain", lowercased: the mailbox and quota key.
  std::string key() const;
  // full_key - "local@domain", lowercased.
  std::string full_key() const;
};

// split_address - ADDRESS at its last '@'; the extension starts at the
// first character of DELIMITERS in the local part (not at position 0).
Address split_address(std::string_view address, std::string_view delimiters);

// find_mailbox - the mailbox_maps value for ADDRESS, or nullopt when unknown.
core::Result<std::optional<std::string>> find_mailbox(core::table::Table& maps, const Address& address);

// maildir_path - BASE + "/" + VALUE without trailing '/'. A value that is
// absolute, empty or contains a ".." component is a Config error.
core::Result<std::string> maildir_path(std::string_view base, std::string_view value);

// extension_folder - the Maildir++ folder ".EXT" for EXT when it is usable as
// a folder name (no '/', no leading '.', printable), else "".
std::string extension_folder(std::string_view extension);

}  // namespace core::mailbox
