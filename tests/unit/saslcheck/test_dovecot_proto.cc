// test_dovecot_proto.cc - Dovecot auth-client lines as Postfix sends them,
// handshake order Postfix requires, malformed input.
#include <catch2/catch.hpp>

#include "saslcheck/dovecot_proto.h"

using saslcheck::DovecotCommand;
using saslcheck::parse_dovecot_command;

TEST_CASE("Postfix's lines parse", "[unit]") {
  auto v = parse_dovecot_command("VERSION\t1\t0");
  REQUIRE(v.ok());
  CHECK(v->type == DovecotCommand::Type::Version);
  CHECK(parse_dovecot_command("CPID\t4242").ok());
  auto a = parse_dovecot_command(
      "AUTH\t7\tplain\tservice=smtp\tnologin\tlip=127.0.0.1\trip=127.0.0.2\tsecured\tresp=AGpvZQBzZWNyZXQ=");
  REQUIRE(a.ok());
  CHECK(a->type == DovecotCommand::Type::Auth);
  CHECK(a->id == 7);
  CHECK(a->mech == "PLAIN");
  CHECK(a->service == "smtp");
  CHECK(a->secured);
  CHECK(a->resp == std::optional<std::string>("AGpvZQBzZWNyZXQ="));
  auto n = parse_dovecot_command("AUTH\t8\tLOGIN\tservice=smtp\tnologin\tlip=\trip=\tresp=");
  REQUIRE(n.ok());
  CHECK_FALSE(n->resp.has_value());  // minor 0: empty resp= means none
  auto c = parse_dovecot_command("CONT\t8\tam9l");
  REQUIRE(c.ok());
  CHECK(c->type == DovecotCommand::Type::Cont);
  CHECK(c->resp == std::optional<std::string>("am9l"));
}

TEST_CASE("bad Dovecot lines are errors", "[unit]") {
  for (const char* bad :
       {"VERSION\t2\t0", "VERSION", "HELLO", "AUTH\t0\tPLAIN\tservice=smtp", "AUTH\tx\tPLAIN", "AUTH\t1",
        "AUTH\t1\tPLAIN", "AUTH\t99999999999\tPLAIN\tservice=smtp", "CONT", "CPID\tx", ""}) {
    INFO(bad);
    CHECK_FALSE(parse_dovecot_command(bad).ok());
  }
}

TEST_CASE("line splitting and limits", "[unit]") {
  auto l = saslcheck::next_dovecot_line("CPID\t1\nVERSION");
  CHECK(l.kind == saslcheck::DovecotLine::Kind::Line);
  CHECK(l.line == "CPID\t1");
  CHECK(l.consumed == 7);
  CHECK(saslcheck::next_dovecot_line("CPID").kind == saslcheck::DovecotLine::Kind::NeedMore);
  CHECK(saslcheck::next_dovecot_line(std::string(16385, 'a')).kind == saslcheck::DovecotLine::Kind::Error);
}

TEST_CASE("handshake has MECH before SPID, replies escape", "[unit]") {
  auto h = saslcheck::dovecot_handshake(false, 10, 1, "00ff");
  CHECK(h ==
        "VERSION\t1\t2\nMECH\tPLAIN\tplaintext\nMECH\tLOGIN\tplaintext\nSPID\t10\nCUID\t1\nCOOKIE\t00ff\nDONE"
        "\n");
  auto hc = saslcheck::dovecot_handshake(true, 10, 1, "00");
  CHECK(hc.find("MECH\tCRAM-MD5") < hc.find("SPID"));
  CHECK(saslcheck::dovecot_cont(3, "") == "CONT\t3\t\n");
  CHECK(saslcheck::dovecot_ok(3, "a\tb") == "OK\t3\tuser=a?b\n");
  CHECK(saslcheck::dovecot_fail(3, "", "") == "FAIL\t3\n");
  CHECK(saslcheck::decode_sasl_data("=") == std::optional<std::string>(""));
}
