#!/usr/bin/python3
"""saslcheck's authdaemond admin commands against Courier's real clients:
PASSWD through `authtest USER OLD NEW` and ENUMERATE through
`authenumerate` (both in a private mount namespace over
/run/courier/authdaemon), on Postfix Admin rows in a private MariaDB whose
saslcheck_account_database user has only the grants the README names.
Checks: PASSWD off by default (FAIL, row untouched); with it on, the new
password is stored in saslcheck_passwd_scheme and works at once while the
old one stops working; a wrong old password, a database down and a failing
UPDATE all answer FAIL with a log line and leave the row as it was; the
listing holds exactly the active mailboxes in active domains, also when it
spans many batches, and ends without "." when the database is down.
Run standalone or under meson.
"""

import os
import socket
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import common, saslcheck_db  # noqa: E402
from harness.saslcheck import Saslcheck  # noqa: E402

DB = ON = OFF = TMP = None
ACTIVE = sorted(login for login, (_s, _p, mb, dom) in saslcheck_db.ROWS.items() if mb and dom)
GRANTS = ("CREATE USER IF NOT EXISTS 'pwchange'@'localhost' IDENTIFIED BY 'pw-Change';"
          "GRANT SELECT ON postfix.domain TO 'pwchange'@'localhost';"
          "GRANT SELECT, UPDATE (password, modified) ON postfix.mailbox TO 'pwchange'@'localhost';")


def setUpModule():
    global DB, ON, OFF, TMP
    try:
        DB = saslcheck_db.start_db()
        DB.sql(GRANTS)
        TMP = tempfile.mkdtemp(prefix="vmk-saslcheck-admin-")
        accounts = os.path.join(TMP, "accounts.cf")
        with open(accounts, "w") as f:
            f.write("hosts = unix:%s\nuser = pwchange\npassword = pw-Change\ndbname = postfix\n" % DB.socket)
        common_params = {"saslcheck_password_maps": saslcheck_db.write_cf(DB, TMP),
                         "saslcheck_account_database": accounts, "saslcheck_default_domain": "example.com",
                         "saslcheck_failure_threshold": "0"}
        OFF = Saslcheck(params=dict(common_params))
        OFF.start()
        ON = Saslcheck(params=dict(common_params, saslcheck_passwd_enable="yes",
                                   saslcheck_passwd_scheme="SHA512-CRYPT"))
        ON.start()
    except BaseException:
        tearDownModule()
        raise


def tearDownModule():
    problems = [sc.cleanup() for sc in (ON, OFF) if sc is not None]
    if DB is not None:
        DB.cleanup()
    if any(problems):
        raise RuntimeError("; ".join(p for p in problems if p))


def courier(sc, *argv):
    """A Courier client tool with SC's socket bound over its compiled-in path."""
    if not common.which(argv[0]):
        raise common.MissingTool("%s not found; apt-get install courier-authdaemon" % argv[0])
    cmd = "mkdir -p /run/courier/authdaemon && mount --bind %s /run/courier/authdaemon && exec %s" % (
        os.path.dirname(sc.socket), " ".join("'%s'" % a for a in argv))
    r = common.run(["unshare", "-m", "sh", "-c", cmd], timeout=120)
    out = r.stdout if isinstance(r.stdout, str) else r.stdout.decode()
    err = r.stderr if isinstance(r.stderr, str) else r.stderr.decode()
    return r.returncode, out + err


def stored(login):
    return DB.sql("SELECT password FROM mailbox WHERE username = '%s'" % login).strip()


def raw(sc, request):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(30)
    s.connect(sc.socket)
    s.sendall(request)
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    return data


def can_login(sc, login, password):
    return courier(sc, "authtest", login, password)[0] == 0


def wait_for_database(sc, timeout=20):
    """Until SC logs in again after a restart: its lone MySQL host stays marked
    down for lone_retry (2 s) after the last failure, as Postfix's does."""
    deadline = time.monotonic() + timeout
    while not can_login(sc, "joe@example.com", "password"):
        if time.monotonic() > deadline:
            raise AssertionError("saslcheck did not recover within %d s of the restart" % timeout)
        time.sleep(0.5)


class Passwd(unittest.TestCase):
    def test_off_by_default(self):
        before = stored("joe@example.com")
        rc, out = courier(OFF, "authtest", "joe@example.com", "password", "other-pw")
        self.assertEqual(rc, 1, out)
        self.assertEqual(stored("joe@example.com"), before)
        self.assertIn("password change disabled (saslcheck_passwd_enable)", OFF.log_text())
        self.assertTrue(can_login(OFF, "joe@example.com", "password"))

    def test_change_with_authtest(self):
        self.assertTrue(can_login(ON, "sha@example.com", "password"))  # the row is in the cache now
        rc, out = courier(ON, "authtest", "-s", "imap", "sha@example.com", "password", "N3w pass=word")
        self.assertEqual(rc, 0, out)
        self.assertIn("Password change succeeded", out)
        self.assertTrue(stored("sha@example.com").startswith("{SHA512-CRYPT}$6$"))
        # At once, despite saslcheck_cache_ttl: the cached row was dropped.
        self.assertTrue(can_login(ON, "sha@example.com", "N3w pass=word"))
        self.assertFalse(can_login(ON, "sha@example.com", "password"))
        log = ON.log_text()
        self.assertIn("PASSWD service=imap user=sha@example.com: password changed", log)
        self.assertNotIn("N3w pass=word", log)
        # Postfix Admin-style short name with the default domain; and back.
        rc, out = courier(ON, "authtest", "sha", "N3w pass=word", "password")
        self.assertEqual(rc, 0, out)
        self.assertTrue(can_login(ON, "sha@example.com", "password"))

    def test_refusals_leave_the_row(self):
        cases = [("ann@example.com", "wrong", "x1", "wrong password"),
                 ("nobody@example.com", "password", "x1", "unknown user"),
                 ("off@example.com", "password", "x1", "unknown user"),  # inactive mailbox
                 ("bob@dead.example", "password", "x1", "unknown user")]  # inactive domain
        for login, old, new, why in cases:
            before = DB.sql("SELECT password FROM mailbox").strip()
            rc, out = courier(ON, "authtest", login, old, new)
            self.assertEqual(rc, 1, (login, out))
            self.assertEqual(DB.sql("SELECT password FROM mailbox").strip(), before)
            self.assertIn("user=%s: failed: %s" % (login, why), ON.log_text())
        # A control character in the request: FAIL, not silence.
        self.assertEqual(raw(ON, b"PASSWD imap\tann@example.com\ttanstaaf\x01taaf\tx\n"), b"FAIL\n")

    def test_failing_update_changes_nothing(self):
        before = stored("blf@example.com")
        DB.sql("CREATE TRIGGER no_pw_change BEFORE UPDATE ON mailbox FOR EACH ROW "
               "SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'updates refused by test trigger'")
        try:
            rc, out = courier(ON, "authtest", "blf@example.com", "password", "newer-pw")
            self.assertEqual(rc, 1, out)
            self.assertEqual(stored("blf@example.com"), before)
            self.assertIn("user=blf@example.com: not changed: ", ON.log_text())
            self.assertIn("updates refused by test trigger; answered FAIL", ON.log_text())
        finally:
            DB.sql("DROP TRIGGER no_pw_change")
        self.assertTrue(can_login(ON, "blf@example.com", "password"))


class Enumerate(unittest.TestCase):
    def test_authenumerate_lists_active_mailboxes(self):
        rc, out = courier(OFF, "authenumerate")
        self.assertEqual(rc, 0, out)
        lines = sorted(l for l in out.splitlines() if l.strip())
        self.assertEqual([l.split("\t")[0] for l in lines], ACTIVE)
        self.assertIn("joe@example.com\t5000\t5000\t/var/vmail\t/var/vmail/example.com/joe/", lines)
        reply = raw(OFF, b"ENUMERATE\n")
        self.assertTrue(reply.startswith(b"# saslcheck\n\n"), reply[:40])
        self.assertTrue(reply.endswith(b"\n.\n"), reply[-40:])

    def test_many_rows_stream_in_batches(self):
        n = 3000
        DB.sql("INSERT INTO domain (domain, description, transport) VALUES ('many.example', '', 'virtual');" +
               "".join("INSERT INTO mailbox (username, password, name, maildir, local_part, domain) VALUES "
                       "('m%d@many.example', 'x', '', 'many.example/m%d/', 'm%d', 'many.example');" % (i, i, i)
                       for i in range(n)))
        try:
            reply = raw(ON, b"ENUMERATE\n").decode()
            self.assertTrue(reply.endswith("\n.\n"))
            names = [l.split("\t")[0] for l in reply.splitlines()[2:-1]]
            self.assertEqual(len(names), n + len(ACTIVE))
            self.assertEqual(len(set(names)), len(names))
            self.assertIn("m2999@many.example", names)
            self.assertIn("listed %d mailbox(es)" % (n + len(ACTIVE)), ON.log_text())
        finally:
            DB.sql("DELETE FROM mailbox WHERE domain = 'many.example'; DELETE FROM domain WHERE domain = 'many.example'")


class DatabaseDown(unittest.TestCase):
    def test_fail_and_broken_listing(self):
        before = stored("ann@example.com")
        DB.stop()
        try:
            rc, out = courier(ON, "authtest", "ann@example.com", "tanstaaftanstaaf", "x-new")
            self.assertEqual(rc, 1, out)
            self.assertIn("PASSWD service=login user=ann@example.com: not changed:", ON.log_text())
            reply = raw(ON, b"ENUMERATE\n")
            self.assertFalse(reply.endswith(b".\n"), reply)
            self.assertIn("ENUMERATE: saslcheck_account_database", ON.log_text())
            rc, out = courier(ON, "authenumerate")
            self.assertNotEqual(rc, 0, out)
        finally:
            DB.start()
            wait_for_database(ON)
        self.assertEqual(stored("ann@example.com"), before)


if __name__ == "__main__":
    try:
        unittest.main(verbosity=2)
    except common.MissingTool as e:
        print("MISSING:", e)
        sys.exit(77 if os.environ.get("VMAILKIT_ALLOW_SKIP") == "1" else 1)
