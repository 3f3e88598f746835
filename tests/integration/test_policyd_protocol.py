#!/usr/bin/python3
"""policyd's policy protocol server on its own (no Postfix, in-memory tables):
  * every attribute Postfix 3.7 sends (plus unknown ones) is accepted, over
    inet and unix sockets, many requests per persistent connection;
  * many concurrent clients on persistent connections get their own answers;
  * a malformed or oversized request is logged and only that connection is
    closed, while the other clients keep being served;
  * SIGHUP reloads the tables; SIGTERM exits 0 (no sanitizer report).
Run standalone or under meson.
"""

import os
import socket
import sys
import tempfile
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import common  # noqa: E402
from harness.policyd import Policyd, read_reply, request_bytes  # noqa: E402

PD = TMP = None
DENIED = "554 5.7.1 Relay access denied"


def setUpModule():
    global PD, TMP
    TMP = tempfile.mkdtemp(prefix="vmk-policyd-proto-")
    domains = os.path.join(TMP, "domains")
    with open(domains, "w") as f:
        f.write("local.test ok\nalias.test ok\n")
    logins = os.path.join(TMP, "logins")
    with open(logins, "w") as f:
        f.write("joe@local.test joe@local.test\nsales@local.test joe@local.test, ann@local.test\n")
    PD = Policyd(params={
        "policyd_mynetworks": "10.0.0.0/8, [2001:db8::]/32",
        "policyd_local_domains": "texthash:" + domains,
        "policyd_sender_login_maps": "texthash:" + logins,
        "policyd_max_request_size": "2k",
    }, tmp_root=TMP)
    PD.start()


def tearDownModule():
    problem = PD.cleanup() if PD is not None else None
    if problem:
        raise RuntimeError(problem)


class Answers(unittest.TestCase):

    def test_decisions(self):
        cases = [
            ({"recipient": "u@local.test"}, "DUNNO"),
            ({"recipient": "u@elsewhere.test"}, DENIED),
            ({"recipient": "u%elsewhere.test@local.test"}, DENIED),
            ({"recipient": "u@elsewhere.test", "client_address": "10.1.2.3"}, "OK"),
            ({"recipient": "u@elsewhere.test", "client_address": "2001:db8::7"}, "OK"),
            ({"recipient": "u@elsewhere.test", "sasl_username": "joe@local.test", "sender": "joe@local.test"}, "OK"),
            ({"recipient": "u@elsewhere.test", "sasl_username": "ann@local.test", "sender": "sales@local.test"}, "OK"),
            ({"recipient": "u@elsewhere.test", "sasl_username": "ann@local.test", "sender": "joe@local.test"},
             "553 5.7.1 <joe@local.test>: Sender address rejected: not owned by user ann@local.test"),
            ({"recipient": "u@elsewhere.test", "protocol_state": "DATA"}, "DUNNO"),
            ({"recipient": "u@elsewhere.test", "compatibility_level": "3.6", "mail_version": "3.8.0",
              "x_future_attribute": "a=b"}, DENIED),
        ]
        for attrs, want in cases:
            with self.subTest(attrs=attrs):
                self.assertEqual(PD.ask(attrs), want)

    def test_unix_socket_and_persistent_connection(self):
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(30)
            s.connect(PD.socket)
            for i in range(50):
                to = "u%d@%s" % (i, "local.test" if i % 2 else "elsewhere.test")
                s.sendall(request_bytes({"recipient": to}))
                self.assertEqual(read_reply(s), "DUNNO" if i % 2 else DENIED)


class Concurrency(unittest.TestCase):

    def test_many_persistent_clients(self):
        errors = []

        def client(n):
            try:
                with PD.connect() as s:
                    for i in range(40):
                        to = "c%d-%d@%s" % (n, i, "elsewhere.test" if (n + i) % 3 else "alias.test")
                        s.sendall(request_bytes({"recipient": to}))
                        got = read_reply(s)
                        want = DENIED if (n + i) % 3 else "DUNNO"
                        if got != want:
                            errors.append("client %d request %d: %r != %r" % (n, i, got, want))
                            return
            except OSError as e:
                errors.append("client %d: %s" % (n, e))
        threads = [threading.Thread(target=client, args=(n,)) for n in range(40)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        self.assertEqual(errors, [])


class BadClients(unittest.TestCase):

    def assert_closed(self, payload, want_log):
        mark = len(PD.log_text())
        with PD.connect() as good, PD.connect() as bad:
            good.sendall(request_bytes({"recipient": "a@local.test"}))
            self.assertEqual(read_reply(good), "DUNNO")
            bad.sendall(payload)
            bad.settimeout(10)
            self.assertIsNone(read_reply(bad), "policyd answered a bad request")
            # The other client is still served on its persistent connection.
            good.sendall(request_bytes({"recipient": "a@elsewhere.test"}))
            self.assertEqual(read_reply(good), DENIED)
        common.wait_for(lambda: want_log in PD.log_text()[mark:], 10, what="log line %r" % want_log)

    def test_malformed(self):
        self.assert_closed(b"GET / HTTP/1.0\r\n\r\n", "line without '='")
        self.assert_closed(b"request=smtpd_access_policy\nbad\x00value=1\n\n", "NUL byte")
        self.assert_closed(b"request=something_else\nrecipient=a@b\n\n", "expected request=smtpd_access_policy")
        self.assert_closed(b"\n", "empty request")

    def test_oversized(self):
        self.assert_closed(request_bytes({"recipient": "a" * 3000 + "@local.test"}), "longer than")
        self.assert_closed(b"x" * 5000, "closing")


class Reload(unittest.TestCase):

    def test_sighup_rereads_tables(self):
        domains = os.path.join(TMP, "domains")
        self.assertEqual(PD.ask({"recipient": "u@new.test"}), DENIED)
        with open(domains, "a") as f:
            f.write("new.test ok\n")
        mark = len(PD.log_text())
        PD.reload()
        common.wait_for(lambda: "reloaded" in PD.log_text()[mark:], 10, what="reload log line")
        self.assertEqual(PD.ask({"recipient": "u@new.test"}), "DUNNO")


if __name__ == "__main__":
    try:
        unittest.main(verbosity=2)
    except common.MissingTool as e:
        print("MISSING:", e)
        sys.exit(77 if os.environ.get("VMAILKIT_ALLOW_SKIP") == "1" else 1)
