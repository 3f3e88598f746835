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

TEST_CASE("PASSWD as authtest sends it; fields split on TAB only", "[unit]") {
  std::string req = "PASSWD imap\tjoe@example.com\told pw=1\tnew pw\n";
  auto p = parse_authdaemon(req + "junk");
  REQUIRE(p.kind == Kind::Request);
  CHECK(p.consumed == req.size());
  CHECK(p.request.command == AuthdaemonRequest::Command::Passwd);
  CHECK(p.request.invalid.empty());
  CHECK(p.request.service == "imap");
  CHECK(p.request.user == "joe@example.com");
  CHECK(p.request.password == "old pw=1");
  CHECK(p.request.new_password == "new pw");
  CHECK(parse_authdaemon("PASSWD imap\tjoe\told\tne").kind == Kind::NeedMore);
}

TEST_CASE("unusable PASSWD requests are answered FAIL, not dropped", "[unit]") {
  struct {
    std::string in, want_invalid;
  } cases[] = {
      {"PASSWD imap\tjoe\told\n", "PASSWD request with fewer than 4 fields"},
      {"PASSWD imap\tjoe\told\tnew\textra\n", "PASSWD request with more than 4 fields"},
      {"PASSWD imap\tjoe\t\tnew\n", "PASSWD request with an empty field"},
      {"PASSWD imap\tjoe\told\t\n", "PASSWD request with an empty field"},
      {std::string("PASSWD imap\tjoe\to\x01ld\tnew\n"), "control character in PASSWD request"},
      {"PASSWD imap\tjoe\told\tn\rew\n", "control character in PASSWD request"},
      {"PASSWD\n", "PASSWD request with fewer than 4 fields"},
  };
  for (const auto& c : cases) {
    INFO(c.in);
    auto p = parse_authdaemon(c.in);
    REQUIRE(p.kind == Kind::Request);
    CHECK(p.request.command == AuthdaemonRequest::Command::Passwd);
    CHECK(p.request.invalid == c.want_invalid);
    CHECK(p.request.invalid.find("old") == std::string::npos);  // no client data in the reason
  }
}

TEST_CASE("ENUMERATE, and the listing line format", "[unit]") {
  auto p = parse_authdaemon("ENUMERATE\n");
  REQUIRE(p.kind == Kind::Request);
  CHECK(p.request.command == AuthdaemonRequest::Command::Enumerate);
  CHECK(p.consumed == 10);
  CHECK(parse_authdaemon("ENUMERATE").kind == Kind::NeedMore);
  CHECK(parse_authdaemon("ENUMERATE all\n").kind == Kind::Error);
  CHECK(parse_authdaemon("enumerate\n").kind == Kind::Error);
  CHECK(saslcheck::authdaemon_enumerate_line("joe@example.com", "5000", "5000", "/var/vmail",
                                             "/var/vmail/example.com/joe/", "") ==
        "joe@example.com\t5000\t5000\t/var/vmail\t/var/vmail/example.com/joe/\t\n");
  CHECK(saslcheck::authdaemon_enumerate_line("a\tb", "1", "2", "/h", "m\nFAIL", "x\r") ==
        "a?b\t1\t2\t/h\tm?FAIL\tx?\n");
  // Found by fuzz_authdaemon: an empty first field still keeps six fields.
  CHECK(saslcheck::authdaemon_enumerate_line("", "1", "2", "", "", "") == "\t1\t2\t\t\t\n");
}
