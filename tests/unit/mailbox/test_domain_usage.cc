// test_domain_usage.cc - the per-domain running total.
#include <catch2/catch.hpp>

#include "tests/unit/vdelivery/temp_maildir.h"
#include "core/mailbox/domain_usage.h"

using namespace core::mailbox;
using namespace vdelivery_test;

TEST_CASE("domain_usage: add, read, compact", "[unit]") {
  TempDir tmp;
  DomainUsage d(tmp.path() + "/domains", "ex.com");
  CHECK(*d.read() == Usage{0, 0});
  REQUIRE(d.add(100, 1));
  REQUIRE(d.add(-40, -1));
  CHECK(*d.read() == Usage{60, 0});
  for (int i = 0; i < 2000; ++i) REQUIRE(d.add(1, 1));
  CHECK(*d.read() == Usage{2060, 2000});
  CHECK(read_file(tmp.path() + "/domains/ex.com").size() < 5120 + 20);
}
