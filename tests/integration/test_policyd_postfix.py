#!/usr/bin/python3
"""policyd behind a real private Postfix 3.7, on a real MariaDB with the
Postfix Admin schema, SMTP AUTH through saslcheck (Dovecot protocol).

Postfix: mynetworks = 127.0.0.1/32, restrictions from
postfix-snippets/policyd-main.cf (socket path rewritten), virtual tables on
the same database; clients connect from 127.0.0.2 (outside mynetworks).
Checked:
  * plain relaying and every relay trick are refused "554 5.7.1 <rcpt>:
    Recipient address rejected: Relay access denied" (Postfix adds the class
    prefix to policyd's "554 5.7.1 Relay access denied"), and policyd logged it;
  * local delivery (mailbox, alias domain) is accepted and the message taken;
  * authenticated relaying is accepted (raw SMTP and swaks --local-interface);
  * a sender the login does not own is refused 553 5.7.1 (owned: mailbox,
    alias domain address, an alias delivering to the login; null sender ok);
  * with MariaDB stopped the answers are 4xx, and policyd said DEFER_IF_PERMIT;
  * the snippets: postconf -n warns about nothing, policyd-postconf.sh sets the same.
Run standalone or under meson.
"""

import os
import re
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import common, pfa, saslcheck_db  # noqa: E402
from harness.policyd import Policyd, SmtpSession  # noqa: E402
from harness.postfix import Postfix  # noqa: E402
from harness.saslcheck import Saslcheck  # noqa: E402
from harness.smtp import rcpt_reply, swaks  # noqa: E402

SNIPPETS = os.path.join(common.REPO_ROOT, "postfix-snippets")
MAIN_SNIPPET = os.path.join(SNIPPETS, "policyd-main.cf")
POSTCONF_SH = os.path.join(SNIPPETS, "policyd-postconf.sh")
PASSWORD = "password"
MD5CRYPT = "$1$9473baa1$lI.LCdZMuPa3gMWdZxE3a/"  # "password"
LOGINS = ("alice@example.com", "bob@example.com", "dave@other.org")

STACK = SC = PD = PF = REF = TMP = None
# What the client sees: Postfix puts its class prefix before policyd's text.
DENIED = "554 5.7.1 <%s>: Recipient address rejected: Relay access denied"

TRICKS = [
    "victim%elsewhere.test@example.com",
    "victim@elsewhere.test@example.com",
    "\"victim@elsewhere.test\"@example.com",
    "@example.com:victim@elsewhere.test",
    "elsewhere.test!victim@example.com",
    "victim%elsewhere.test@example.net",
]


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def snippet_params(text):
    """name -> value from main.cf text (continuation lines joined)."""
    params, cur = {}, None
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line[0] in " \t" and cur:
            params[cur] = (params[cur] + " " + line.strip()).strip()
            continue
        name, _, value = line.partition("=")
        cur = name.strip()
        params[cur] = value.strip()
    return params


def setUpModule():
    global STACK, SC, PD, PF, REF, TMP
    try:
        TMP = tempfile.mkdtemp(prefix="vmk-policyd-pf-")
        os.chmod(TMP, 0o755)
        STACK = pfa.PfaStack(tmp_root=TMP).start()
        STACK.db.sql("UPDATE mailbox SET password='%s' WHERE username IN (%s);"
                     % (MD5CRYPT, ", ".join("'%s'" % u for u in LOGINS)))
        STACK.db.sql("INSERT INTO alias (address, goto, domain, active) VALUES "
                     "('sales@example.com', 'alice@example.com,dave@other.org', 'example.com', 1);")
        # saslcheck keeps found password rows for an hour, so AUTH still works
        # while MariaDB is down and the policy answers can be seen.
        SC = Saslcheck(params={"saslcheck_password_maps": saslcheck_db.write_cf(STACK.db, TMP),
                               "saslcheck_cache_ttl": "1h", "saslcheck_failure_threshold": "0"},
                       dovecot=True, tmp_root=TMP)
        SC.start()
        PD = Policyd(params={
            "policyd_mynetworks": "127.0.0.1/32",
            "policyd_local_domains": STACK.mysql("domains"),
            "policyd_sender_login_maps": STACK.mysql("sender_login"),
            "recipient_delimiter": "+",
            "policyd_cache_ttl": "1s", "policyd_negative_ttl": "1s",
        }, tmp_root=TMP)
        PD.start()
        main = snippet_params(read(MAIN_SNIPPET))
        main = {k: v.replace("unix:private/vmailkit-policyd", "unix:" + PD.socket) for k, v in main.items()}
        main.update({
            "virtual_mailbox_domains": STACK.mysql("domains"),
            "virtual_mailbox_maps": ", ".join(STACK.mysql_list("virtual_mailbox")),
            "virtual_alias_maps": ", ".join(STACK.mysql_list("virtual_alias")),
            "virtual_alias_domains": "",
            "smtpd_sasl_auth_enable": "yes", "smtpd_sasl_type": "dovecot", "smtpd_sasl_path": SC.dovecot_socket,
            "smtpd_sasl_security_options": "noanonymous",
        })
        PF = Postfix(main=main, tmp_root=TMP)  # listens on 127.0.0.1; clients come from 127.0.0.2
        PF.start()
        # The reference: Postfix's own reject_sender_login_mismatch on the same map, no policyd.
        ref = {k: v for k, v in main.items() if not k.startswith("smtpd_") or k.startswith("smtpd_sasl")}
        ref.update({"smtpd_sender_login_maps": STACK.mysql("sender_login"),
                    "smtpd_sender_restrictions": "reject_sender_login_mismatch",
                    "smtpd_relay_restrictions": "permit_sasl_authenticated, reject_unauth_destination"})
        REF = Postfix(main=ref, tmp_root=TMP)
        REF.start()
    except BaseException:
        tearDownModule()
        raise


def tearDownModule():
    for pf in (PF, REF):
        if pf is not None:
            pf.cleanup()
    problems = [p.cleanup() for p in (PD, SC) if p is not None]
    if STACK is not None:
        STACK.cleanup()
    problems = [p for p in problems if p]
    if problems:
        raise RuntimeError("\n".join(problems))


def session(login=None, pf=None):
    s = SmtpSession((pf or PF).port, source="127.0.0.2")
    if login:
        r = s.auth_plain(login, PASSWORD)
        if not r.startswith("235"):
            s.close()
            raise AssertionError("AUTH %s: %r\nsaslcheck log:\n%s" % (login, r, SC.log_text()[-2000:]))
    return s


def rcpt(sender, to, login=None, pf=None):
    with session(login, pf) as s:
        r = s.mail(sender)
        if not r.startswith("250"):
            return "MAIL: " + r
        return s.rcpt(to)


class Strangers(unittest.TestCase):
    """Unauthenticated client outside mynetworks."""

    def test_plain_relaying_refused(self):
        mark = len(PD.log_text())
        for to in ("victim@elsewhere.test", "victim@sub.example.com", "victim@relay-me.example"):
            with self.subTest(to=to):
                self.assertEqual(rcpt("s@client.test", to), DENIED % to)
        log = PD.log_text()[mark:]
        self.assertRegex(log, r"NOQUEUE: reject: RCPT from \S+\[127\.0\.0\.2\]: 554 5\.7\.1 "
                              r"<victim@elsewhere\.test>: Recipient address rejected: Relay access denied; "
                              r"from=<s@client\.test> "
                              r"to=<victim@elsewhere\.test> proto=ESMTP helo=<client\.test>")

    def test_relay_tricks_refused(self):
        for to in TRICKS:
            with self.subTest(to=to):
                mark = len(PD.log_text())
                reply = rcpt("s@client.test", to)
                self.assertRegex(reply, r"^554 5\.7\.1 <[^>]*>: Recipient address rejected: Relay access denied$")
                # policyd made the decision (Postfix hands it the address in internal
                # form and strips the source route of @example.com:victim@...).
                common.wait_for(lambda: "reject: RCPT from" in PD.log_text()[mark:], 10,
                                what="policyd reject line for %s" % to)

    def test_local_delivery_accepted(self):
        for to in ("alice@example.com", "alice+tag@example.com", "alice@example.net", "anyone@other.org"):
            with self.subTest(to=to):
                self.assertRegex(rcpt("s@client.test", to), r"^250 ")
        with session() as s:
            s.mail("s@client.test")
            self.assertRegex(s.rcpt("alice@example.com"), r"^250 ")
            self.assertRegex(s.cmd("DATA"), r"^354 ")
            self.assertRegex(s.cmd("Subject: policyd test\r\n\r\nhello\r\n."), r"^250 2\.0\.0 Ok: queued")

    def test_unknown_local_user_still_refused_by_postfix(self):
        self.assertRegex(rcpt("s@client.test", "nobody@example.com"), r"^550 5\.1\.1 ")


class LoggedIn(unittest.TestCase):

    def test_authenticated_relaying_accepted(self):
        self.assertRegex(rcpt("alice@example.com", "friend@elsewhere.test", login="alice@example.com"), r"^250 ")
        self.assertRegex(rcpt("alice@example.com", "alice@example.com", login="alice@example.com"), r"^250 ")

    def test_authenticated_relaying_with_swaks(self):
        rc, out = swaks(PF.port, "friend@elsewhere.test", sender="dave@other.org", local_interface="127.0.0.2",
                        extra=["--auth", "PLAIN", "--auth-user", "dave@other.org", "--auth-password", PASSWORD])
        self.assertRegex(rcpt_reply(out) or out, r"^250 ")
        rc, out = swaks(PF.port, "friend@elsewhere.test", local_interface="127.0.0.2")
        self.assertEqual(rcpt_reply(out), DENIED % "friend@elsewhere.test")

    def test_owned_senders_accepted(self):
        cases = [
            ("alice@example.com", "alice@example.com"),   # the mailbox itself
            ("alice@example.com", "Alice@Example.COM"),   # case-insensitive
            ("alice@example.com", "alice@example.net"),   # same local part in an alias domain
            ("alice@example.com", "alice+list@example.com"),  # extension
            ("alice@example.com", "sales@example.com"),   # an alias that delivers to her
            ("dave@other.org", "sales@example.com"),
            ("alice@example.com", ""),                    # null sender: not checked (as Postfix)
        ]
        for login, sender in cases:
            with self.subTest(login=login, sender=sender):
                self.assertRegex(rcpt(sender, "friend@elsewhere.test", login=login), r"^250 ")

    def test_foreign_sender_refused_553(self):
        cases = [
            ("alice@example.com", "bob@example.com"),
            ("alice@example.com", "bob@example.net"),
            ("bob@example.com", "sales@example.com"),
            ("alice@example.com", "ceo@elsewhere.test"),
            ("alice@example.com", "anyone@other.org"),    # catch-all domain: not owned
        ]
        for login, sender in cases:
            with self.subTest(login=login, sender=sender):
                mark = len(PD.log_text())
                self.assertEqual(rcpt(sender, "friend@elsewhere.test", login=login),
                                 "553 5.7.1 <friend@elsewhere.test>: Recipient address rejected: "
                                 "<%s>: Sender address rejected: not owned by user %s" % (sender, login))
                self.assertIn("sasl_username=%s" % login, PD.log_text()[mark:])


class SameAsPostfix(unittest.TestCase):
    """policyd's sender-login decision equals Postfix's reject_sender_login_mismatch
    on the same map (accept/reject, and the sender/login words), null sender included."""

    def test_sender_login_decisions_match(self):
        cases = [(login, sender) for login in ("alice@example.com", "dave@other.org") for sender in (
            "alice@example.com", "ALICE@example.com", "alice@example.net", "alice+x@example.com", "sales@example.com",
            "dave@other.org", "dave@catch.example", "anyone@other.org", "bob@example.com", "x@elsewhere.test", "")]
        for login, sender in cases:
            with self.subTest(login=login, sender=sender):
                ours = rcpt(sender, "friend@elsewhere.test", login=login)
                theirs = rcpt(sender, "friend@elsewhere.test", login=login, pf=REF)
                if sender == "":
                    self.assertRegex(theirs, r"^250 ")  # the null sender is not checked
                self.assertEqual(ours[:3], theirs[:3], "policyd %r, Postfix %r" % (ours, theirs))
                if theirs.startswith("553"):
                    # Postfix: "553 5.7.1 <S>: Sender address rejected: not owned by user L";
                    # policyd's reply carries the same words after Postfix's recipient prefix.
                    self.assertTrue(ours.endswith(theirs[len("553 5.7.1 "):]), (ours, theirs))


class WhenDatabaseIsDown(unittest.TestCase):
    """Runs last (unittest orders classes by name): Postfix's own mysql: client
    keeps a failed host down for 60 s, which would disturb the other classes."""

    def test_4xx_while_mariadb_is_down(self):
        for login in LOGINS:  # saslcheck caches the password rows: AUTH works without the database
            session(login).close()
        STACK.db.stop()
        try:
            time.sleep(1.5)  # policyd_cache_ttl = 1s: nothing cached is still fresh
            mark = len(PD.log_text())
            cases = [
                ("alice@example.com", "friend@elsewhere.test", "alice@example.com"),
                ("bob@example.com", "friend@elsewhere.test", "bob@example.com"),
                ("s@client.test", "alice@example.com", None),
                # A domain no smtpd process has resolved yet (smtpd caches the last resolve).
                ("s@client.test", "victim@never-seen-%d.test" % os.getpid(), None),
            ]
            for sender, to, login in cases:
                with self.subTest(sender=sender, to=to, login=login):
                    self.assertRegex(rcpt(sender, to, login=login), r"^4\d\d 4\.")
            self.assertIn("defer_if_permit: RCPT from unknown[127.0.0.2]: 450 4.3.0", PD.log_text()[mark:])
        finally:
            STACK.db.start()
        common.wait_for(lambda: rcpt("alice@example.com", "friend@elsewhere.test", login="alice@example.com")
                        .startswith("250"), 150, what="250 again after MariaDB restart")


class Snippets(unittest.TestCase):

    def config_dir(self, extra_text=""):
        pf = Postfix(tmp_root=TMP)
        pf.dir = tempfile.mkdtemp(prefix="vmk-postconf-", dir=TMP)
        pf.port = 25
        pf.write_config()
        with open(os.path.join(pf.config_dir, "main.cf"), "a") as f:
            f.write(extra_text)
        return pf

    def values(self, pf):
        r = pf.postconf_n("-h", *snippet_params(read(MAIN_SNIPPET)).keys())
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.splitlines()

    def test_main_cf_snippet_and_postconf_script(self):
        a = self.config_dir(read(MAIN_SNIPPET))
        r = a.postconf_n("-n")
        self.assertEqual((r.returncode, r.stderr), (0, ""), "postconf warnings for policyd-main.cf")
        self.assertIn("check_policy_service unix:private/vmailkit-policyd", " ".join(self.values(a)))
        b = self.config_dir()
        r = common.run(["sh", POSTCONF_SH, "-c", b.config_dir])
        self.assertEqual((r.returncode, r.stderr), (0, ""), r.stdout)
        self.assertEqual(self.values(b), self.values(a))


if __name__ == "__main__":
    try:
        unittest.main(verbosity=2)
    except common.MissingTool as e:
        print("MISSING:", e)
        sys.exit(77 if os.environ.get("VMAILKIT_ALLOW_SKIP") == "1" else 1)
