// test_settings.cc - defaults and checks of vdelivery's parameters.
#include <catch2/catch.hpp>

#include "vdelivery/settings.h"

using namespace vdelivery;

namespace {
core::Result<Settings> load(std::string_view text) {
  auto c = core::config::Config::parse(text, "test.cf");
  REQUIRE(c);
  c->add_defaults(kParams);
  return load_settings(*c);
}
}  // namespace

TEST_CASE("vdelivery settings: defaults", "[unit]") {
  auto s = load("mailbox_base = /var/vmail\nmailbox_maps = static:x/\n");
  REQUIRE(s);
  CHECK(s->overquota_message ==
        "Sorry, the user's maildir has overdrawn his diskspace quota, please try again later.");
  CHECK_FALSE(s->overquota_bounce);
  CHECK(s->default_quota == 0);
  CHECK(s->recipient_delimiter == "+");
  CHECK(s->fsync);
  CHECK(s->domain_usage_directory == "/var/vmail/.vdelivery-domains");
}

TEST_CASE("vdelivery settings: values and errors", "[unit]") {
  auto s = load(
      "mailbox_base = /m\nmailbox_maps = static:x/\ndefault_quota = 10m\nvdelivery_overquota_bounce = yes\n"
      "vdelivery_quota_warning_percent = 90\n");
  REQUIRE(s);
  CHECK(s->default_quota == 10 << 20);
  CHECK(s->overquota_bounce);
  CHECK(s->quota_warning_percent == 90);
  CHECK_FALSE(load("mailbox_maps = static:x/\n"));
  CHECK_FALSE(load("mailbox_base = rel\nmailbox_maps = static:x/\n"));
  CHECK_FALSE(load("mailbox_base = /m\n"));
  CHECK_FALSE(load("mailbox_base = /m\nmailbox_maps = static:x/\nvdelivery_quota_warning_percent = 101\n"));
  CHECK_FALSE(load("mailbox_base = /m\nmailbox_maps = static:x/\nvdelivery_overquota_bounce = maybe\n"));
}

TEST_CASE("vdelivery settings: vacation parameters", "[unit]") {
  const std::string base = "mailbox_base = /m\nmailbox_maps = static:x/\n";
  auto s = load(base);
  REQUIRE(s);
  CHECK_FALSE(s->vacation);
  CHECK(s->vacation_require_to);
  CHECK_FALSE(s->vacation_iso2022jp);
  CHECK(s->sendmail_path == "/usr/sbin/sendmail");
  CHECK(s->vacation_timeout == std::chrono::seconds(30));
  s = load(base +
           "vdelivery_vacation = yes\nvdelivery_vacation_database = /etc/postfix/mysql_vacation.cf\n"
           "vdelivery_vacation_charset = ISO-2022-JP\nvdelivery_vacation_require_to = no\n"
           "vdelivery_sendmail_path = /usr/sbin/sendmail -C /etc/pf2\n");
  REQUIRE(s);
  CHECK(s->vacation);
  CHECK(s->vacation_database == "/etc/postfix/mysql_vacation.cf");
  CHECK(s->vacation_iso2022jp);
  CHECK_FALSE(s->vacation_require_to);
  CHECK(s->sendmail_path == "/usr/sbin/sendmail -C /etc/pf2");
  CHECK_FALSE(load(base + "vdelivery_vacation = yes\n"));  // no database
  CHECK_FALSE(load(base + "vdelivery_vacation_charset = shift_jis\n"));
  CHECK_FALSE(load(base + "vdelivery_sendmail_path = sendmail\n"));
  CHECK_FALSE(load(base + "vdelivery_vacation_timeout = 0\n"));
}
