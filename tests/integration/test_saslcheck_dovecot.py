#!/usr/bin/python3
"""saslcheck's Dovecot auth-client listener spoken to byte by byte, as
Postfix's xsasl_dovecot_server.c does (dovecot-auth-protocol.md): handshake
order (MECH before SPID), PLAIN with and without initial response, LOGIN's
two prompts, CRAM-MD5 for a cleartext password, FAIL for wrong and unknown
users, invalid base64, many requests on one connection; protocol errors
close only that connection and are logged; no password in the log.
Uses a texthash: table (no database). Run standalone or under meson.
"""

import base64
import hashlib
import hmac
import os
import socket
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import common  # noqa: E402
from harness.saslcheck import Saslcheck  # noqa: E402

SC = TMP = None


def setUpModule():
    global SC, TMP
    TMP = tempfile.mkdtemp(prefix="vmk-saslcheck-dc-")
    with open(os.path.join(TMP, "pw"), "w") as f:
        f.write("joe@example.com $1$9473baa1$lI.LCdZMuPa3gMWdZxE3a/\nann@example.com {PLAIN}tanstaaftanstaaf\n")
    SC = Saslcheck(params={"saslcheck_password_maps": "texthash:%s/pw" % TMP, "saslcheck_dovecot_cram_md5": "yes",
                           "saslcheck_failure_threshold": "0"}, dovecot=True)
    SC.start()


def tearDownModule():
    problem = SC.cleanup() if SC else None
    if problem:
        raise RuntimeError(problem)


def b64(s):
    return base64.b64encode(s.encode()).decode()


class Client:
    def __init__(self):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(10)
        self.s.connect(SC.dovecot_socket)
        self.buf = b""
        self.s.sendall(b"VERSION\t1\t0\nCPID\t4242\n")
        self.handshake = []
        while True:
            line = self.line()
            self.handshake.append(line)
            if line == "DONE":
                break

    def line(self):
        while b"\n" not in self.buf:
            try:
                chunk = self.s.recv(4096)
            except ConnectionResetError:
                return None
            if not chunk:
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode()

    def send(self, text):
        try:
            self.s.sendall(text.encode() + b"\n")
        except (BrokenPipeError, ConnectionResetError):
            return None  # the server already closed: what a protocol error does
        return self.line()

    def close(self):
        self.s.close()


AUTH = "AUTH\t%d\t%s\tservice=smtp\tnologin\tlip=127.0.0.1\trip=127.0.0.2"


class Dovecot(unittest.TestCase):
    def test_handshake(self):
        c = Client()
        h = c.handshake
        self.assertEqual(h[0], "VERSION\t1\t2")
        kinds = [x.split("\t")[0] for x in h]
        self.assertLess(kinds.index("MECH"), kinds.index("SPID"))
        self.assertIn("MECH\tPLAIN\tplaintext", h)
        self.assertIn("MECH\tLOGIN\tplaintext", h)
        self.assertTrue(any(x.startswith("MECH\tCRAM-MD5") for x in h))
        c.close()

    def test_plain_login_many_requests(self):
        c = Client()
        self.assertEqual(c.send(AUTH % (1, "PLAIN") + "\tresp=" + b64("\0joe@example.com\0password")),
                         "OK\t1\tuser=joe@example.com")
        self.assertEqual(c.send(AUTH % (2, "plain") + "\tsecured\tresp=" + b64("\0joe@example.com\0wrong")),
                         "FAIL\t2\tuser=joe@example.com")
        self.assertEqual(c.send(AUTH % (3, "PLAIN")), "CONT\t3\t")
        self.assertEqual(c.send("CONT\t3\t" + b64("joe@example.com\0joe@example.com\0password")),
                         "OK\t3\tuser=joe@example.com")
        self.assertEqual(c.send(AUTH % (4, "LOGIN")), "CONT\t4\t" + b64("Username:"))
        self.assertEqual(c.send("CONT\t4\t" + b64("ann@example.com")), "CONT\t4\t" + b64("Password:"))
        self.assertEqual(c.send("CONT\t4\t" + b64("tanstaaftanstaaf")), "OK\t4\tuser=ann@example.com")
        self.assertEqual(c.send(AUTH % (5, "LOGIN") + "\tresp=" + b64("nobody@example.com")),
                         "CONT\t5\t" + b64("Password:"))
        self.assertEqual(c.send("CONT\t5\t" + b64("password")), "FAIL\t5\tuser=nobody@example.com")
        self.assertTrue(c.send(AUTH % (6, "PLAIN") + "\tresp=!!!!").startswith("FAIL\t6"))
        self.assertTrue(c.send(AUTH % (7, "PLAIN") + "\tresp=" + b64("only-one-part")).startswith("FAIL\t7"))
        self.assertTrue(c.send(AUTH % (8, "PLAIN") + "\tresp=" + b64("other\0joe@example.com\0password"))
                        .startswith("FAIL\t8"))  # authzid differs: no login-as
        self.assertTrue(c.send(AUTH % (9, "GSSAPI")).startswith("FAIL\t9"))
        c.close()

    def test_cram_md5(self):
        c = Client()
        cont = c.send(AUTH % (1, "CRAM-MD5"))
        self.assertTrue(cont.startswith("CONT\t1\t"), cont)
        challenge = base64.b64decode(cont.split("\t")[2])
        digest = hmac.new(b"tanstaaftanstaaf", challenge, hashlib.md5).hexdigest()
        self.assertEqual(c.send("CONT\t1\t" + b64("ann@example.com " + digest)), "OK\t1\tuser=ann@example.com")
        cont = c.send(AUTH % (2, "CRAM-MD5"))
        self.assertNotEqual(cont.split("\t")[2], b64(challenge.decode()))  # fresh challenge
        challenge = base64.b64decode(cont.split("\t")[2])
        digest = hmac.new(b"password", challenge, hashlib.md5).hexdigest()
        self.assertTrue(c.send("CONT\t2\t" + b64("joe@example.com " + digest)).startswith("FAIL\t2"))  # md5crypt
        c.close()

    def test_protocol_errors_close_one_connection(self):
        for bad in ("HELLO", "AUTH\t0\tPLAIN\tservice=smtp", "CONT\t77\tAAAA", "A" * 20000):
            c = Client()
            self.assertIsNone(c.send(bad), bad[:20])
            c.close()
        c = Client()
        c.s.sendall((AUTH % (1, "PLAIN") + "\n").encode())
        self.assertEqual(c.line(), "CONT\t1\t")
        self.assertIsNone(c.send(AUTH % (1, "PLAIN")))  # duplicate id
        c.close()
        c = Client()
        self.assertEqual(c.send(AUTH % (1, "PLAIN") + "\tresp=" + b64("\0joe@example.com\0password")),
                         "OK\t1\tuser=joe@example.com")  # still serving
        c.close()
        log = SC.log_text()
        self.assertIn("dovecot auth client", log)
        self.assertNotIn("tanstaaftanstaaf", log)


if __name__ == "__main__":
    try:
        unittest.main(verbosity=2)
    except common.MissingTool as e:
        print("MISSING:", e)
        sys.exit(77 if os.environ.get("VMAILKIT_ALLOW_SKIP") == "1" else 1)
