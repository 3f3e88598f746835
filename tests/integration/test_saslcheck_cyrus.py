#!/usr/bin/python3
"""saslcheck's authdaemond protocol against its real clients: the Cyrus SASL
2.1.28 server API (sasl_checkpass with pwcheck_method authdaemond, driver
build/tests/unit/saslcheck/libsasl2_checkpass) and Courier's authtest (in a
private mount namespace over /run/courier/authdaemon), on Postfix Admin rows
in a private MariaDB. Also: the database down is SASL_FAIL / Courier EIO (a
temporary error), never "bad password"; malformed requests are refused and
logged while the daemon keeps serving; no password reaches the log; repeated
failures slow down; `saslcheck -t`. Run standalone or under meson.
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

DB = SC = TMP = None
DRIVER = os.path.join(common.build_dir(), "tests", "unit", "saslcheck", "libsasl2_checkpass")


def setUpModule():
    global DB, SC, TMP
    try:
        DB = saslcheck_db.start_db()
        TMP = tempfile.mkdtemp(prefix="vmk-saslcheck-cf-")
        SC = Saslcheck(params={"saslcheck_password_maps": saslcheck_db.write_cf(DB, TMP), "saslcheck_cache_ttl": "0",
                               "saslcheck_default_domain": "example.com",
                               "saslcheck_failure_threshold": "3", "saslcheck_failure_delay": "1",
                               "saslcheck_max_failure_delay": "2"})
        SC.start()
    except BaseException:
        tearDownModule()
        raise


def tearDownModule():
    problem = SC.cleanup() if SC is not None else None
    if DB is not None:
        DB.cleanup()
    if problem:
        raise RuntimeError(problem)


def checkpass(user, password):
    r = common.run([DRIVER, SC.socket, user], input_bytes=(password + "\n").encode(), timeout=60)
    return r.stdout.decode().strip() if isinstance(r.stdout, bytes) else r.stdout.strip()


def authtest(*args):
    """Courier's authtest with our socket bound over its compiled-in path."""
    cmd = "mkdir -p /run/courier/authdaemon && mount --bind %s /run/courier/authdaemon && exec authtest %s" % (
        os.path.dirname(SC.socket), " ".join("'%s'" % a for a in args))
    r = common.run(["unshare", "-m", "sh", "-c", cmd], timeout=60)
    out = r.stdout if isinstance(r.stdout, str) else r.stdout.decode()
    err = r.stderr if isinstance(r.stderr, str) else r.stderr.decode()
    return r.returncode, out + err


def raw(request, timeout=5):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(SC.socket)
    s.sendall(request)
    data = b""
    try:
        while True:
            chunk = s.recv(8192)
            if not chunk:
                break
            data += chunk
    except ConnectionResetError:  # closed with our request unread: also "no reply"
        pass
    finally:
        s.close()
    return data


class Cyrus(unittest.TestCase):
    def test_every_scheme_right_and_wrong(self):
        for login, (_stored, pw, mb, dom) in saslcheck_db.ROWS.items():
            want = "SASL_OK" if mb and dom else "SASL_BADAUTH"
            self.assertEqual(checkpass(login, pw), want, login)
            self.assertEqual(checkpass(login, pw + "x"), "SASL_BADAUTH", login)

    def test_unknown_empty_default_domain(self):
        self.assertEqual(checkpass("nobody@example.com", "password"), "SASL_BADAUTH")
        self.assertEqual(checkpass("joe@example.com", ""), "SASL_BADAUTH")
        self.assertEqual(checkpass("joe", "password"), "SASL_OK")
        self.assertEqual(checkpass("JOE@Example.COM", "password"), "SASL_OK")

    def test_raw_replies_and_malformed_requests(self):
        payload = b"smtp\nlogin\njoe@example.com\npassword\n"
        ok = raw(b"AUTH %d\n%s\n" % (len(payload), payload))
        self.assertTrue(ok.endswith(b"\n.\n"), ok)
        self.assertIn(b"ADDRESS=joe@example.com\n", ok)
        self.assertIn(b"MAILDIR=/var/vmail/example.com/joe/\n", ok)
        self.assertNotIn(b"PASSWD", ok)
        for bad in (b"HELLO\n", b"AUTH 99999\n", b"AUTH x\n", b"A" * 9000):
            self.assertEqual(raw(bad), b"", bad[:20])
        self.assertIn("authdaemond client", SC.log_text())
        self.assertEqual(checkpass("joe", "password"), "SASL_OK")  # still serving

    def test_no_password_in_log(self):
        checkpass("ann@example.com", "Sekr1t-NOT-in-log")
        checkpass("ann@example.com", "tanstaaftanstaaf")
        log = SC.log_text()
        self.assertNotIn("Sekr1t-NOT-in-log", log)
        self.assertNotIn("tanstaaftanstaaf", log)

    def test_repeated_failures_slow_down(self):
        for _ in range(3):
            self.assertEqual(checkpass("blf@example.com", "guess"), "SASL_BADAUTH")
        t0 = time.monotonic()
        self.assertEqual(checkpass("blf@example.com", "guess"), "SASL_BADAUTH")
        self.assertGreaterEqual(time.monotonic() - t0, 0.9)
        t0 = time.monotonic()
        self.assertEqual(checkpass("sha@example.com", "password"), "SASL_OK")
        self.assertLess(time.monotonic() - t0, 0.9)  # other logins are not slowed
        self.assertEqual(checkpass("blf@example.com", "password"), "SASL_OK")  # success clears
        t0 = time.monotonic()
        checkpass("blf@example.com", "guess")
        self.assertLess(time.monotonic() - t0, 0.9)

    def test_command_line(self):
        self.assertEqual(SC.check("joe", "password")[0], 0)
        self.assertEqual(SC.check("joe", "nope")[0], 1)
        self.assertEqual(SC.check("nobody", "nope")[0], 1)


class Courier(unittest.TestCase):
    def setUp(self):
        if not common.which("authtest"):
            raise common.MissingTool("authtest not found; apt-get install courier-authdaemon")

    def test_authtest(self):
        rc, out = authtest("ann@example.com", "tanstaaftanstaaf")
        self.assertEqual(rc, 0, out)
        self.assertIn("Authentication succeeded", out)
        self.assertIn("Maildir: /var/vmail/example.com/ann/", out)
        self.assertIn("Quota: 1024S", out)
        rc, out = authtest("ann@example.com", "wrong")
        self.assertEqual(rc, 1, out)
        rc, out = authtest("-s", "imap", "nobody@example.com", "wrong")
        self.assertEqual(rc, 1, out)

    def test_pre(self):
        rc, out = authtest("joe@example.com")
        self.assertEqual(rc, 0, out)
        self.assertIn("Authenticated: joe@example.com", out)
        rc, out = authtest("nobody@example.com")
        self.assertNotEqual(rc, 0, out)


class DatabaseDown(unittest.TestCase):
    def test_temporary_failure(self):
        DB.stop()
        try:
            self.assertEqual(checkpass("joe@example.com", "password"), "SASL_FAIL")
            self.assertEqual(checkpass("joe@example.com", "wrong"), "SASL_FAIL")
            self.assertEqual(SC.check("joe", "password")[0], 75)
            if common.which("authtest"):
                rc, out = authtest("joe@example.com", "password")
                self.assertEqual(rc, 1, out)
                self.assertIn("Input/output error", out)  # Courier's temporary error (EIO), not EPERM
            self.assertIn("temporary failure", SC.log_text())
        finally:
            DB.start()
        common.wait_for(lambda: checkpass("joe@example.com", "password") == "SASL_OK", 60,
                        what="saslcheck answers again after MariaDB restart")


if __name__ == "__main__":
    try:
        unittest.main(verbosity=2)
    except common.MissingTool as e:
        print("MISSING:", e)
        sys.exit(77 if os.environ.get("VMAILKIT_ALLOW_SKIP") == "1" else 1)
