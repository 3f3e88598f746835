#!/usr/bin/python3
"""A private Postfix whose virtual maps are socketmap: lookups against lookupd
accepts and refuses recipients exactly like one that uses the mysql: maps
directly, and like the fixture says.

Two private Postfix 3.7 instances share one MariaDB: "direct" has the
Postfix Admin mysql: maps, "lookupd" has socketmap:unix: maps served by
lookupd over the same .cf files. Every recipient of the table is probed on
both (RCPT TO replies compared, queue IDs masked), swaks checks the key cases
explicitly (250 / 550 5.1.1), and a full message to multi-target aliases is
expanded by cleanup through socketmap into the same delivered recipients.
Run standalone or under meson.
"""

import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import common, pfa  # noqa: E402
from harness.lookupd import Lookupd, require_binary  # noqa: E402
from harness.postfix import Postfix  # noqa: E402
from harness.smtp import RcptProber, rcpt_reply, swaks  # noqa: E402

ACCEPT = ["alice@example.com", "Alice@Example.COM", "alice+tag@example.com", "bob@example.com",
          "info@example.com", "info+x@example.com", "list+owner@example.com", "alice@example.net",
          "alice+x@example.net", "dave@other.org", "random@other.org", "random+x@other.org",
          "zzz@catch.example", "dave@catch.example", "o'brien@example.com", "100%@example.com",
          '"john doe"@example.com', "postmaster@example.com", "ext@example.com",
          "\"x' or '1'='1\"@example.com"]
REFUSE = ["nobody@example.com", "nobody+x@example.com", "carol@example.com", "old@example.com",
          "empty@example.com", "list+other@example.com", "nobody@example.net",
          "alice@old.example", "@example.com", "ALL@example.com"]
OTHER = ["alice@inactive.test", "eve@inactive.test", "' OR '1'='1@example.com", "someone@elsewhere.test", "x' or '1'='1@example.com", "back\\slash@example.com", '"back\\\\slash"@example.com',
         "postmaster", "alice"]

STACK = LOOKUPD = DIRECT = VIA = None

LIMITS = {"smtpd_soft_error_limit": "1000", "smtpd_hard_error_limit": "1000",
          "smtpd_error_sleep_time": "0", "smtpd_junk_command_limit": "100000"}


def direct_main(stack):
    m = dict(LIMITS)
    m.update({
        "virtual_mailbox_domains": stack.mysql("domains"),
        "virtual_alias_maps": ", ".join(stack.mysql_list("virtual_alias")),
        "virtual_mailbox_maps": ", ".join(stack.mysql_list("virtual_mailbox")),
    })
    return m


def lookupd_main(ld):
    m = dict(LIMITS)
    m.update({
        "virtual_mailbox_domains": ld.socketmap("domains"),
        "virtual_alias_maps": ld.socketmap("virtual_alias"),
        "virtual_mailbox_maps": ld.socketmap("virtual_mailbox"),
    })
    return m


def setUpModule():
    global STACK, LOOKUPD, DIRECT, VIA
    try:
        STACK = pfa.PfaStack().start()
        # Postfix appends an unmatched +ext to alias targets when the hit came
        # from user@domain (propagate_unmatched_extensions); through socketmap
        # it cannot know, so lookupd does it for the alias map.
        LOOKUPD = Lookupd(maps=STACK.lookupd_maps(), address_maps=list(pfa.ADDRESS_MAPS),
                          params={"lookupd_propagate_extension_maps": "virtual_alias"})
        LOOKUPD.start()
        DIRECT = Postfix(main=direct_main(STACK))
        DIRECT.start()
        VIA = Postfix(main=lookupd_main(LOOKUPD))
        VIA.start()
    except BaseException:
        tearDownModule()
        raise


def tearDownModule():
    problem = LOOKUPD.stop_and_check() if LOOKUPD is not None else None
    for obj in (VIA, DIRECT, LOOKUPD, STACK):
        if obj is not None:
            try:
                obj.cleanup()
            except Exception as e:  # noqa: BLE001 - keep stopping the others
                print("cleanup: %s" % e, file=sys.stderr)
    if problem:
        raise RuntimeError(problem)


def mask(reply):
    return re.sub(r"\b[0-9A-F]{10,}\b", "QID", reply or "")


class RcptEquivalence(unittest.TestCase):

    def test_same_replies_as_mysql_maps(self):
        mismatches = []
        with RcptProber(DIRECT.port) as d, RcptProber(VIA.port) as v:
            for addr in ACCEPT + REFUSE + OTHER:
                want, got = mask(d.rcpt(addr)), mask(v.rcpt(addr))
                if want != got:
                    mismatches.append("RCPT TO:<%s>: via lookupd %r, mysql: %r" % (addr, got, want))
        self.assertEqual(mismatches, [], "\n" + "\n".join(mismatches) + "\nlookupd log:\n" +
                         LOOKUPD.log_text()[-2000:] + "\npostfix log:\n" + VIA.log_text()[-3000:])

    def test_direct_instance_matches_fixture(self):
        """Guards the reference side: the mysql: instance itself accepts/refuses as the fixture says."""
        with RcptProber(DIRECT.port) as d:
            for addr in ACCEPT:
                self.assertRegex(d.rcpt(addr), r"^250 ", addr)
            for addr in REFUSE:
                self.assertRegex(d.rcpt(addr), r"^550 5\.1\.1 ", addr)


class SwaksRcpt(unittest.TestCase):

    def rcpt(self, to):
        rc, out = swaks(VIA.port, to)
        reply = rcpt_reply(out)
        self.assertIsNotNone(reply, "no RCPT reply in swaks output:\n" + out)
        return reply

    def test_accepted(self):
        for to in ["alice@example.com", "info@example.com", "random@other.org", "alice@example.net",
                   "alice+tag@example.com", "zzz@catch.example", "bob@example.com"]:
            with self.subTest(to=to):
                self.assertRegex(self.rcpt(to), r"^250 2\.1\.5 ")

    def test_unknown_refused(self):
        mark = VIA.log_mark()
        for to in ["nobody@example.com", "nobody+x@example.net", "carol@example.com"]:
            with self.subTest(to=to):
                self.assertRegex(self.rcpt(to), r"^550 5\.1\.1 <[^>]+>: Recipient address rejected: "
                                                 r"User unknown in virtual mailbox table")
        VIA.wait_log(r"NOQUEUE: reject: RCPT from \S+: 550 5\.1\.1 <nobody@example\.com>", since=mark)


    def test_outside_client(self):
        """From outside mynetworks (client bound to 127.0.0.2): hosted addresses are
        accepted, a domain lookupd does not list as active is relay-denied."""
        rc, out = swaks(VIA.port, "alice@example.net", local_interface="127.0.0.2")
        self.assertRegex(rcpt_reply(out) or out, r"^250 ")
        rc, out = swaks(VIA.port, "eve@inactive.test", local_interface="127.0.0.2")
        self.assertRegex(rcpt_reply(out) or out, r"^454 4\.7\.1 <eve@inactive\.test>: Relay access denied")


class Delivery(unittest.TestCase):
    """cleanup expands virtual aliases through socketmap like through mysql:."""

    def delivered(self, pf, mark, n_expected):
        pat = re.compile(r"status=sent")
        common.wait_for(lambda: len(pat.findall(pf.log_text()[mark:])) >= n_expected, 30,
                        what="%d deliveries in %s" % (n_expected, pf.maillog))
        text = pf.log_text()[mark:]
        out = set()
        for m in re.finditer(r"to=<([^>]*)>(?:, orig_to=<([^>]*)>)?, relay=\S+,.*status=sent", text):
            out.add((m.group(1), m.group(2) or ""))
        return sorted(out)

    def send(self, to, expect):
        results = []
        for pf in (DIRECT, VIA):
            mark = pf.log_mark()
            rc, out = swaks(pf.port, to, quit_after=None)
            self.assertEqual(rc, 0, out)
            results.append(self.delivered(pf, mark, expect))
        self.assertEqual(results[1], results[0], "lookupd vs mysql: delivered recipients")
        return results[1]

    def test_multi_target_alias(self):
        got = self.send("info@example.com", 5)
        self.assertIn(("dave@other.org", "info@example.com"), got)
        self.assertIn(("bob.private@elsewhere.test", "info@example.com"), got)

    def test_alias_domain_and_catchall(self):
        got = self.send("zzz@catch.example", 1)
        self.assertEqual(got, [("catchall@example.com", "zzz@catch.example")])

    def test_extension_propagation(self):
        """bob+tag@ hits bob@example.com; mysql: side delivers to bob+tag@example.com and
        bob.private+tag@elsewhere.test (propagate_unmatched_extensions): lookupd must match."""
        got = self.send("bob+tag@example.com", 2)
        self.assertIn(("bob.private+tag@elsewhere.test", "bob+tag@example.com"), got)


if __name__ == "__main__":
    common.preflight([lambda: common.require("postfix", "postfix"),
                      lambda: common.require("swaks", "swaks"),
                      lambda: common.require("mariadbd", "mariadb-server"),
                      require_binary])
    unittest.main(verbosity=2)
