#!/usr/bin/python3
"""policyd's per-login sending rate limit through a real Postfix, end to end.

A private MariaDB (Postfix Admin rows of harness.saslcheck_db plus
schema/vmailkit-rate-limit.sql with a limit of 3 messages per hour for
@example.com), saslcheck for SMTP AUTH (Dovecot protocol), policyd with
policyd_rate_limit = yes, and a private Postfix calling policyd from
smtpd_data_restrictions. joe@example.com sends 3 messages (250), the 4th
gets 450 4.7.1 at DATA; sha@example.com, same domain, is unaffected; an
unauthenticated client is not counted; the shared counter row says 3; with
the counter table failing the answer is 4xx (never a pass on an unknown count).
Run standalone or under meson (suite integration).
"""

import os
import re
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import common, saslcheck_db  # noqa: E402
from harness.policyd import Policyd  # noqa: E402
from harness.postfix import Postfix  # noqa: E402
from harness.saslcheck import Saslcheck  # noqa: E402

DB = SC = PF = TMP = POLICYD = None


def setUpModule():
    global DB, SC, PF, TMP, POLICYD
    try:
        DB = saslcheck_db.start_db()
        DB.load_sql_file(os.path.join(common.REPO_ROOT, "schema", "vmailkit-rate-limit.sql"))
        DB.sql("INSERT INTO vmailkit_rate_limit (scope, messages, recipients, window_seconds) "
               "VALUES ('@example.com', 3, 0, 3600);")
        TMP = tempfile.mkdtemp(prefix="vmk-policyd-rate-")
        os.chmod(TMP, 0o755)
        SC = Saslcheck(params={"saslcheck_password_maps": saslcheck_db.write_cf(DB, TMP), "saslcheck_cache_ttl": "0",
                               "saslcheck_failure_threshold": "0"}, dovecot=True)
        SC.start()
        rate_cf = os.path.join(TMP, "vmailkit-rate.cf")
        with open(os.path.join(common.REPO_ROOT, "schema", "vmailkit-rate.cf")) as f:
            query = [ln for ln in f.read().splitlines() if ln.startswith("query")]
        with open(rate_cf, "w") as f:
            f.write(DB.cf_text(hosts=DB.hosts_inet) + "\n".join(query) + "\n")
        domains_cf = os.path.join(TMP, "domains.cf")
        with open(domains_cf, "w") as f:
            f.write(DB.cf_text(hosts=DB.hosts_inet) + "query = SELECT domain FROM domain WHERE domain='%s'\n")
        POLICYD = Policyd({"policyd_rate_limit": "yes", "policyd_rate_database": rate_cf,
                                "policyd_local_domains": "mysql:" + domains_cf, "policyd_sender_login_maps": "",
                                "policyd_mynetworks": "127.0.0.1/32"})
        POLICYD.start()
        PF = Postfix(main={"smtpd_sasl_auth_enable": "yes", "smtpd_sasl_type": "dovecot",
                           "smtpd_sasl_path": SC.dovecot_socket,
                           "mynetworks": "127.0.0.2/32",  # the test client (127.0.0.1) is not trusted
                           "relay_domains": "example.com",
                           "smtpd_relay_restrictions": "permit_sasl_authenticated, reject_unauth_destination",
                           "smtpd_data_restrictions": "check_policy_service unix:" + POLICYD.socket})
        PF.start()
    except BaseException:
        tearDownModule()
        raise


def tearDownModule():
    if PF is not None:
        PF.cleanup()
    problem = POLICYD.cleanup() if POLICYD is not None else None
    problem = (SC.cleanup() if SC is not None else None) or problem
    if DB is not None:
        DB.cleanup()
    if TMP is not None and os.environ.get("VMAILKIT_KEEP_TMP") != "1":
        shutil.rmtree(TMP, ignore_errors=True)
    if problem:
        raise RuntimeError(problem)


def send(login=None, to="friend@remote.example"):
    """One message with swaks (AUTH PLAIN when LOGIN): the reply to DATA, else the first refusal, else the transcript."""
    exe = common.require("swaks", "swaks")
    cmd = [exe, "--server", "127.0.0.1:%d" % PF.port, "--helo", "client.test", "--timeout", "60",
           "--from", login or "someone@outside.example", "--to", to]
    if login:
        cmd += ["--auth", "PLAIN", "--auth-user", login, "--auth-password", "password"]
    r = common.run(cmd, timeout=120)
    text = r.stdout + r.stderr
    text = text if isinstance(text, str) else text.decode(errors="replace")
    command, refusal = None, None
    for line in text.splitlines():
        m = re.match(r"^ -> (\S+)", line)
        if m:
            command = m.group(1).upper()
            continue
        m = re.match(r"^<[-*~]+\s+(\d{3}) (.*)$", line)
        if m and command:
            if command == "DATA":
                return "%s %s" % m.groups()
            if m.group(1)[0] in "45" and refusal is None:
                refusal = "%s %s (to %s)" % (m.group(1), m.group(2), command)
            command = None
    return refusal or text


def counter(login):
    out = DB.sql("SELECT messages FROM vmailkit_rate_counter WHERE login = '%s';" % login).split()
    return int(out[0]) if out else 0


class RateLimit(unittest.TestCase):
    def test_1_fourth_message_deferred_other_login_unaffected(self):
        for i in range(3):
            self.assertTrue(send("joe@example.com").startswith("354"), "message %d" % (i + 1))
        reply = send("joe@example.com")
        # Postfix puts its class text before the policy's text (postfix-policy.md section 3).
        self.assertEqual(reply, "450 4.7.1 <DATA>: Data command rejected: "
                                "<joe@example.com>: rate limit exceeded: 3 messages in 3600 s")
        self.assertEqual(counter("joe@example.com"), 3)  # the refused one is not counted
        self.assertTrue(send("sha@example.com").startswith("354"))
        self.assertEqual(counter("sha@example.com"), 1)
        PF.wait_log(r"reject: DATA from .*450 4\.7\.1 <DATA>: Data command rejected: "
                    r"<joe@example\.com>: rate limit exceeded")
        self.assertIn("rate: defer: sasl_username=joe@example.com", POLICYD.log_text())

    def test_2_unauthenticated_not_counted(self):
        before = DB.sql("SELECT COUNT(*) FROM vmailkit_rate_counter;").strip()
        self.assertTrue(send(None, to="joe@example.com").startswith("354"))
        self.assertEqual(DB.sql("SELECT COUNT(*) FROM vmailkit_rate_counter;").strip(), before)

    def test_3_database_error_is_4xx(self):
        # The counter table unusable (SQL error on the counter update) while
        # the rest of the database, and so SMTP AUTH, still works.
        DB.sql("RENAME TABLE vmailkit_rate_counter TO vmailkit_rate_counter_away;")
        try:
            reply = send("sha@example.com")
        finally:
            DB.sql("RENAME TABLE vmailkit_rate_counter_away TO vmailkit_rate_counter;")
        self.assertRegex(reply, r"^4\d\d 4\.\d\.\d <DATA>: ")  # policyd's DEFER_IF_PERMIT
        self.assertEqual(counter("sha@example.com"), 1)
        self.assertTrue(send("sha@example.com").startswith("354"))  # and it recovers


if __name__ == "__main__":
    unittest.main(verbosity=2)
