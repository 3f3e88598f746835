#!/usr/bin/python3
"""vdelivery vacation replies through a private Postfix 3.7 and a private
MariaDB holding Postfix Admin's schema (harness/pfa.py).

vdelivery runs as the pipe(8) transport of postfix-snippets/vdelivery-master.cf
with vdelivery_vacation = yes, reading Postfix Admin's vacation tables, and
sends its replies through the real /usr/sbin/sendmail -C <this instance>.
Postfix's sendmail/postdrop accept a non-default config directory only when
the default /etc/postfix/main.cf lists it (alternate_config_directories);
this machine has none and tests must not touch /etc/postfix, so the
instance's master runs in a private mount namespace where /etc/postfix is a
copy with that one line (every child, vdelivery and sendmail included,
inherits it). The senders' domain client.test is delivered by vdelivery
too, so a reply lands in the sender's Maildir and is decoded there with
Python's email package.

Checks: one reply for the first message from a sender, none for the second
within interval_time, a new one after it; no reply (and no notification
row) for bulk, list and auto-submitted mail or a bounce; Japanese subject and
body decode back to the row's text, in UTF-8 and in ISO-2022-JP; a database
or sendmail failure never fails the delivery. Run standalone or under meson.
"""

import base64
import email
import email.policy
import os
import re
import shutil
import smtplib
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import common  # noqa: E402
from harness.pfa import PfaStack  # noqa: E402
from harness.postfix import Postfix  # noqa: E402
from harness.vdelivery import Mailstore, read  # noqa: E402

PFA = STORE = PF = None
VACATION_CF = None

JA_SUBJECT = ("【不在のお知らせ】誠に勝手ながら十二月一日から十二月十日まで休暇をいただいております。"
              "ご返信が遅れますことをご了承ください")
JA_BODY = ("山田様\nメールありがとうございます。\n十二月十日まで不在にしております。\n"
           "急ぎのご用件は営業部（sales@example.com）までご連絡ください。\n")
SENDERS = ["ann", "ben", "cat", "dan", "eve", "fay", "gus", "news", "auto", "jp1", "jp2", "dbdown", "smfail"]


class NamespacedPostfix(Postfix):
    """The harness's instance, started in a mount namespace where /etc/postfix
    lists this instance's config directory (see the module docstring)."""

    def command(self, verb, allow_fail=True):
        if verb != "start":
            return super().command(verb, allow_fail)
        etc = os.path.join(self.dir, "etc-postfix")
        if not os.path.isdir(etc):
            shutil.copytree("/etc/postfix", etc, symlinks=True)
            with open(os.path.join(etc, "main.cf"), "w") as f:
                f.write("alternate_config_directories = %s\n" % self.config_dir)
        unshare = common.require("unshare", "util-linux")
        r = common.run([unshare, "-m", "--propagation", "private", "sh", "-c",
                        'mount --bind "$0" /etc/postfix && exec "$1" -c "$2" start',
                        etc, self.postfix, self.config_dir], timeout=60)
        if r.returncode != 0 and not allow_fail:
            raise RuntimeError("postfix start in a mount namespace failed (%d):\n%s%s\n%s" % (
                r.returncode, r.stdout, r.stderr, common.tail(self.maillog)))
        return r


def setUpModule():
    global PFA, STORE, PF, VACATION_CF
    try:
        PFA = PfaStack().start()
        db = PFA.db
        VACATION_CF = os.path.join(PFA.dir, "mysql_vacation.cf")
        with open(VACATION_CF, "w") as f:
            f.write("hosts = %s\nuser = %s\npassword = %s\ndbname = %s\n" % (
                db.hosts_inet, db.user, db.password, db.dbname))
        os.chmod(VACATION_CF, 0o644)
        STORE = Mailstore({})
        senders = STORE.write_file("senders", "".join(
            "%s@client.test client.test/%s/\n" % (s, s) for s in SENDERS))
        with open(os.path.join(STORE.config_dir, "vmailkit.cf"), "a") as f:
            f.write("mailbox_maps = %s, texthash:%s\n" % (PFA.mysql("mailbox"), senders))
            f.write("vdelivery_vacation = yes\nvdelivery_vacation_database = %s\n" % VACATION_CF)
        accepted = STORE.write_file("postfix-mailboxes", "".join(
            "%s x\n" % a for a in ["alice@example.com", "bob@example.com", "dave@other.org"] +
            ["%s@client.test" % s for s in SENDERS]))
        transport = STORE.write_file("transport", "other.org vdelivery-jp:\n")
        master = (STORE.master_entry(extra_args="-v") +
                  STORE.master_entry("vdelivery-jp", "-v -o vdelivery_vacation_charset=iso-2022-jp"))
        main = STORE.main_cf()
        main.update({
            "virtual_mailbox_domains": "example.com, other.org, client.test",
            "virtual_mailbox_maps": "texthash:" + accepted,
            "transport_maps": "texthash:" + transport,
            "vdelivery-jp_destination_recipient_limit": "1",
        })
        PF = NamespacedPostfix(main=main, master_extra=master)
        PF.start()
        with open(os.path.join(STORE.config_dir, "vmailkit.cf"), "a") as f:
            f.write("vdelivery_sendmail_path = /usr/sbin/sendmail -C %s\n" % PF.config_dir)
        db.sql("DELETE FROM vacation_notification; DELETE FROM vacation;")
        rows = [
            ("bob@example.com", "Out of office (Re: $SUBJECT)", "I am away until Monday.\n", 3600),
            ("alice@example.com", JA_SUBJECT, JA_BODY, 0),
            ("dave@other.org", JA_SUBJECT, JA_BODY, 0),
        ]
        for email_, subject, body, interval in rows:
            db.sql("INSERT INTO vacation (email, subject, body, activefrom, activeuntil, cache, domain, "
                   "interval_time, created, active) VALUES ('%s', '%s', '%s', NOW() - INTERVAL 1 DAY, "
                   "NOW() + INTERVAL 1 DAY, '', '%s', %d, NOW(), 1)" % (
                       email_, subject, body.replace("\n", "\\n"), email_.split("@")[1], interval))
    except BaseException:
        tearDownModule()
        raise


def tearDownModule():
    if PF:
        PF.cleanup()
    if STORE:
        STORE.cleanup()
    if PFA:
        PFA.cleanup()


def send(sender, to, headers, body="hello\n"):
    """Submit over SMTP; the queue id."""
    msg = "".join("%s: %s\r\n" % kv for kv in headers) + "\r\n" + body.replace("\n", "\r\n")
    with smtplib.SMTP("127.0.0.1", PF.port, timeout=60) as s:
        s.ehlo("client.test")
        s.mail(sender)
        code, _ = s.rcpt(to)
        assert code == 250, (code, to)
        code, resp = s.data(msg.encode("utf-8"))
        assert code == 250, (code, resp)
    m = re.search(r"queued as (\w+)", resp.decode())
    return m.group(1)


def headers_for(sender, to, subject, mid, extra=()):
    return [("From", sender or "MAILER-DAEMON@client.test"), ("To", to), ("Subject", subject),
            ("Message-ID", mid)] + list(extra)


def wait_sent(qid, rcpt):
    m = PF.wait_log(r"%s: to=<%s>.*status=(\w+)" % (qid, re.escape(rcpt)), timeout=60)
    assert m.group(1) == "sent", m.group(0)


def replies(sender_local, count=None, timeout=30):
    """Messages in client.test/SENDER_LOCAL (waits for COUNT of them when given)."""
    rel = "client.test/" + sender_local
    if count:
        common.wait_for(lambda: len(STORE.messages(rel)) >= count, timeout,
                        what="%d replies for %s (vdelivery log:\n%s)" % (count, sender_local,
                                                                         STORE.log_text()[-3000:]))
    out = []
    for p in STORE.messages(rel):
        with open(p, "rb") as f:
            out.append(email.message_from_bytes(f.read(), policy=email.policy.default))
    return out


def notifications(on_vacation):
    return PFA.db.sql("SELECT notified FROM vacation_notification WHERE on_vacation = '%s' ORDER BY notified"
                      % on_vacation).split()


class VdeliveryVacation(unittest.TestCase):
    def test_once_per_interval(self):
        qid = send("ann@client.test", "bob@example.com",
                   headers_for("Ann <ann@client.test>", "Bob <bob@example.com>", "=?UTF-8?B?5LuK5pel44Gv?=",
                               "<m1@client.test>"))
        wait_sent(qid, "bob@example.com")
        got = replies("ann", 1)
        self.assertEqual(len(got), 1)
        r = got[0]
        # The null envelope sender (RFC 3834 3.3), as Postfix queued the reply
        # (pipe(8) writes a null sender as <MAILER-DAEMON> into Return-Path).
        m = PF.wait_log(r"(\w+): message-id=%s" % re.escape(r["Message-ID"]), timeout=10)
        PF.wait_log(r"%s: from=<>, size=" % m.group(1), timeout=10)
        self.assertEqual(r["Auto-Submitted"], "auto-replied")
        self.assertEqual(r["From"], "bob@example.com")
        self.assertEqual(r["To"], "ann@client.test")
        self.assertEqual(r["Subject"], "Out of office (Re: 今日は)")  # vacation.pl's $SUBJECT, decoded
        self.assertEqual(r["In-Reply-To"], "<m1@client.test>")
        self.assertIn("<m1@client.test>", r["References"])
        self.assertEqual(r.get_content().replace("\r\n", "\n"), "I am away until Monday.\n")
        self.assertIn("ann@client.test", notifications("bob@example.com"))

        mark = len(STORE.log_text())
        qid = send("ann@client.test", "bob@example.com",
                   headers_for("ann@client.test", "bob@example.com", "second", "<m2@client.test>"))
        wait_sent(qid, "bob@example.com")
        common.wait_for(lambda: "already answered" in STORE.log_text()[mark:], 30, what="already answered")
        # Once the interval has passed, the sender is answered again.
        PFA.db.sql("UPDATE vacation_notification SET notified_at = NOW() - INTERVAL 2 HOUR "
                   "WHERE on_vacation = 'bob@example.com'")
        qid = send("ann@client.test", "bob@example.com",
                   headers_for("ann@client.test", "bob@example.com", "third", "<m3@client.test>"))
        wait_sent(qid, "bob@example.com")
        got = replies("ann", 2)
        self.assertEqual(len(got), 2, "the second message (within the interval) was answered")
        self.assertEqual(sorted(m["In-Reply-To"] for m in got), ["<m1@client.test>", "<m3@client.test>"])

    def test_lists_bulk_auto_and_bounces_get_no_reply(self):
        cases = [
            ("ben@client.test", [("Precedence", "bulk")], "Precedence: bulk"),
            ("cat@client.test", [("List-Id", "<team.lists.client.test>")], "List-Id header"),
            ("auto@client.test", [("Auto-Submitted", "auto-generated")], "Auto-Submitted: auto-generated"),
            ("news@client.test", [("Precedence", "list"), ("List-Unsubscribe", "<mailto:u@client.test>")],
             "Precedence: list"),
            # pipe(8) passes a null sender as MAILER-DAEMON (its null_sender default).
            ("", [], "MAILER-DAEMON sender"),
        ]
        mark = len(STORE.log_text())
        for sender, extra, _ in cases:
            qid = send(sender, "bob@example.com",
                       headers_for(sender, "bob@example.com", "no reply please", "<%s-x@client.test>" % sender[:4],
                                   extra))
            wait_sent(qid, "bob@example.com")
        # A control message from a plain sender is answered: its reply went the same way.
        qid = send("dan@client.test", "bob@example.com",
                   headers_for("dan@client.test", "bob@example.com", "control", "<ctl@client.test>"))
        wait_sent(qid, "bob@example.com")
        self.assertEqual(len(replies("dan", 1)), 1)
        log = STORE.log_text()[mark:]
        for sender, _, reason in cases:
            self.assertIn("vacation: no reply to <%s>: %s" % (sender or "MAILER-DAEMON", reason), log)
        for s in ("ben", "cat", "auto", "news"):
            self.assertEqual(replies(s), [], s)
        noted = notifications("bob@example.com")
        self.assertIn("dan@client.test", noted)
        for s in ("ben@client.test", "cat@client.test", "auto@client.test", "news@client.test"):
            self.assertNotIn(s, noted)
        self.assertEqual(PFA.db.sql("SELECT COUNT(*) FROM vacation_notification WHERE notified = ''").strip(), "0")

    def test_not_in_to_cc_gets_no_reply(self):
        mark = len(STORE.log_text())
        qid = send("eve@client.test", "bob@example.com",
                   headers_for("eve@client.test", "undisclosed-recipients:;", "bcc", "<bcc@client.test>"))
        wait_sent(qid, "bob@example.com")
        common.wait_for(lambda: "not addressed to the user in To/Cc" in STORE.log_text()[mark:], 30,
                        what="To/Cc decision")
        self.assertNotIn("eve@client.test", notifications("bob@example.com"))

    def check_japanese(self, sender_local, rcpt, charset):
        qid = send(sender_local + "@client.test", rcpt,
                   headers_for(sender_local + "@client.test", rcpt, "=?UTF-8?B?5LuK5pel44Gv?=",
                               "<%s@client.test>" % sender_local))
        wait_sent(qid, rcpt)
        r = replies(sender_local, 1)[0]
        raw = read(STORE.messages("client.test/" + sender_local)[0])
        self.assertIn("=?%s?B?" % charset, raw)
        for line in raw.split("\n\n", 1)[0].splitlines():
            self.assertLessEqual(len(line), 76, line)
        self.assertEqual(r["Subject"], JA_SUBJECT)
        self.assertEqual(r.get_content_charset(), charset.lower())
        self.assertEqual(r.get_content().replace("\r\n", "\n"), JA_BODY)
        self.assertEqual(r["From"], rcpt)
        return raw

    def test_japanese_utf8(self):
        raw = self.check_japanese("jp1", "alice@example.com", "UTF-8")
        self.assertIn("Content-Transfer-Encoding: base64", raw)

    def test_japanese_iso_2022_jp(self):
        raw = self.check_japanese("jp2", "dave@other.org", "ISO-2022-JP")
        self.assertIn("Content-Transfer-Encoding: 7bit", raw)
        head, body = raw.split("\n\n", 1)
        self.assertTrue(all(ord(c) < 128 for c in raw), "ISO-2022-JP is 7bit")
        for line in body.splitlines():  # RFC 1468: every line ends in ASCII
            if "\x1b" in line:
                self.assertTrue(line.rsplit("\x1b", 1)[1].startswith("(B"), repr(line))
        for word in re.findall(r"=\?ISO-2022-JP\?B\?([A-Za-z0-9+/=]+)\?=", head):
            self.assertTrue(base64.b64decode(word).endswith(b"\x1b(B"))

    def test_failures_never_fail_the_delivery(self):
        message = ("From: dbdown@client.test\nTo: bob@example.com\nSubject: x\nMessage-ID: <f1@c>\n\nx\n").encode()
        bad_cf = STORE.write_file("bad_vacation.cf", "hosts = inet:127.0.0.1:1\nuser = x\npassword = y\n"
                                  "dbname = postfix\nconnect_timeout = 2\n")
        r = STORE.run("bob@example.com", message, sender="dbdown@client.test",
                      args=["-o", "vdelivery_vacation_database=" + bad_cf])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"2.0.0", r.stderr)
        self.assertRegex(STORE.log_text(), r"warning: to=<bob@example.com>, vacation: no reply to "
                                           r"<dbdown@client.test>: mysql:\S*bad_vacation.cf: ")
        message = message.replace(b"dbdown", b"smfail")
        r = STORE.run("bob@example.com", message, sender="smfail@client.test",
                      args=["-o", "vdelivery_sendmail_path=/bin/false"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr.count(b"\n"), 1, r.stderr)  # only vdelivery's own status line
        self.assertIn("vacation: reply to <smfail@client.test> not sent: sendmail: /bin/false failed (exit status 1)",
                      STORE.log_text())


if __name__ == "__main__":
    from harness import vdelivery
    from harness.mariadb import SkipTest
    try:
        common.preflight([vdelivery.binary, lambda: common.require("postfix", "postfix"),
                          lambda: common.require("mariadbd", "mariadb-server"),
                          lambda: common.require("unshare", "util-linux")])
    except SkipTest as e:
        print("SKIP: %s" % e)
        sys.exit(77)
    unittest.main()
