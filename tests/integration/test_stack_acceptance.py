#!/usr/bin/python3
"""Acceptance: the whole stack end to end through one private Postfix wired
by postfix-snippets/stack-postconf.sh (harness/stack.py): lookupd maps,
saslcheck SMTP AUTH (Cyrus authdaemond), vdelivery Maildir delivery,
policyd when built, smtp-sink as the outside world, Dovecot over IMAP.

Checked: AUTH PLAIN and LOGIN over STARTTLS (587, also 25) and on 465, right
password 235, wrong 535, no AUTH before TLS; relaying refused to an
unauthenticated client outside mynetworks, accepted when authenticated and
from mynetworks; local delivery; over-quota deferral with the configured
message; a forwarding alias with two targets delivered to both (local +
local, local + outside); catch-all; alias domain; plus-addressing; the
content-filter re-injection port; Dovecot lists and fetches the messages
over IMAP and reports the same quota usage as maildirsize; lookupd,
saslcheck and policyd stopped and started again mid-test lose nothing
(Postfix answers 4xx or defers, then delivers after the restart and a queue
flush). Run standalone or under meson.
"""

import imaplib
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import common, pfa  # noqa: E402
from harness.stack import Stack, policyd_built, policyd_binary  # noqa: E402

JOE, JOE_PW = "joe@example.com", "joe's secret 1"
ANN, ANN_PW = "ann@example.com", "ann-Secret-2"
FULL, FULL_PW = "full@example.com", "full-secret-3"
QUOTA_MESSAGE = "vmailkit acceptance: this mailbox is over its quota, please try again later."
ST = None


def seed(db):
    """Rows added to the Postfix Admin fixture the way Postfix Admin adds them."""
    pfa.create_mailbox(db, JOE, JOE_PW, name="Joe", quota_mb=10)
    pfa.create_mailbox(db, ANN, ANN_PW, name="Ann")
    pfa.create_mailbox(db, FULL, FULL_PW, name="Full", quota_bytes=3000)
    pfa.create_alias(db, "team@example.com", [JOE, ANN])


def setUpModule():
    global ST
    if not policyd_built():
        print("NOTE: %s not built: policyd checks skipped, Postfix runs without check_policy_service"
              % policyd_binary(), file=sys.stderr)
    ST = Stack(seed=seed, vdelivery_params={"vdelivery_overquota_message": QUOTA_MESSAGE},
               saslcheck_params={"saslcheck_failure_threshold": "0"},
               dovecot_users={JOE: JOE_PW, FULL: FULL_PW})
    ST.start()


def tearDownModule():
    if ST is not None:
        problems = ST.cleanup()
        if problems:
            raise RuntimeError("\n".join(problems))


def auth(port, mech, user, password, tls):
    """swaks AUTH only; the reply code to AUTH ('235', '535', '454') or the transcript."""
    cmd = [common.require("swaks", "swaks"), "--server", "127.0.0.1:%d" % port, "--quit-after", "AUTH",
           "--timeout", "30", "--auth", mech, "--auth-user", user, "--auth-password", password,
           "--tls-on-connect" if tls == "wrapper" else "--tls"]
    r = common.run(cmd, timeout=90)
    codes = re.findall(r"(?m)^<[~*]* +(235|535|454)[ -]", r.stdout + r.stderr)
    return codes[-1] if codes else r.stdout + r.stderr


def rcpt_reply(transcript):
    """The server's reply to RCPT TO in a swaks transcript, in clear or over TLS."""
    m = re.search(r"(?m)^ [-~]> RCPT TO:.*\n<[-~*]+ +(\d{3} .*)$", transcript)
    return m.group(1) if m else None


def delivered(rcpt, qid, since=0):
    status, text, line = ST.wait_status(qid, rcpt, since=since)
    return status, line


def subjects(rel):
    """Subjects of the messages in the Maildir REL (new/ and cur/: Dovecot moves them)."""
    out = []
    for p in ST.store.messages(rel, "new") + ST.store.messages(rel, "cur"):
        with open(p, errors="replace") as f:
            m = re.search(r"(?m)^Subject: (.*)$", f.read())
            out.append(m.group(1) if m else "")
    return out


class A1Auth(unittest.TestCase):
    def test_plain_and_login_on_587_465_and_25(self):
        pf = ST.pf
        for port, tls in ((pf.submission, "starttls"), (pf.smtps, "wrapper"), (pf.port, "starttls")):
            for mech in ("PLAIN", "LOGIN"):
                what = "%s port %d %s" % (mech, port, tls)
                self.assertEqual(auth(port, mech, JOE, JOE_PW, tls), "235", what)
                self.assertEqual(auth(port, mech, JOE, "wrong", tls), "535", what)
                self.assertEqual(auth(port, mech, "nobody@example.com", JOE_PW, tls), "535", what)

    def test_no_auth_before_tls(self):
        rc, out = ST.send(JOE, auth=(JOE, JOE_PW), port=ST.pf.port)[:2]
        self.assertNotEqual(rc, 0)
        self.assertNotRegex(out, r"(?m)^<- +250[- ]AUTH", "AUTH offered without TLS on port 25")
        rc, out = ST.send(JOE, port=ST.pf.submission)[:2]
        self.assertRegex(out, r"(?m)^<\** +530 5\.7\.0 Must issue a STARTTLS command first")


class A2Relay(unittest.TestCase):
    def test_unauthenticated_outside_client_cannot_relay(self):
        rc, out, qid = ST.send("victim@outside.example", local_interface="127.0.0.2", tls="starttls")
        self.assertIsNone(qid, out)
        self.assertRegex(rcpt_reply(out) or out, r"^554 5\.7\.1 .*Relay access denied")
        rc, out, qid = ST.send("victim@outside.example", local_interface="127.0.0.2", port=ST.pf.submission,
                               tls="starttls")
        self.assertIsNone(qid, out)

    def test_authenticated_and_local_network_relay(self):
        mark = ST.pf.log_mark()
        for port, tls, iface, subj in ((ST.pf.submission, "starttls", "127.0.0.2", "relay auth 587"),
                                       (ST.pf.smtps, "wrapper", "127.0.0.2", "relay auth 465")):
            rc, out, qid = ST.send("friend@outside.example", sender=JOE, port=port, tls=tls, auth=(JOE, JOE_PW),
                                   local_interface=iface, subject=subj)
            self.assertTrue(qid, out)
            self.assertEqual(delivered("friend@outside.example", qid, mark)[0], "sent")
            ST.sink.wait_for(lambda t, s=subj: "Subject: " + s in t)
        rc, out, qid = ST.send("friend@outside.example", subject="relay mynetworks")  # from 127.0.0.1
        self.assertTrue(qid, out)
        ST.sink.wait_for(lambda t: "Subject: relay mynetworks" in t)


class A3Delivery(unittest.TestCase):
    def send_in(self, to, subject, body="hello\n"):
        mark = ST.pf.log_mark()
        rc, out, qid = ST.send(to, local_interface="127.0.0.2", tls="starttls", subject=subject, body=body)
        self.assertTrue(qid, out)
        return qid, mark

    def test_local_delivery(self):
        qid, mark = self.send_in(JOE, "local delivery")
        status, line = delivered(JOE, qid, mark)
        self.assertEqual(status, "sent", line)
        self.assertIn("relay=vdelivery", line)
        self.assertIn("local delivery", subjects("example.com/joe"))

    def test_over_quota_deferred_with_configured_message(self):
        big = "x" * 1800 + "\n"
        qid, mark = self.send_in(FULL, "quota first", big)
        self.assertEqual(delivered(FULL, qid, mark)[0], "sent")
        qid, mark = self.send_in(FULL, "quota second", big)
        status, text, line = ST.wait_status(qid, FULL, since=mark)
        self.assertEqual(status, "deferred", line)
        self.assertIn("dsn=4.2.2", line)
        self.assertIn(QUOTA_MESSAGE, text)
        self.assertEqual(subjects("example.com/full"), ["quota first"])
        self.assertEqual(ST.pf.postsuper("-d", qid).returncode, 0)  # do not let it retry into later tests

    def test_forward_to_two_targets(self):
        qid, mark = self.send_in("team@example.com", "team alias")
        for rcpt in (JOE, ANN):
            self.assertEqual(delivered(rcpt, qid, mark)[0], "sent", rcpt)
        self.assertIn("team alias", subjects("example.com/joe"))
        self.assertIn("team alias", subjects("example.com/ann"))
        # Postfix Admin's "forward and keep a copy": bob -> bob + bob.private@elsewhere.test
        qid, mark = self.send_in("bob@example.com", "bob keeps a copy")
        self.assertEqual(delivered("bob@example.com", qid, mark)[0], "sent")
        self.assertEqual(delivered("bob.private@elsewhere.test", qid, mark)[0], "sent")
        self.assertIn("bob keeps a copy", subjects("example.com/bob"))
        ST.sink.wait_for(lambda t: "Subject: bob keeps a copy" in t and "<bob.private@elsewhere.test>" in t)

    def test_catch_all(self):
        qid, mark = self.send_in("anything-%s@other.org" % os.getpid(), "catch-all")
        self.assertEqual(delivered("catchall@example.com", qid, mark)[0], "sent")
        qid, mark = self.send_in("whoever@catch.example", "catch-all via alias domain")
        self.assertEqual(delivered("catchall@example.com", qid, mark)[0], "sent")
        got = subjects("example.com/catchall")
        self.assertIn("catch-all", got)
        self.assertIn("catch-all via alias domain", got)

    def test_alias_domain(self):
        qid, mark = self.send_in("joe@example.net", "alias domain")
        self.assertEqual(delivered(JOE, qid, mark)[0], "sent")
        self.assertIn("alias domain", subjects("example.com/joe"))

    def test_plus_addressing(self):
        ST.store.make_dirs("example.com/joe/.lists")
        qid, mark = self.send_in("joe+lists@example.com", "plus to folder")
        self.assertEqual(delivered("joe+lists@example.com", qid, mark)[0], "sent")
        self.assertIn("plus to folder", subjects("example.com/joe/.lists"))
        qid, mark = self.send_in("joe+nofolder@example.net", "plus without folder")
        self.assertEqual(delivered("joe+nofolder@example.com", qid, mark)[0], "sent")
        self.assertIn("plus without folder", subjects("example.com/joe"))
        rc, out, qid = ST.send("nobody+x@example.com", local_interface="127.0.0.2")
        self.assertRegex(rcpt_reply(out) or out, r"^550 5\.1\.1 ")

    def test_reinjection_port(self):
        mark = ST.pf.log_mark()
        rc, out, qid = ST.send(JOE, port=ST.pf.reinject, subject="from the content filter")
        self.assertTrue(qid, out)
        self.assertEqual(delivered(JOE, qid, mark)[0], "sent")
        self.assertIn("postfix/reinject/smtpd", ST.pf.log_text()[mark:])
        self.assertIn("from the content filter", subjects("example.com/joe"))


class A4Dovecot(unittest.TestCase):
    def test_imap_lists_fetches_and_agrees_on_quota(self):
        mark = ST.pf.log_mark()
        rc, out, qid = ST.send(JOE, local_interface="127.0.0.2", subject="for imap")
        self.assertTrue(qid, out)
        self.assertEqual(delivered(JOE, qid, mark)[0], "sent")
        imap = imaplib.IMAP4("127.0.0.1", ST.dovecot.imap_port)
        try:
            imap.login(JOE, JOE_PW)
            typ, boxes = imap.list()
            self.assertEqual(typ, "OK")
            names = b"\n".join(boxes).decode()
            self.assertIn("INBOX", names)
            typ, data = imap.select("INBOX", readonly=True)
            self.assertEqual(typ, "OK")
            count = int(data[0])
            on_disk = len(ST.store.messages("example.com/joe")) + len(ST.store.messages("example.com/joe", "cur"))
            self.assertEqual(count, on_disk)
            typ, data = imap.fetch("1:*", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
            self.assertEqual(typ, "OK")
            fetched = [part[1].decode().strip() for part in data if isinstance(part, tuple)]
            self.assertIn("Subject: for imap", fetched)
            self.assertEqual(len(fetched), count)
        finally:
            imap.logout()
        # Same quota usage: Dovecot's IMAP GETQUOTAROOT and doveadm vs vdelivery's maildirsize.
        if ST.store.maildirsize("example.com/full") is None:  # this test run alone
            mark = ST.pf.log_mark()
            qid = ST.send(FULL, local_interface="127.0.0.2", subject="for the quota")[2]
            self.assertEqual(delivered(FULL, qid, mark)[0], "sent")
        imap = imaplib.IMAP4("127.0.0.1", ST.dovecot.imap_port)
        try:
            imap.login(FULL, FULL_PW)
            typ, data = imap.getquotaroot("INBOX")
            self.assertEqual(typ, "OK", data)
            quota = b" ".join(x for x in data[1] if isinstance(x, bytes)).decode()
        finally:
            imap.logout()
        limit, used, msgs = ST.store.maildirsize("example.com/full")
        self.assertEqual(limit, "3000S")
        m = re.search(r"STORAGE (\d+) (\d+)", quota)
        self.assertTrue(m, quota)
        self.assertEqual(int(m.group(1)), (used + 1023) // 1024, quota)
        self.assertEqual(ST.dovecot.quota(FULL)["STORAGE"][0], (used + 1023) // 1024)
        self.assertEqual(ST.dovecot.quota(FULL)["MESSAGE"][0], msgs)


class A7DovecotWay(unittest.TestCase):
    """stack-postconf.sh with SASL_WAY=dovecot: smtpd asks saslcheck's Dovecot auth socket."""

    def test_auth_the_dovecot_way(self):
        st = Stack(fixtures=(), seed=lambda db: (pfa.create_domain(db, "example.com"),
                                                 pfa.create_mailbox(db, JOE, JOE_PW)),
                   sasl_way="dovecot", policyd=False)
        try:
            st.start()
            self.assertEqual(st.pf.postconf_n("-h", "smtpd_sasl_type").stdout.strip(), "dovecot")
            for port, tls in ((st.pf.submission, "starttls"), (st.pf.smtps, "wrapper")):
                for mech in ("PLAIN", "LOGIN"):
                    self.assertEqual(auth(port, mech, JOE, JOE_PW, tls), "235", (port, mech))
                    self.assertEqual(auth(port, mech, JOE, "wrong", tls), "535", (port, mech))
            mark = st.pf.log_mark()
            rc, out, qid = st.send("friend@outside.example", sender=JOE, port=st.pf.submission, tls="starttls",
                                   auth=(JOE, JOE_PW), subject="dovecot way")
            self.assertTrue(qid, out)
            self.assertEqual(st.wait_status(qid, "friend@outside.example", since=mark)[0], "sent")
        finally:
            problems = st.cleanup()
        self.assertEqual(problems, [])


@unittest.skipUnless(policyd_built(), "policyd not built (%s missing): policyd checks skipped" % policyd_binary())
class A5Policyd(unittest.TestCase):
    """policyd behind check_policy_service: what it adds to Postfix's own checks."""

    def test_sender_login_mismatch_refused(self):
        rc, out, qid = ST.send("friend@outside.example", sender=ANN, port=ST.pf.submission, tls="starttls",
                               auth=(JOE, JOE_PW), subject="joe poses as ann")
        self.assertIsNone(qid, out)
        self.assertRegex(rcpt_reply(out) or out, r"^5\d\d ")
        rc, out, qid = ST.send("friend@outside.example", sender=JOE, port=ST.pf.submission, tls="starttls",
                               auth=(JOE, JOE_PW), subject="joe as joe")
        self.assertTrue(qid, out)

    def test_rcpt_time_quota(self):
        started = re.search(r"started: checks: (.*?);", common.tail(ST.policyd.logfile, 1000000))
        if not started or "quota" not in started.group(1).split():
            self.skipTest("this policyd has no RCPT-time quota check (its log: %s)"
                          % (started.group(0) if started else "no 'started: checks:' line"))
        mark = ST.pf.log_mark()
        ST.db.sql("UPDATE mailbox SET quota = 100000 WHERE username = '%s'" % ANN)
        qid = ST.send(ANN, local_interface="127.0.0.2", subject="ann with a quota")[2]
        self.assertEqual(delivered(ANN, qid, mark)[0], "sent")  # writes maildirsize
        ST.db.sql("UPDATE mailbox SET quota = 1000 WHERE username = '%s'" % ANN)
        path = os.path.join(ST.store.maildir("example.com/ann"), "maildirsize")
        with open(path) as f:
            saved = f.read()
        try:
            with open(path, "a") as f:
                f.write("5000 1\n")  # usage now past any quota, as after a big IMAP APPEND
            reply = common.wait_for(
                lambda: (lambda r: r if r and not r.startswith("250") else None)(
                    rcpt_reply(ST.send(ANN, local_interface="127.0.0.2", subject="ann over quota")[1])), 30,
                what="policyd refusing RCPT for a mailbox over quota")
            self.assertRegex(reply, r"^(4\d\d|552) ")
        finally:
            with open(path, "w") as f:
                f.write(saved)
            ST.db.sql("UPDATE mailbox SET quota = 0 WHERE username = '%s'" % ANN)


class A6Restart(unittest.TestCase):
    def test_daemons_stopped_and_started_lose_nothing(self):
        pf = ST.pf
        mark = pf.log_mark()
        # A message accepted while everything runs, held before the queue manager sees it.
        rc, out, held = ST.send(JOE, sender="restart-held@client.test", local_interface="127.0.0.2",
                                subject="restart [hold]")
        self.assertTrue(held, out)
        pf.wait_log(r"%s: hold: header Subject: restart \[hold\]" % held, since=mark)
        daemons = ST.daemons()
        for d in daemons.values():
            d.stop()
        try:
            # Released while lookupd is down: the queue manager cannot resolve it and defers it.
            self.assertEqual(pf.postsuper("-H", held).returncode, 0)  # into the deferred queue
            pf.flush()
            status, text, line = ST.wait_status(held, JOE, since=mark)
            self.assertEqual(status, "deferred", line)
            # New mail and logins get temporary errors, never 5xx.
            rc, out, qid = ST.send(JOE, local_interface="127.0.0.2", subject="while down")
            self.assertIsNone(qid, out)
            self.assertRegex(rcpt_reply(out) or out, r"^4\d\d ")
            self.assertEqual(auth(pf.submission, "PLAIN", JOE, JOE_PW, "starttls"), "454")
        finally:
            for d in daemons.values():
                d.start()
        pf.flush()
        status, text, line = ST.wait_status(held, JOE, since=mark, status="sent", timeout=90)
        rc, out, qid = ST.send(JOE, local_interface="127.0.0.2", subject="while down")  # the sender's retry
        self.assertTrue(qid, out)
        self.assertEqual(delivered(JOE, qid, mark)[0], "sent")
        self.assertEqual(auth(pf.submission, "PLAIN", JOE, JOE_PW, "starttls"), "235")
        got = subjects("example.com/joe")
        self.assertEqual(got.count("restart [hold]"), 1)
        self.assertEqual(got.count("while down"), 1)
        self.assertNotRegex(pf.log_text()[mark:], r"status=bounced")


if __name__ == "__main__":
    from harness import lookupd, vdelivery
    from harness.saslcheck import binary_path as saslcheck_binary

    def saslcheck_built():
        if not os.access(saslcheck_binary(), os.X_OK):
            raise common.MissingTool("%s not built" % saslcheck_binary())
    common.preflight([lookupd.require_binary, vdelivery.binary, saslcheck_built,
                      lambda: common.require("swaks", "swaks"), lambda: common.require("postfix", "postfix"),
                      lambda: common.require("smtp-sink", "postfix"), lambda: common.require("dovecot", "dovecot-core"),
                      lambda: common.require("mariadbd", "mariadb-server")])
    unittest.main(verbosity=2)
