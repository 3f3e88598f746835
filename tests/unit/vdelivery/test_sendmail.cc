// test_sendmail.cc - the sendmail(1) invocation: arguments, stdin, failures,
// timeout. A small shell script stands in for sendmail and records what it got.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "tests/unit/vdelivery/temp_maildir.h"
#include "vdelivery/sendmail.h"

using namespace vdelivery;
using namespace vdelivery_test;
using namespace std::chrono_literals;

namespace {
std::string script(const TempDir& tmp, const std::string& body) {
  std::string path = tmp.path() + "/fake-sendmail";
  write_file(path, "#!/bin/sh\n" + body);
  chmod(path.c_str(), 0755);
  return path;
}
}  // namespace

TEST_CASE("sendmail: argv has -i, the null sender and the recipient", "[unit]") {
  CHECK(sendmail_argv("/usr/sbin/sendmail", "ann@client.test") ==
        std::vector<std::string>{"/usr/sbin/sendmail", "-i", "-f", "<>", "ann@client.test"});
  CHECK(sendmail_argv("/usr/sbin/sendmail  -C /etc/pf2", "a@b") ==
        std::vector<std::string>{"/usr/sbin/sendmail", "-C", "/etc/pf2", "-i", "-f", "<>", "a@b"});
}

TEST_CASE("sendmail: message on stdin, arguments as given", "[unit]") {
  TempDir tmp;
  std::string cmd = script(tmp, "for a in \"$@\"; do echo \"[$a]\"; done > " + tmp.path() + "/argv\ncat > " +
                                    tmp.path() + "/stdin\necho noise on stdout\n");
  std::string msg = "Subject: x\n\n.\nline after a lone dot\n";
  auto st = send_mail(cmd + " -C /x", "ann@client.test", msg, 5000ms);
  REQUIRE(st);
  CHECK(read_file(tmp.path() + "/argv") == "[-C]\n[/x]\n[-i]\n[-f]\n[<>]\n[ann@client.test]\n");
  CHECK(read_file(tmp.path() + "/stdin") == msg);
}

TEST_CASE("sendmail: failures carry the status and what sendmail said", "[unit]") {
  TempDir tmp;
  auto st = send_mail(script(tmp, "echo 'postdrop: warning: unable to look up public/pickup' >&2\nexit 75\n"),
                      "a@b.test", "x\n", 5000ms);
  REQUIRE_FALSE(st);
  CHECK(st.error().text.find("exit status 75") != std::string::npos);
  CHECK(st.error().text.find("unable to look up public/pickup") != std::string::npos);

  auto slow = send_mail(script(tmp, "exec sleep 10\n"), "a@b.test", "x\n", 200ms);
  REQUIRE_FALSE(slow);
  CHECK(slow.error().text.find("killed after 200 ms") != std::string::npos);

  auto missing = send_mail(tmp.path() + "/nonexistent", "a@b.test", "x\n", 1000ms);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().text.find("cannot run") != std::string::npos);

  CHECK_FALSE(send_mail("sendmail", "a@b.test", "x\n", 1000ms));
}
