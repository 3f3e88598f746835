// test_maildir.cc - unique names, maildir creation, tmp -> new.
#include <catch2/catch.hpp>

#include "tests/unit/vdelivery/temp_maildir.h"
#include "vdelivery/maildir.h"

using namespace vdelivery;
using namespace vdelivery_test;

TEST_CASE("maildir: unique names", "[unit]") {
  UniqueName u{1795800051, 505717, 3183, escape_host("mx/a:b")};
  CHECK(u.host == "mx\\057a\\072b");
  CHECK(tmp_name(u) == "1795800051.M505717P3183.mx\\057a\\072b");
  CHECK(new_name(u, 0xfe00, 0xa7417e, 4096) == "1795800051.M505717P3183Vfe00Ia7417e.mx\\057a\\072b,S=4096");
  // Two deliveries in one second from one process differ by usec; from two processes by pid.
  UniqueName v = u;
  v.pid = 3184;
  CHECK(tmp_name(u) != tmp_name(v));
}

TEST_CASE("maildir: size from the name (Dovecot's rule)", "[unit]") {
  CHECK(name_size("1.M1P1.h,S=4096") == 4096);
  CHECK(name_size("cur/1.M1P1.h,S=4096,W=4200:2,S") == 4096);
  CHECK(name_size("1.M1P1.h,S=12:2,") == 12);
  CHECK_FALSE(name_size("1.M1P1.h"));
  CHECK_FALSE(name_size("1.M1P1.h,S=12x"));
  CHECK_FALSE(name_size("1.M1P1.h,S="));
}

TEST_CASE("maildir: create, write, commit", "[unit]") {
  TempDir tmp;
  std::string dir = tmp.path() + "/dom/joe";
  REQUIRE_FALSE(ensure_maildir(dir, false));
  for (const char* sub : {"/tmp", "/new", "/cur"}) {
    struct stat st;
    REQUIRE(stat((dir + sub).c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);
  }
  CHECK(read_file(dir + "/maildirfolder").empty());
  std::string path;
  {
    TmpFile f;
    REQUIRE_FALSE(f.create(dir, {1, 2, 3, "h"}));
    REQUIRE_FALSE(f.write_all("Return-Path: <>\n", "body\n", "\n"));
    CHECK(f.size() == 22);
    CHECK(files(dir + "/tmp").size() == 1);
    REQUIRE_FALSE(f.commit(true, &path));
  }
  CHECK(files(dir + "/tmp").empty());
  auto n = files(dir + "/new");
  REQUIRE(n.size() == 1);
  CHECK(n[0].find(",S=22") != std::string::npos);
  CHECK(read_file(path) == "Return-Path: <>\nbody\n\n");
}

TEST_CASE("maildir: an uncommitted tmp file is removed", "[unit]") {
  TempDir tmp;
  std::string dir = tmp.path() + "/joe";
  REQUIRE_FALSE(ensure_maildir(dir, false));
  {
    TmpFile f;
    REQUIRE_FALSE(f.create(dir, {1, 2, 3, "h"}));
    REQUIRE_FALSE(f.write_all("partial"));
  }
  CHECK(files(dir + "/tmp").empty());
  CHECK(files(dir + "/new").empty());
}

TEST_CASE("maildir: folder gets maildirfolder; create failure defers", "[unit]") {
  TempDir tmp;
  REQUIRE_FALSE(ensure_maildir(tmp.path() + "/joe/.lists", true));
  CHECK(std::filesystem::exists(tmp.path() + "/joe/.lists/maildirfolder"));
  write_file(tmp.path() + "/file", "x");
  auto err = ensure_maildir(tmp.path() + "/file/joe", false);
  REQUIRE(err);
  CHECK(err->exit_code == kExTempFail);
  CHECK(err->dsn == "4.3.0");
}
