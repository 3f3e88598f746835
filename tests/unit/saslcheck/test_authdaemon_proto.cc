// test_authdaemon_proto.cc - the authdaemond request parser with the exact
// bytes Cyrus SASL and Courier's authtest send, and malformed input.
#include <catch2/catch.hpp>

#include "saslcheck/authdaemon_proto.h"
#include "saslcheck/encoding.h"

using saslcheck::AuthdaemonParse;
using saslcheck::AuthdaemonRequest;
using saslcheck::parse_authdaemon;
using Kind = AuthdaemonParse::Kind;

TEST_CASE("Cyrus SASL request, trailing newline not counted", "[unit]") {
  std::string payload = "smtp\nlogin\njoe@example.com\nsecret\n";
  std::string req = "AUTH " + std::to_string(payload.size()) + "\n" + payload + "\n";
  auto p = parse_authdaemon(req);
  REQUIRE(p.kind == Kind::Request);
  CHECK(p.consumed == req.size() - 1);
  CHECK(p.request.command == AuthdaemonRequest::Command::Auth);
  CHECK(p.request.service == "smtp");
  CHECK(p.request.authtype == "login");
  CHECK(p.request.user == "joe@example.com");
  CHECK(p.request.password == "secret");
  // Every prefix of it needs more.
  for (size_t n = 0; n < req.size() - 1; ++n)
    CHECK(parse_authdaemon(req.substr(0, n)).kind == Kind::NeedMore);
}

TEST_CASE("authtest request with meta line, and PRE", "[unit]") {
  auto p = parse_authdaemon("TCPREMOTEIP=::1\nAUTH 26\nlogin\nlogin\nann@ex.org\npw\n");
  REQUIRE(p.kind == Kind::Request);
  CHECK(p.request.remote_ip == "::1");
  CHECK(p.request.user == "ann@ex.org");
  CHECK(p.request.password == "pw");
  auto pre = parse_authdaemon("TCPREMOTEIP=::1\nPRE . login ann@ex.org\n");
  REQUIRE(pre.kind == Kind::Request);
  CHECK(pre.request.command == AuthdaemonRequest::Command::Pre);
  CHECK(pre.request.service == "login");
  CHECK(pre.request.user == "ann@ex.org");
}

TEST_CASE("cram-md5 authdata", "[unit]") {
  std::string data = "imap\ncram-md5\n" + saslcheck::base64_encode("<1.2@x>") + "\n" +
                     saslcheck::base64_encode("joe b913a602c7eda7a495b4e6e7334d3890") + "\n";
  auto p = parse_authdaemon("AUTH " + std::to_string(data.size()) + "\n" + data);
  REQUIRE(p.kind == Kind::Request);
  CHECK(p.request.challenge == "<1.2@x>");
  CHECK(p.request.user == "joe");
  CHECK(p.request.digest == "b913a602c7eda7a495b4e6e7334d3890");
}

TEST_CASE("malformed requests are errors", "[unit]") {
  const char* bad[] = {
      "HELLO\n",
      "AUTH\n",
      "AUTH x\n",
      "AUTH -1\n",
      "AUTH 0\n",
      "AUTH 8192\n",
      "AUTH 123456\n",
      "AUTH 6\nsmtp\n\n",                     // no authtype
      "AUTH 21\nimap\ncram-md5\n!!!!\nxx\n",  // bad base64
      "PRE . login\n",
      "PRE\n",
      "auth 5\n",
  };
  for (const char* b : bad) {
    INFO(b);
    auto p = parse_authdaemon(b);
    CHECK(p.kind == Kind::Error);
    CHECK_FALSE(p.error.empty());
  }
  CHECK(parse_authdaemon(std::string(8191, 'A')).kind == Kind::Error);
  CHECK(parse_authdaemon(std::string(8190, 'A')).kind == Kind::NeedMore);
}

TEST_CASE("success reply cannot be forged by values", "[unit]") {
  auto r = saslcheck::authdaemon_success({{"UID", "5000"}, {"NAME", "Joe\nFAIL"}});
  CHECK(r == "UID=5000\nNAME=Joe?FAIL\n.\n");
}
