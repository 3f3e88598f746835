#!/usr/bin/python3
"""Dovecot and vdelivery agree on a Maildir++ quota: after a mix of vdelivery
deliveries (INBOX and a plus-address folder) and Dovecot deletes
(doveadm expunge, which appends negative maildirsize lines), `doveadm quota
get` reports the same usage as vdelivery's maildirsize, and both match the
files on disk; after `doveadm quota recalc` (Dovecot's own recount) and a
vdelivery recount (forced by a maildirsize past 5120 bytes) the numbers are
still the same. Run standalone or under meson.
"""

import os
import random
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import common  # noqa: E402
from harness.dovecot import Dovecot  # noqa: E402
from harness.vdelivery import Mailstore, binary  # noqa: E402

USER = "joe@example.com"
LIMIT = 200000
STORE = DOVE = None


def setUpModule():
    global STORE, DOVE
    try:
        STORE = Mailstore({"mailbox_maps": "inline:{joe@example.com=example.com/joe/}",
                           "quota_maps": "inline:{joe@example.com=%d}" % LIMIT,
                           "vdelivery_create_extension_folders": "yes"})
        DOVE = Dovecot({USER: (STORE.maildir("example.com/joe"), "*:storage=%dB" % LIMIT)}, STORE.uid, STORE.gid)
        DOVE.start()
    except BaseException:
        tearDownModule()
        raise


def tearDownModule():
    if DOVE:
        DOVE.cleanup()
    if STORE:
        STORE.cleanup()


class DovecotAgrees(unittest.TestCase):
    def deliver(self, n, rcpt=USER):
        rnd = random.Random(n)
        for i in range(n):
            body = ("line %d %s\n" % (i, "z" * rnd.randrange(10, 3000))).encode()
            r = STORE.run(rcpt, b"Subject: m%d\n\n" % i + body)
            self.assertEqual(r.returncode, 0, r.stderr)

    def compare(self, what):
        quota, used, count = STORE.maildirsize("example.com/joe")
        self.assertEqual(quota, "%dS" % LIMIT, what)
        disk = STORE.disk_usage("example.com/joe")
        self.assertEqual((used, count), disk, what)
        q = DOVE.quota(USER)
        self.assertEqual(q["STORAGE"][0], (used + 1023) // 1024, what)  # doveadm shows KiB, rounded up
        self.assertEqual(q["MESSAGE"][0], count, what)
        return used, count

    def test_mixed_deliveries_and_deletes(self):
        self.deliver(15)
        self.deliver(5, "joe+lists@example.com")
        self.compare("after deliveries")
        DOVE.doveadm("expunge", "-u", USER, "mailbox", "INBOX", "uid", "2:6")
        DOVE.doveadm("expunge", "-u", USER, "mailbox", "lists", "uid", "1")
        used, count = self.compare("after Dovecot expunged 6")
        self.assertEqual(count, 14)
        self.deliver(6)
        self.compare("after more deliveries")
        DOVE.doveadm("quota", "recalc", "-u", USER)
        self.compare("after doveadm quota recalc")
        # Force vdelivery's own recount: a maildirsize past 5120 bytes.
        path = os.path.join(STORE.maildir("example.com/joe"), "maildirsize")
        with open(path, "a") as f:
            f.write("0 0\n" * 1300)
        self.deliver(1)
        with open(path) as f:
            self.assertEqual(len(f.read().splitlines()), 3)  # quota line, recount, the delivery
        self.compare("after vdelivery recount")


if __name__ == "__main__":
    common.preflight([binary, lambda: common.require("dovecot", "dovecot-core"),
                      lambda: common.require("doveadm", "dovecot-core")])
    unittest.main()
