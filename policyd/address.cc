// address.cc - address classification and sender-login key forms.
#include "policyd/address.h"

namespace policyd {
namespace {

bool domain_char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c >= 0x80;
}

}  // namespace

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// parse_address - see address.h for the rules.
ParsedAddress parse_address(std::string_view address) {
  ParsedAddress p;
  if (!address.empty() && address.front() == '@') {
    p.kind = ParsedAddress::Kind::kRouted;
    return p;
  }
  size_t at = address.rfind('@');
  if (at == std::string_view::npos) {
    p.local = std::string(address);
    bool routed = address.find_first_of("%!:\"") != std::string_view::npos;
    p.kind = routed ? ParsedAddress::Kind::kRouted
                    : (address.empty() ? ParsedAddress::Kind::kBadDomain : ParsedAddress::Kind::kUnqualified);
    return p;
  }
  std::string_view local = address.substr(0, at);
  p.local = std::string(local);
  if (local.find_first_of("@%!:\"") != std::string_view::npos) {
    p.kind = ParsedAddress::Kind::kRouted;
    return p;
  }
  std::string domain = lowercase(address.substr(at + 1));
  if (!domain.empty() && domain.back() == '.') domain.pop_back();
  bool ok = !domain.empty() && domain.front() != '.' && domain.find("..") == std::string::npos;
  for (char c : domain) ok = ok && domain_char(static_cast<unsigned char>(c));
  if (!ok) {
    p.kind = ParsedAddress::Kind::kBadDomain;
    return p;
  }
  p.kind = ParsedAddress::Kind::kPlain;
  p.domain = std::move(domain);
  return p;
}

// login_keys - full, unextended, @domain; duplicates dropped.
std::vector<std::string> login_keys(std::string_view sender, std::string_view delimiters) {
  std::string key = lowercase(sender);
  std::vector<std::string> keys{key};
  size_t at = key.rfind('@');
  if (at == std::string::npos || at == 0) return keys;
  std::string local = key.substr(0, at), domain = key.substr(at);
  if (!delimiters.empty()) {
    size_t cut = local.find_first_of(delimiters);
    // Postfix leaves the address alone when the delimiter is its first character.
    if (cut != std::string::npos && cut > 0) keys.push_back(local.substr(0, cut) + domain);
  }
  keys.push_back(domain);
  return keys;
}

}  // namespace policyd
