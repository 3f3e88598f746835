// test_rate_counter.cc - window arithmetic and the counter SQL text (no server).
#include <catch2/catch.hpp>

#include "core/mysql/connection.h"
#include "policyd/rate_counter.h"

using policyd::window_start;

TEST_CASE("fixed windows are aligned to the epoch", "[unit]") {
  struct Case {
    long long now, window, want;
  } cases[] = {
      {0, 60, 0},         {59, 60, 0},           {60, 60, 60},          {61, 60, 60},
      {1700000000, 3600, 1699999200}, {1700002799, 3600, 1699999200}, {1700002800, 3600, 1700002800},
      {1700000000, 1, 1700000000},    {1700000000, 86400, 1699920000}, {-1, 60, -60},
      {-60, 60, -60},     {5, 0, 5},
  };
  for (const auto& c : cases) {
    INFO(c.now << " / " << c.window);
    CHECK(window_start(c.now, c.window) == c.want);
  }
  // Every second of a window maps to its start; the next second starts the next window.
  for (long long t = 1000; t < 1000 + 3 * 7; ++t) CHECK(window_start(t, 7) == t - (t % 7));
}

TEST_CASE("counter SQL text", "[unit]") {
  policyd::SqlEscape esc = [](std::string_view s) { return core::mysql::escape_string(s); };
  CHECK(policyd::bump_sql(esc, "bob@example.org", 1699999200, 3) ==
        "INSERT INTO vmailkit_rate_counter (login, window_start, messages, recipients) "
        "VALUES ('bob@example.org', 1699999200, 1, 3) ON DUPLICATE KEY UPDATE "
        "messages = IF(window_start = 1699999200, messages + 1, 1), "
        "recipients = IF(window_start = 1699999200, recipients + 3, 3), "
        "window_start = 1699999200");
  CHECK(policyd::read_sql(esc, "bob@example.org") ==
        "SELECT messages, recipients FROM vmailkit_rate_counter WHERE login = 'bob@example.org'");
  CHECK(policyd::undo_sql(esc, "bob@example.org", 60, 2) ==
        "UPDATE vmailkit_rate_counter SET messages = GREATEST(messages - 1, 0), "
        "recipients = GREATEST(recipients - 2, 0) WHERE login = 'bob@example.org' AND window_start = 60");
}

TEST_CASE("counter SQL escapes the login", "[unit]") {
  policyd::SqlEscape esc = [](std::string_view s) { return core::mysql::escape_string(s); };
  std::string evil = "x' OR '1'='1\\";
  for (const auto& sql : {policyd::bump_sql(esc, evil, 0, 1), policyd::read_sql(esc, evil),
                          policyd::undo_sql(esc, evil, 0, 1)}) {
    INFO(sql);
    CHECK(sql.find("'x\\' OR \\'1\\'=\\'1\\\\'") != std::string::npos);
    CHECK(sql.find("x' OR") == std::string::npos);
  }
}
