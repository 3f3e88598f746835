// policy_request.h - Postfix 3.7 policy delegation requests and replies for
// the policyd benchmark tools (bench/policyd/).
//
// A request file has one request per line: tab-separated name=value
// overrides of a Postfix 3.7 RCPT-stage request (every attribute 3.7 sends,
// in its order, as captured in /work/shared/reference/postfix-policy.md),
// plus an optional "expect=WORD": the first word of the action the server
// should answer (DUNNO, OK, 554, 552, ...; case-insensitive). build_requests()
// turns the file into ready-to-send request texts once, so the load
// generator spends no time building them. Values; no shared state.
// Errors: a bad file is fatal (exit 2): these are command-line tools.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bench {

struct PolicyRequest {
  std::string text;    // the bytes to send, ending in the empty line
  std::string expect;  // uppercase first action word, "" = any action
};

// The attributes Postfix 3.7 sends at RCPT, in order, with plausible defaults.
inline std::vector<std::pair<std::string, std::string>> default_attributes() {
  return {{"request", "smtpd_access_policy"}, {"protocol_state", "RCPT"}, {"protocol_name", "ESMTP"},
          {"client_address", "203.0.113.9"}, {"client_name", "mx.example.net"}, {"client_port", "42950"},
          {"reverse_client_name", "mx.example.net"}, {"server_address", "127.0.0.1"}, {"server_port", "25"},
          {"helo_name", "mx.example.net"}, {"sender", "sender@example.net"}, {"recipient", ""},
          {"recipient_count", "0"}, {"queue_id", ""}, {"instance", "c3b.6b09bbe0.ceaed.0"}, {"size", "0"},
          {"etrn_domain", ""}, {"stress", ""}, {"sasl_method", ""}, {"sasl_username", ""}, {"sasl_sender", ""},
          {"ccert_subject", ""}, {"ccert_issuer", ""}, {"ccert_fingerprint", ""}, {"ccert_pubkey_fingerprint", ""},
          {"encryption_protocol", ""}, {"encryption_cipher", ""}, {"encryption_keysize", "0"},
          {"policy_context", ""}};
}

inline std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

// build_request - one request file LINE as a PolicyRequest.
inline PolicyRequest build_request(const std::string& line) {
  auto attrs = default_attributes();
  PolicyRequest r;
  size_t start = 0;
  while (start <= line.size()) {
    size_t tab = line.find('\t', start);
    std::string item = line.substr(start, tab == std::string::npos ? std::string::npos : tab - start);
    start = tab == std::string::npos ? line.size() + 1 : tab + 1;
    if (item.empty()) continue;
    auto eq = item.find('=');
    if (eq == std::string::npos) {
      std::fprintf(stderr, "fatal: request item without '=': %s\n", item.c_str());
      std::exit(2);
    }
    std::string name = item.substr(0, eq), value = item.substr(eq + 1);
    if (name == "expect") {
      r.expect = upper(value);
      continue;
    }
    bool found = false;
    for (auto& [n, v] : attrs)
      if (n == name) v = value, found = true;
    if (!found) attrs.emplace_back(name, value);
  }
  for (const auto& [n, v] : attrs) r.text.append(n).append("=").append(v).append("\n");
  r.text.append("\n");
  return r;
}

// build_requests - every line of the file at PATH.
inline std::vector<PolicyRequest> build_requests(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    std::fprintf(stderr, "fatal: cannot open request file %s\n", path.c_str());
    std::exit(2);
  }
  std::vector<PolicyRequest> out;
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(build_request(line));
  if (out.empty()) {
    std::fprintf(stderr, "fatal: request file %s is empty\n", path.c_str());
    std::exit(2);
  }
  return out;
}

// reply_action - the action of a complete reply REPLY (ending in "\n\n"); "" when it has none.
inline std::string_view reply_action(std::string_view reply) {
  size_t pos = 0;
  while (pos < reply.size()) {
    size_t nl = reply.find('\n', pos);
    if (nl == std::string_view::npos || nl == pos) break;
    std::string_view line = reply.substr(pos, nl - pos);
    if (line.rfind("action=", 0) == 0) return line.substr(7);
    pos = nl + 1;
  }
  return {};
}

}  // namespace bench
