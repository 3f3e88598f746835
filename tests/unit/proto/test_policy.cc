// test_policy.cc - policy delegation request parser (incl. malformed and
// oversized input) and reply encoder.
#include <catch2/catch.hpp>

#include "core/proto/policy.h"

using namespace core::proto;
using namespace std::string_literals;

namespace {

// The request Postfix 3.7.11 sent at RCPT (postfix-policy.md section 1).
const std::string kPostfix37 =
    "request=smtpd_access_policy\nprotocol_state=RCPT\nprotocol_name=ESMTP\nclient_address=127.0.0.1\n"
    "client_name=localhost\nclient_port=42950\nreverse_client_name=localhost\nserver_address=127.0.0.1\n"
    "server_port=2525\nhelo_name=client.example\nsender=sender@example.net\n"
    "recipient=policyreject@pipe.test\nrecipient_count=0\nqueue_id=\ninstance=c3b.6b09bbe0.ceaed.0\n"
    "size=500\netrn_domain=\nstress=\nsasl_method=\nsasl_username=\nsasl_sender=\nccert_subject=\n"
    "ccert_issuer=\nccert_fingerprint=\nccert_pubkey_fingerprint=\nencryption_protocol=\n"
    "encryption_cipher=\nencryption_keysize=0\npolicy_context=\n\n";

}  // namespace

TEST_CASE("policy: a Postfix 3.7 request parses, every attribute kept in order", "[unit]") {
  auto r = parse_policy_request(kPostfix37 + "request=smtpd_access_policy\n", 65536);
  REQUIRE(r.request());
  CHECK(r.consumed == kPostfix37.size());
  REQUIRE(r.attributes.size() == 29);
  CHECK(r.attributes[0] == std::pair<std::string, std::string>{"request", "smtpd_access_policy"});
  CHECK(r.attributes[11] == std::pair<std::string, std::string>{"recipient", "policyreject@pipe.test"});
  CHECK(r.attributes[13] == std::pair<std::string, std::string>{"queue_id", ""});
  CHECK(r.attributes.back() == std::pair<std::string, std::string>{"policy_context", ""});
}

TEST_CASE("policy: unknown attributes, '=' in values, CR LF and raw bytes are accepted", "[unit]") {
  std::string in = "request=smtpd_access_policy\r\ncompatibility_level=3.6\nfuture_thing=a=b=c\n"
                   "ccert_subject=CN+3Dx\x80\xff\n\r\n";
  auto r = parse_policy_request(in, 4096);
  REQUIRE(r.request());
  CHECK(r.consumed == in.size());
  REQUIRE(r.attributes.size() == 4);
  CHECK(r.attributes[0].second == "smtpd_access_policy");
  CHECK(r.attributes[2] == std::pair<std::string, std::string>{"future_thing", "a=b=c"});
  CHECK(r.attributes[3].second == "CN+3Dx\x80\xff");
}

TEST_CASE("policy: incomplete requests ask for more at every cut", "[unit]") {
  for (size_t cut = 0; cut < kPostfix37.size(); ++cut) {
    INFO(cut);
    auto r = parse_policy_request(std::string_view(kPostfix37).substr(0, cut), 65536);
    CHECK(r.need_more());
  }
}

TEST_CASE("policy: malformed requests are errors", "[unit]") {
  struct Case {
    std::string name, input, want;
  };
  std::vector<Case> cases = {
      {"line without =", "request=smtpd_access_policy\nGET / HTTP/1.0\n\n", "without '='"},
      {"empty name", "=value\n\n", "without a name"},
      {"NUL byte", "request=smtpd\0access\n\n"s, "NUL"},
      {"empty request", "\n", "empty request"},
      {"empty request CRLF", "\r\n", "empty request"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    auto r = parse_policy_request(c.input, 4096);
    REQUIRE(r.failed());
    CHECK_THAT(r.error, Catch::Contains(c.want));
  }
}

TEST_CASE("policy: oversized requests are errors, complete or not", "[unit]") {
  std::string big = "request=smtpd_access_policy\nrecipient=" + std::string(600, 'a') + "@x\n\n";
  CHECK(parse_policy_request(big, big.size()).request());
  auto over = parse_policy_request(big, big.size() - 1);
  REQUIRE(over.failed());
  CHECK_THAT(over.error, Catch::Contains("longer than"));
  // No line end yet, but already past the limit: give up at once.
  auto partial = parse_policy_request(std::string(300, 'x'), 256);
  CHECK(partial.failed());
  CHECK(parse_policy_request(std::string(256, 'x'), 256).need_more());
  // Too many attributes.
  std::string many;
  for (size_t i = 0; i <= kPolicyMaxAttributes; ++i) many += "a" + std::to_string(i) + "=1\n";
  auto r = parse_policy_request(many + "\n", 1 << 20);
  REQUIRE(r.failed());
  CHECK_THAT(r.error, Catch::Contains("attributes"));
}

TEST_CASE("policy: replies", "[unit]") {
  CHECK(policy_reply("DUNNO") == "action=DUNNO\n\n");
  CHECK(policy_reply("554 5.7.1 <a@b>: Relay access denied") == "action=554 5.7.1 <a@b>: Relay access denied\n\n");
  CHECK(policy_reply("REJECT x\ny\rz\0w"s) == "action=REJECT x y z w\n\n");
  CHECK(policy_reply(std::string(5000, 'a')).size() == 7 + kPolicyMaxAction + 2);
}

TEST_CASE("policy: a client reads replies as Postfix does", "[unit]") {
  auto r = parse_policy_reply("foo=bar\naction=OK\naction=REJECT\n\nrest");
  CHECK(r.ok);
  CHECK(r.action == "OK");
  CHECK(r.consumed == 33);
  CHECK(!parse_policy_reply("action=OK\n").ok);
  auto missing = parse_policy_reply("foo=bar\n\n");
  CHECK(!missing.ok);
  CHECK(missing.consumed == 9);
  CHECK(policy_request({{"a", "1"}, {"b", ""}}) == "a=1\nb=\n\n");
}
