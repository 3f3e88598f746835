#!/usr/bin/python3
"""lookupd when MariaDB goes away and comes back: never lose mail.

lookupd (short cache TTL, long stale window) serves a private Postfix through
socketmap. Keys are warmed, the TTL is let expire, MariaDB is stopped:
  * warmed keys still answer their old value (stale) and lookupd logs it;
  * keys never seen answer TEMP: `postmap -q` fails with the temporary-error
    message, and Postfix answers 451 4.3.0 to swaks, never 5xx;
then MariaDB is restarted and lookupd must recover by itself (bounded poll).
Also: keys carrying SQL-injection text are looked up literally.
Run standalone or under meson.
"""

import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import common, pfa  # noqa: E402
from harness.lookupd import Lookupd, require_binary  # noqa: E402
from harness.postfix import Postfix  # noqa: E402
from harness.smtp import RcptProber, rcpt_reply, swaks  # noqa: E402

CACHE_TTL = 2          # seconds; warmed entries are stale after this
RECOVERY_TIMEOUT = 150  # lookupd must answer again within this after MariaDB is back

# (map, key) pairs warmed while MariaDB is up: hits and misses.
WARM = [("virtual_mailbox", "alice@example.com"), ("virtual_alias", "info@example.com"),
        ("virtual_alias", "random@other.org"), ("virtual_mailbox", "nobody@example.com"),
        ("domains", "example.com"), ("alias", "bob@example.com")]
# Never looked up before MariaDB stops.
COLD = [("virtual_mailbox", "dave@other.org"), ("virtual_alias", "sales@other.org"),
        ("alias", "postmaster@example.com"), ("virtual_mailbox", "ghost@example.com")]
COLD_RCPTS = ["ghost1@example.com", "sales+x@other.org", "dave@catch.example", "jane@example.net"]

STACK = LOOKUPD = PF = None


def setUpModule():
    global STACK, LOOKUPD, PF
    try:
        STACK = pfa.PfaStack().start()
        LOOKUPD = Lookupd(maps=STACK.lookupd_maps(), address_maps=list(pfa.ADDRESS_MAPS),
                          tcp_maps=["virtual_mailbox", "virtual_alias"],
                          params={"lookupd_cache_ttl": "%ds" % CACHE_TTL, "lookupd_stale_max": "1h"})
        LOOKUPD.start()
        PF = Postfix(main={
            "virtual_mailbox_domains": LOOKUPD.socketmap("domains"),
            "virtual_alias_maps": LOOKUPD.socketmap("virtual_alias"),
            "virtual_mailbox_maps": LOOKUPD.socketmap("virtual_mailbox"),
        })
        PF.start()
    except BaseException:
        tearDownModule()
        raise


def tearDownModule():
    problem = LOOKUPD.stop_and_check() if LOOKUPD is not None else None
    for obj in (PF, LOOKUPD, STACK):
        if obj is not None:
            try:
                obj.cleanup()
            except Exception as e:  # noqa: BLE001 - keep stopping the others
                print("cleanup: %s" % e, file=sys.stderr)
    if problem:
        raise RuntimeError(problem)


def q(key, m, via="socketmap"):
    if via == "tcp":
        return PF.postmap_q(key, LOOKUPD.tcp(m))
    return PF.postmap_q(key, LOOKUPD.socketmap(m))


class DatabaseOutage(unittest.TestCase):
    """One ordered scenario (unittest runs methods alphabetically: one method)."""

    def test_outage_and_recovery(self):
        # 1. Warm: lookupd answers like Postfix's mysql: path while MariaDB is up.
        warmed = {}
        for m, key in WARM:
            r = q(key, m)
            warmed[(m, key)] = (r.returncode, r.stdout)
        self.assertEqual(warmed[("virtual_mailbox", "alice@example.com")], (0, "example.com/alice/\n"))
        self.assertEqual(warmed[("virtual_mailbox", "nobody@example.com")][0], 1)
        with RcptProber(PF.port) as p:  # warms the Postfix-side keys too
            self.assertRegex(p.rcpt("alice@example.com"), r"^250 ")
            self.assertRegex(p.rcpt("nobody@example.com"), r"^550 5\.1\.1 ")
        for m, key in [("virtual_mailbox", "alice@example.com"), ("virtual_alias", "info@example.com")]:
            r = q(key, m, via="tcp")
            warmed[("tcp", m, key)] = (r.returncode, r.stdout)
        time.sleep(CACHE_TTL + 1)

        # 2. MariaDB down.
        log_mark = len(LOOKUPD.log_text())
        STACK.db.stop()
        self.assertFalse(STACK.db.running())
        try:
            for m, key in WARM:
                r = q(key, m)
                want = warmed[(m, key)]
                if want[0] == 0:
                    self.assertEqual((r.returncode, r.stdout), want,
                                     "stale answer for %s %r; stderr %s" % (m, key, r.stderr))
                else:  # a cached "not found" may be served stale or turn into TEMP, never a value
                    self.assertEqual(r.stdout, "", "%s %r" % (m, key))
                    self.assertEqual(r.returncode, 1, "%s %r" % (m, key))
            for m, key in [("virtual_mailbox", "alice@example.com"), ("virtual_alias", "info@example.com")]:
                r = q(key, m, via="tcp")
                self.assertEqual((r.returncode, r.stdout), warmed[("tcp", m, key)], "tcp stale %s" % key)
            common.wait_for(lambda: re.search(r"stale", LOOKUPD.log_text()[log_mark:], re.I), 10,
                            what="lookupd log line about serving stale answers")

            for m, key in COLD:
                r = q(key, m)
                self.assertEqual(r.returncode, 1, key)
                self.assertEqual(r.stdout, "", key)
                self.assertRegex(r.stderr, r"socketmap server temporary error", key)
                self.assertRegex(r.stderr, r"fatal: table socketmap:.*query error", key)
                r = q(key, m, via="tcp") if m in ("virtual_mailbox", "virtual_alias") else None
                if r is not None:
                    self.assertEqual((r.returncode, r.stdout), (1, ""), key)
                    self.assertRegex(r.stderr, r"fatal: table tcp:.*query error", key)

            pf_mark = PF.log_mark()
            with RcptProber(PF.port) as p:
                self.assertRegex(p.rcpt("alice@example.com"), r"^250 ", "stale mailbox must still be accepted")
                for rcpt in COLD_RCPTS:
                    reply = p.rcpt(rcpt)
                    self.assertNotRegex(reply, r"^5", "5xx while the database is down: " + rcpt)
                    self.assertRegex(reply, r"^451 4\.3\.0 ", rcpt)
            rc, out = swaks(PF.port, "ghost2@example.com")
            self.assertRegex(rcpt_reply(out) or out, r"^451 4\.3\.0 <ghost2@example\.com>: Temporary lookup failure")
            PF.wait_log(r"socketmap server temporary error", since=pf_mark)
            self.assertTrue(LOOKUPD.running(), "lookupd must keep running without its database")
        finally:
            # 3. MariaDB back: lookupd recovers by itself.
            STACK.db.start()

        # Every table (each .cf has its own connections) must come back by itself.
        want_after = {("virtual_mailbox", "dave@other.org"): (0, "other.org/dave/\n"),
                      ("virtual_alias", "sales@other.org"): (0, "dave@other.org,info@example.com\n"),
                      ("alias", "postmaster@example.com"): (0, "alice@example.com\n"),
                      ("virtual_mailbox", "ghost@example.com"): (1, ""),
                      ("domains", "other.org"): (0, "other.org\n")}
        last = {}

        def answers():
            for (m, key), want in want_after.items():
                r = q(key, m)
                last[(m, key)] = (r.returncode, r.stdout, r.stderr)
                if (r.returncode, r.stdout) != want:
                    return False
            return True
        t0 = time.monotonic()
        try:
            common.wait_for(answers, RECOVERY_TIMEOUT, interval=1, what="lookupd to answer again after MariaDB restart")
        except TimeoutError as e:
            self.fail("%s; last answers %r\nlookupd log:\n%s" % (e, last, LOOKUPD.log_text()[-3000:]))
        print("lookupd recovered %.1fs after MariaDB restart" % (time.monotonic() - t0), file=sys.stderr)
        def accepted():
            with RcptProber(PF.port) as p:
                return p.rcpt("ghost3@other.org").startswith("250 ")
        common.wait_for(accepted, 30, interval=1, what="Postfix accepting catch-all mail again")


class Injection(unittest.TestCase):

    def test_injection_keys_literal(self):
        count = STACK.db.sql("SELECT COUNT(*) FROM alias").strip()
        for key in ["' OR '1'='1", "' OR '1'='1@example.com", "x' OR 1=1 -- @example.com",
                    "'; DELETE FROM alias; --@example.com", "\\'; DROP TABLE alias; --@example.com"]:
            for m in ("alias", "virtual_alias", "virtual_mailbox"):
                r = q(key, m)
                self.assertEqual((r.returncode, r.stdout), (1, ""), "%s %r: %s" % (m, key, r.stderr))
        r = q("X' OR '1'='1@Example.com", "virtual_alias")
        self.assertEqual((r.returncode, r.stdout), (0, "alice@example.com\n"))
        self.assertEqual(STACK.db.sql("SELECT COUNT(*) FROM alias").strip(), count)


if __name__ == "__main__":
    common.preflight([lambda: common.require("postfix", "postfix"),
                      lambda: common.require("swaks", "swaks"),
                      lambda: common.require("mariadbd", "mariadb-server"),
                      require_binary])
    unittest.main(verbosity=2)
