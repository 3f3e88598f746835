// test_recipient.cc - address split, mailbox lookup, paths, folders.
#include <catch2/catch.hpp>

#include "core/mailbox/recipient.h"

using namespace core::mailbox;

TEST_CASE("recipient: split with recipient_delimiter", "[unit]") {
  struct Case {
    std::string in, delim, want_user, want_ext, want_key;
  };
  std::vector<Case> cases{
      {"joe@Example.COM", "+", "joe", "", "joe@example.com"},
      {"Joe+Lists@example.com", "+", "Joe", "Lists", "joe@example.com"},
      {"joe-a+b@example.com", "+-", "joe", "a+b", "joe@example.com"},
      {"+x@example.com", "+", "+x", "", "+x@example.com"},
      {"joe+x@example.com", "", "joe+x", "", "joe+x@example.com"},
      {"\"a@b\"@example.com", "+", "\"a@b\"", "", "\"a@b\"@example.com"},
  };
  for (const auto& c : cases) {
    INFO(c.in);
    auto a = split_address(c.in, c.delim);
    CHECK(a.user == c.want_user);
    CHECK(a.extension == c.want_ext);
    CHECK(a.key() == c.want_key);
  }
}

TEST_CASE("recipient: mailbox lookup order and errors", "[unit]") {
  auto t =
      core::table::open_checked("inline:{joe@ex.com=ex.com/joe/, joe+special@ex.com=ex.com/special/}", {});
  REQUIRE(t);
  auto& maps = **t;
  auto r1 = find_mailbox(maps, split_address("joe+x@ex.com", "+"));
  REQUIRE(r1);
  CHECK(**r1 == "ex.com/joe/");
  auto r2 = find_mailbox(maps, split_address("joe+special@ex.com", "+"));
  REQUIRE(r2);
  CHECK(**r2 == "ex.com/special/");
  auto r3 = find_mailbox(maps, split_address("nobody@ex.com", "+"));
  REQUIRE(r3);
  CHECK_FALSE(r3->has_value());
  core::table::FailTable fail(core::retry_error("db down"));
  auto r4 = find_mailbox(fail, split_address("joe@ex.com", "+"));
  REQUIRE_FALSE(r4);
  CHECK(r4.error().retry());
}

TEST_CASE("recipient: maildir path stays under mailbox_base", "[unit]") {
  CHECK(*maildir_path("/var/vmail", "ex.com/joe/") == "/var/vmail/ex.com/joe");
  CHECK(*maildir_path("/var/vmail/", "joe@ex.com/") == "/var/vmail/joe@ex.com");
  for (std::string bad : {"", "/", "/etc/x/", "../x/", "ex.com/../../x", "a/./b"}) {
    INFO(bad);
    auto p = maildir_path("/var/vmail", bad);
    REQUIRE_FALSE(p);
    CHECK_FALSE(p.error().retry());
  }
}

TEST_CASE("recipient: extension folder names", "[unit]") {
  CHECK(extension_folder("lists") == ".lists");
  CHECK(extension_folder("a.b") == ".a.b");
  CHECK(extension_folder("") == "");
  CHECK(extension_folder(".x") == "");
  CHECK(extension_folder("a/b") == "");
  CHECK(extension_folder("a..b") == "");
  CHECK(extension_folder(std::string("a\nb")) == "");
}
