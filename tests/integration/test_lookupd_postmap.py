#!/usr/bin/python3
"""lookupd answers exactly like Postfix's own mysql: tables.

Starts a private MariaDB (schema + Postfix Admin fixture), writes the Postfix
Admin mysql_*.cf files, starts lookupd over them, then for a table of keys
compares Postfix's own client code on both sides:
  lookupd:  postmap -q KEY socketmap:unix:SOCK:NAME, socketmap:inet:..., tcp:127.0.0.1:PORT
  expected: single tables: postmap -q KEY mysql:/same.cf
            address maps:  Postfix's key search (user+ext@d, user@d, @d; each
                           form across the whole map list; first hit), every
                           step run by postmap over the mysql: maps.
stdout and exit status must be identical. Run standalone or under meson.
"""

import concurrent.futures
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import common, pfa  # noqa: E402
from harness.lookupd import Lookupd, require_binary  # noqa: E402
from harness.postfix import Postfix  # noqa: E402

# Keys: found and missing, case, plus-addressing, alias domains, catch-all,
# inactive rows, quotes, backslashes, %, spaces, UTF-8, injection text.
KEYS = [
    "alice@example.com", "Alice@Example.COM", "alice+tag@example.com", "ALICE+Tag@EXAMPLE.com",
    "alice+@example.com", "+alice@example.com", "alice+a+b@example.com",
    "bob@example.com", "info@example.com", "info+x@example.com", "nobody@example.com",
    "nobody+x@example.com", "carol@example.com", "old@example.com", "empty@example.com",
    "ext@example.com", "list+owner@example.com", "list+other@example.com", "list@example.com",
    "postmaster@example.com", "postmaster+x@example.com",
    "alice@example.net", "alice+x@example.net", "info@example.net", "nobody@example.net",
    "alice@old.example", "dave@other.org", "random@other.org", "random+x@other.org",
    "sales@other.org", "@other.org", "@example.com", "@example.net", "zzz@catch.example",
    "dave@catch.example", "@catch.example", "eve@inactive.test",
    "example.com", "other.org", "inactive.test", "example.net", "ALL", "all", "relay.example",
    "alice", "alice@", "@", "", "alice@example.com ", " alice@example.com",
    "jürgen@example.com", "JÜRGEN@example.com", "jürgen+x@example.net", "日本@example.com",
    "日本+x@example.com", "o'brien@example.com", "O'Brien+x@example.com", "o''brien@example.com",
    "back\\slash@example.com", "back\\\\slash@example.com", "back\\@example.com",
    "100%@example.com", "100%25@example.com", "10_%@example.com", "%@example.com", "%s@example.com",
    "john doe@example.com", "John Doe+x@example.com", '"john doe"@example.com', "john  doe@example.com",
    "x' or '1'='1@example.com", "X' OR '1'='1@example.com", "' OR '1'='1", "' OR '1'='1@example.com",
    "alice@example.com' OR '1'='1", "\\' OR 1=1 -- @example.com", "\"; DROP TABLE alias; --@example.com",
    "a\tb@example.com",
]

SINGLE_MAPS = list(pfa.TABLES)
ADDRESS_MAPS = list(pfa.ADDRESS_MAPS)

STACK = None
LOOKUPD = None
PF = None  # only used for its config directory (postmap -c)


def setUpModule():
    global STACK, LOOKUPD, PF
    try:
        STACK = pfa.PfaStack().start()
        # A config dir for postmap -c (not started: postmap needs only main.cf).
        PF = Postfix()
        PF.dir = __import__("tempfile").mkdtemp(prefix="vmk-postmap-")
        PF.port = 0
        PF.write_config()
        names = SINGLE_MAPS + ADDRESS_MAPS
        LOOKUPD = Lookupd(maps=STACK.lookupd_maps(), address_maps=ADDRESS_MAPS, tcp_maps=names)
        LOOKUPD.start()
    except BaseException:
        tearDownModule()
        raise


def tearDownModule():
    problem = LOOKUPD.stop_and_check() if LOOKUPD is not None else None
    for obj in (LOOKUPD, PF, STACK):
        if obj is not None:
            try:
                obj.cleanup()
            except Exception as e:  # noqa: BLE001 - keep stopping the others
                print("cleanup: %s" % e, file=sys.stderr)
    if problem:
        raise RuntimeError(problem)


def outcome(r):
    """What must match: exit status and stdout (stderr carries warnings only)."""
    return (r.returncode, r.stdout)


def expected_single(key, name):
    return outcome(PF.postmap_q(key, STACK.mysql(name)))


def expected_address(key, name):
    """Postfix's search: each key form across the whole map list; first hit or error wins."""
    for form in pfa.key_forms(key):
        r = PF.postmap_q(form, *STACK.mysql_list(name))
        if r.returncode == 0 or "fatal" in r.stderr:
            return outcome(r)
    return (1, "")


def lookupd_answers(key, name):
    return {
        "socketmap-unix": outcome(PF.postmap_q(key, LOOKUPD.socketmap(name))),
        "socketmap-inet": outcome(PF.postmap_q(key, LOOKUPD.socketmap(name, inet=True))),
        "tcp": outcome(PF.postmap_q(key, LOOKUPD.tcp(name))),
    }


class PostmapEquivalence(unittest.TestCase):

    def compare(self, names, expected_fn):
        jobs = [(k, n) for n in names for k in KEYS]

        def one(job):
            k, n = job
            return job, expected_fn(k, n), lookupd_answers(k, n)
        mismatches, found = [], 0
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as ex:
            for (k, n), want, got in ex.map(one, jobs):
                found += want[0] == 0
                for via, ans in got.items():
                    if ans != want:
                        mismatches.append("map %s key %r via %s: got %r, want %r" % (n, k, via, ans, want))
        # The fixture must produce hits, or this test proves nothing.
        self.assertGreater(found, len(names) * 3, "too few keys found by Postfix itself")
        self.assertEqual(mismatches, [], "\n" + "\n".join(mismatches[:60]) +
                         "\nlookupd log tail:\n" + LOOKUPD.log_text()[-3000:])

    def test_single_tables(self):
        self.compare(SINGLE_MAPS, expected_single)

    def test_address_maps(self):
        self.compare(ADDRESS_MAPS, expected_address)

    def test_reference_side_sanity(self):
        """The reference answers themselves (guards against a broken fixture or .cf)."""
        self.assertEqual(expected_address("alice+tag@example.net", "virtual_mailbox"), (0, "example.com/alice/\n"))
        self.assertEqual(expected_address("random@other.org", "virtual_alias"), (0, "catchall@example.com\n"))
        self.assertEqual(expected_single("x' or '1'='1@example.com", "alias"), (0, "alice@example.com\n"))
        self.assertEqual(expected_single("' OR '1'='1", "alias")[0], 1)
        self.assertEqual(expected_single("example.com", "domain_addresses")[0], 0)
        self.assertIn(",", expected_single("example.com", "domain_addresses")[1])

    def test_injection_text_is_literal(self):
        """Injection keys reach lookupd and return no rows or only the exact row."""
        for key, want in [("' OR '1'='1", (1, "")), ("' OR '1'='1@example.com", (1, "")),
                          ("alice@example.com' OR '1'='1", (1, "")),
                          ("X' OR '1'='1@example.com", (0, "alice@example.com\n"))]:
            self.assertEqual(outcome(PF.postmap_q(key, LOOKUPD.socketmap("alias"))), want, key)
            self.assertEqual(outcome(PF.postmap_q(key, LOOKUPD.tcp("alias"))), want, key)
        self.assertEqual(STACK.db.sql("SELECT COUNT(*) FROM alias").strip(), "21")


if __name__ == "__main__":
    common.preflight([lambda: common.require("postmap", "postfix"),
                      lambda: common.require("mariadbd", "mariadb-server"),
                      lambda: common.require("mariadb", "mariadb-client"),
                      require_binary])
    unittest.main(verbosity=2)
