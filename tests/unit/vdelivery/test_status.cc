// test_status.cc - outcomes, exit codes, enhanced status codes.
#include <catch2/catch.hpp>
#include <cerrno>

#include "vdelivery/status.h"

using namespace vdelivery;

TEST_CASE("status: outcomes", "[unit]") {
  CHECK(delivered("ok").line() == "2.0.0 ok");
  CHECK(delivered("ok").exit_code == 0);
  CHECK(unknown_user("a@b").exit_code == kExNoUser);
  CHECK(unknown_user("a@b").line() == "5.1.1 unknown user: \"a@b\"");
  CHECK(from_error(core::retry_error("db down")).line() == "4.3.0 db down");
  CHECK(from_error(core::retry_error("db down")).exit_code == kExTempFail);
  CHECK(from_error(core::config_error("bad")).exit_code == kExTempFail);
  CHECK(from_error(core::config_error("bad")).dsn == "4.3.5");
  CHECK(from_errno(ENOSPC, "write x").line() ==
        "4.3.0 maildir delivery failed: write x: No space left on device");
  CHECK(from_errno(EDQUOT, "write x").dsn == "4.2.2");
  CHECK(from_errno(EIO, "write x").exit_code == kExTempFail);
  CHECK(bounced(kExCantCreat, "5.2.2", "full").status_word() == "bounced");
  CHECK(deferred("4.2.2", "full").status_word() == "deferred");
}
