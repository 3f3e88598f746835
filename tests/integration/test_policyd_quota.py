#!/usr/bin/python3
"""policyd's RCPT-time quota check behind a real private Postfix 3.7, on a
real MariaDB with the Postfix Admin schema and fixtures.

Setup: alice@example.com (quota 10240000) has a full maildirsize; dave@other.org
gets the same quota with room; the catch-all @other.org is pointed at alice.
policyd reads aliases through the postfixadmin:alias: driver (aliases, alias
domains, alias-domain catch-alls in one query), mailboxes and quotas through
the Postfix Admin mysql_*.cf files, policyd_quota_status = 552. Clients come
from 127.0.0.2, outside mynetworks.
Checked:
  * the full mailbox is refused at RCPT with "552 5.2.2 <rcpt>: Recipient
    address rejected: Mailbox full" (policyd answers "552 5.2.2 Mailbox full"),
    and so are its plus address, an alias, an alias-domain address, the
    catch-all and the alias-domain catch-all reaching it, and a list alias
    with it among other targets; policyd logged the reject;
  * a mailbox with room, an unlimited one and a pure forward are accepted;
    SIZE= from MAIL FROM counts (exactly filling is accepted, one byte more
    is refused);
  * freeing space (a new maildirsize) is seen on the next RCPT;
  * with MariaDB stopped the answer is 4xx and the quota check said
    DEFER_IF_PERMIT.
Run standalone or under meson.
"""

import os
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import common, pfa  # noqa: E402
from harness.policyd import Policyd, SmtpSession  # noqa: E402
from harness.postfix import Postfix  # noqa: E402

LIMIT = 10240000
REFUSED = "552 5.2.2 <%s>: Recipient address rejected: Mailbox full"  # as Postfix words it
STACK = PD = PF = TMP = None
BASE = None  # mailbox_base


def write(path, text):
    os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o644)


def maildirsize(box, used):
    """A fresh one-line maildirsize (trusted by the Maildir++ rules)."""
    write(os.path.join(BASE, box, "maildirsize"), "%dS\n%d 10\n" % (LIMIT, used))


def setUpModule():
    global STACK, PD, PF, TMP, BASE
    try:
        TMP = tempfile.mkdtemp(prefix="vmk-pquota-")
        os.chmod(TMP, 0o755)
        BASE = os.path.join(TMP, "vmail")
        STACK = pfa.PfaStack(tmp_root=TMP).start()
        STACK.db.sql("UPDATE alias SET goto='alice@example.com' WHERE address='@other.org';"
                     "UPDATE mailbox SET quota=%d WHERE username='dave@other.org';" % LIMIT)
        quota_cf = os.path.join(STACK.dir, "quota_maps.cf")
        write(quota_cf, STACK.db.cf_text() +
              "query = SELECT quota FROM mailbox WHERE username='%s' AND active = '1'\n")
        maildirsize("example.com/alice", LIMIT)
        maildirsize("other.org/dave", 1000)
        PD = Policyd(params={
            "policyd_mynetworks": "127.0.0.1/32",
            # in memory, so that with the database down the quota check is the one asking it
            "policyd_local_domains": "inline:{example.com=1, example.net=1, other.org=1, catch.example=1}",
            "policyd_sender_login_maps": "",
            "recipient_delimiter": "+",
            "policyd_cache_ttl": "1s", "policyd_negative_ttl": "1s",
            "mailbox_base": BASE,
            "mailbox_maps": ", ".join(STACK.mysql_list("virtual_mailbox")),
            "quota_maps": "mysql:" + quota_cf,
            "policyd_alias_maps": "postfixadmin:alias:" + STACK.cf["alias"],
            "policyd_quota_status": "552",
        }, tmp_root=TMP)
        PD.start()
        PF = Postfix(main={
            "smtpd_relay_restrictions": "",
            "smtpd_recipient_restrictions": "check_policy_service unix:%s, reject_unauth_destination" % PD.socket,
            "smtpd_policy_service_timeout": "10s",
            "message_size_limit": "50000000",
            "virtual_mailbox_domains": STACK.mysql("domains"),
            "virtual_mailbox_maps": ", ".join(STACK.mysql_list("virtual_mailbox")),
            "virtual_alias_maps": ", ".join(STACK.mysql_list("virtual_alias")),
            "virtual_alias_domains": "",
            "recipient_delimiter": "+",
        }, tmp_root=TMP)
        PF.start()
    except BaseException:
        tearDownModule()
        raise


def tearDownModule():
    if PF is not None:
        PF.cleanup()
    problem = PD.cleanup() if PD is not None else None
    if STACK is not None:
        STACK.cleanup()
    if problem:
        raise RuntimeError(problem)


def rcpt(to, size=None):
    with SmtpSession(PF.port, source="127.0.0.2") as s:
        r = s.cmd("MAIL FROM:<s@client.test>%s" % (" SIZE=%d" % size if size is not None else ""))
        if not r.startswith("250"):
            return "MAIL: " + r
        return s.rcpt(to)


class QuotaRefusals(unittest.TestCase):

    def test_full_mailbox_refused_by_every_route(self):
        for to in ("alice@example.com",
                   "alice+tag@example.com",      # plus address
                   "postmaster@example.com",     # alias -> alice
                   "alice@example.net",          # alias domain of example.com
                   "anyone@other.org",           # catch-all -> alice
                   "anyone@catch.example",       # alias domain of other.org: its catch-all
                   "info@example.com",           # alice, bob, dave: any full target refuses
                   "sales@other.org"):           # dave, info@example.com -> alice, bob, dave
            with self.subTest(to=to):
                mark = len(PD.log_text())
                self.assertEqual(rcpt(to), REFUSED % to)
                common.wait_for(lambda: "quota: <%s>: Mailbox full (alice@example.com: mailbox over quota)" % to
                                in PD.log_text()[mark:], 10,
                                what="policyd reject line for %s" % to)
        self.assertRegex(PD.log_text(), r"reject: RCPT from \S+\[127\.0\.0\.2\]: 552 5\.2\.2 "
                                        r"<alice@example\.com>: Recipient address rejected: Mailbox full; "
                                        r"from=<s@client\.test> to=<alice@example\.com> .*check=quota")

    def test_others_accepted(self):
        for to in ("dave@other.org",              # room
                   "bob@example.com",             # quota 0: unlimited (and a forward copy)
                   "ext@example.com"):            # a forward outside: not a mailbox
            with self.subTest(to=to):
                self.assertRegex(rcpt(to), r"^250 ")

    def test_size_counts(self):
        self.assertRegex(rcpt("dave@other.org", size=LIMIT - 1000), r"^250 ")
        self.assertEqual(rcpt("dave@other.org", size=LIMIT - 999), REFUSED % "dave@other.org")

    def test_freed_space_is_seen(self):
        try:
            maildirsize("example.com/alice", 5000)
            self.assertRegex(rcpt("alice@example.com"), r"^250 ")
            self.assertRegex(rcpt("alice@example.net"), r"^250 ")
        finally:
            maildirsize("example.com/alice", LIMIT)
        self.assertEqual(rcpt("alice@example.com"), REFUSED % "alice@example.com")


class WhenDatabaseIsDown(unittest.TestCase):
    """Runs last (classes run by name): Postfix's own mysql: client keeps a
    failed host down for 60 s."""

    def test_4xx_while_mariadb_is_down(self):
        STACK.db.stop()
        try:
            time.sleep(1.5)  # policyd_cache_ttl = 1s: nothing cached is still fresh
            mark = len(PD.log_text())
            for to in ("alice@example.com", "dave@other.org", "postmaster@example.com"):
                with self.subTest(to=to):
                    self.assertRegex(rcpt(to), r"^4\d\d 4\.")
            log = PD.log_text()[mark:]
            self.assertRegex(log, r"quota check: .*answering DEFER_IF_PERMIT")
            self.assertNotIn("552 5.2.2", log)
        finally:
            STACK.db.start()
        common.wait_for(lambda: rcpt("alice@example.com").startswith("552"), 150,
                        what="552 again after MariaDB restart")


if __name__ == "__main__":
    try:
        unittest.main(verbosity=2)
    except common.MissingTool as e:
        print("MISSING:", e)
        sys.exit(77 if os.environ.get("VMAILKIT_ALLOW_SKIP") == "1" else 1)
