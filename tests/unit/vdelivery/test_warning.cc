// test_warning.cc - the quota warning goes out once per crossing.
#include <fmt/format.h>

#include <catch2/catch.hpp>

#include "tests/unit/vdelivery/temp_maildir.h"
#include "vdelivery/maildir.h"
#include "vdelivery/warning.h"

using namespace vdelivery;
using namespace vdelivery_test;

TEST_CASE("warning: crossing", "[unit]") {
  CHECK(crosses(790, 800, 1000, 80));
  CHECK_FALSE(crosses(800, 900, 1000, 80));  // already above: no second warning
  CHECK_FALSE(crosses(100, 200, 1000, 80));
  CHECK_FALSE(crosses(100, 900, 1000, 0));
  CHECK_FALSE(crosses(100, 900, 0, 80));
}

TEST_CASE("warning: delivered to the owner's INBOX and counted", "[unit]") {
  TempDir tmp;
  REQUIRE_FALSE(ensure_maildir(tmp.path(), false));
  write_file(tmp.path() + "/maildirsize", "1000S\n0 0\n");
  Settings s;
  s.fsync = false;
  s.quota_warning_percent = 80;
  maybe_send_warning(s, tmp.path(), "joe@ex.com", 700, 850, 1000);
  auto n = files(tmp.path() + "/new");
  REQUIRE(n.size() == 1);
  std::string text = read_file(tmp.path() + "/new/" + n[0]);
  CHECK(text.find("To: <joe@ex.com>\n") != std::string::npos);
  CHECK(text.find("Subject: Mailbox quota warning: 80% used\n") != std::string::npos);
  CHECK(read_file(tmp.path() + "/maildirsize") == fmt::format("1000S\n0 0\n{} 1\n", text.size()));
  maybe_send_warning(s, tmp.path(), "joe@ex.com", 850, 900, 1000);
  CHECK(files(tmp.path() + "/new").size() == 1);
}
