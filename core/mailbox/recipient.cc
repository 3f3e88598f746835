// recipient.cc - recipient address to maildir path.
#include "core/mailbox/recipient.h"

#include <fmt/format.h>

namespace core::mailbox {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

}  // namespace

std::string Address::key() const {
  return lower(user) + "@" + domain;
}
std::string Address::full_key() const {
  return lower(local) + "@" + domain;
}

Address split_address(std::string_view address, std::string_view delimiters) {
  Address a;
  size_t at = address.rfind('@');
  a.local = std::string(at == std::string_view::npos ? address : address.substr(0, at));
  if (at != std::string_view::npos) a.domain = lower(address.substr(at + 1));
  a.user = a.local;
  if (!delimiters.empty()) {
    size_t d = a.local.find_first_of(delimiters);
    if (d != std::string::npos && d > 0) {
      a.user = a.local.substr(0, d);
      a.extension = a.local.substr(d + 1);
    }
  }
  return a;
}

// find_mailbox - exact address first, so a mailbox named "joe+x" still wins.
core::Result<std::optional<std::string>> find_mailbox(core::table::Table& maps, const Address& address) {
  if (address.user != address.local) {
    auto r = maps.lookup(address.full_key());
    if (!r || *r) return r;
  }
  return maps.lookup(address.key());
}

core::Result<std::string> maildir_path(std::string_view base, std::string_view value) {
  std::string_view v = value;
  while (!v.empty() && v.back() == '/') v.remove_suffix(1);
  if (v.empty() || v.front() == '/')
    return core::config_error(
        fmt::format("mailbox_maps: bad maildir \"{}\" (must be relative to mailbox_base)", value));
  size_t pos = 0;
  while (pos <= v.size()) {
    size_t slash = v.find('/', pos);
    std::string_view part = v.substr(pos, slash == std::string_view::npos ? v.npos : slash - pos);
    if (part == ".." || part == ".")
      return core::config_error(fmt::format("mailbox_maps: maildir \"{}\" leaves mailbox_base", value));
    if (slash == std::string_view::npos) break;
    pos = slash + 1;
  }
  std::string b(base);
  while (b.size() > 1 && b.back() == '/') b.pop_back();
  return b + "/" + std::string(v);
}

std::string extension_folder(std::string_view ext) {
  if (ext.empty() || ext.front() == '.' || ext.size() > 200) return "";
  for (char c : ext) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '/' || u < 0x20 || u == 0x7f) return "";
  }
  if (ext.find("..") != std::string_view::npos) return "";
  return "." + std::string(ext);
}

}  // namespace core::mailbox
