// test_header_scan.cc - header end, Return-Path, Delivered-To.
#include <catch2/catch.hpp>

#include "vdelivery/header_scan.h"

using namespace vdelivery;

TEST_CASE("header_scan: cases", "[unit]") {
  struct Case {
    std::string name, msg;
    size_t want_end;
    bool want_rp;
    std::vector<std::string> want_dt;
  };
  std::vector<Case> cases{
      {"simple", "Subject: x\n\nbody\n", 12, false, {}},
      {"crlf", "Subject: x\r\n\r\nbody\r\n", 14, false, {}},
      {"return-path any case", "return-PATH: <a@b>\nX: y\n\nb", 25, true, {}},
      {"delivered-to folded", "Delivered-To: a@b\nDelivered-to:\n  c@d\n\nb", 39, false, {"a@b", "c@d"}},
      {"no header", "just body\n", 0, false, {}},
      {"no body", "Subject: x\n", 11, false, {}},
      {"header then non-header line", "Subject: x\nnot a header\n", 11, false, {}},
      {"Return-Path in body is not seen", "S: x\n\nReturn-Path: <a>\n", 6, false, {}},
      {"empty message", "", 0, false, {}},
      {"space before colon is not a field", "Return-Path : <x>\n\n", 0, false, {}},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    auto h = scan_header(c.msg);
    CHECK(h.header_end == c.want_end);
    CHECK(h.has_return_path == c.want_rp);
    CHECK(h.delivered_to == c.want_dt);
  }
}

TEST_CASE("header_scan: field limit bounds the work", "[unit]") {
  std::string msg;
  for (int i = 0; i < 50; ++i) msg += "X: y\n";
  msg += "Return-Path: <a>\n\n";
  CHECK_FALSE(scan_header(msg, 10).has_return_path);
  CHECK(scan_header(msg).has_return_path);
}

TEST_CASE("header_scan: iequals", "[unit]") {
  CHECK(iequals("Joe@Example.COM", "joe@example.com"));
  CHECK_FALSE(iequals("joe@example.com", "joe@example.co"));
}
