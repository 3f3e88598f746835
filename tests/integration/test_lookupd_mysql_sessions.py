#!/usr/bin/python3
"""lookupd's MySQL sessions: closed when idle, and closed cleanly at stop.

A private MariaDB with the Postfix Admin schema and fixture rows; lookupd
with a loop-bound mysql: map (non-blocking sessions) and a postfixadmin: map
(blocking pool on workers), both with idle_interval = 1 and the cache off.
  * after lookups, lookupd holds MySQL sessions; with no more lookups they
    are closed by lookupd's idle timer (no later lookup needed);
  * stopping lookupd (SIGTERM) while it holds sessions of both kinds does not
    raise MariaDB's Aborted_clients: every session ends with COM_QUIT.
Run standalone or under meson.
"""

import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import common  # noqa: E402
from harness.lookupd import Lookupd, require_binary  # noqa: E402
from harness.mariadb import MariaDB  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "fixtures", "mysql_table.sql")
QUERY = "SELECT maildir FROM mailbox WHERE username='%s' AND active='1'"
# lookupd sweeps every 10 s; a session idle for 1 s must be gone by then.
IDLE_DEADLINE = 25

DB = LOOKUPD = None


def setUpModule():
    global DB, LOOKUPD
    try:
        DB = MariaDB(fixtures=[FIXTURE])
        DB.start()
        LOOKUPD = Lookupd(maps={"mailbox": ["mysql:" + write_cf("mailbox.cf", QUERY)],
                                "pfa": ["postfixadmin:mailbox:" + write_cf("pfa.cf", None)]},
                          params={"lookupd_cache_ttl": "0"})
        LOOKUPD.start()
    except BaseException:
        tearDownModule()
        raise


def write_cf(name, query):
    path = os.path.join(DB.dir, name)
    text = DB.cf_text(hosts=DB.hosts_unix, idle_interval="1s")
    if query:
        text += "query = %s\n" % query
    with open(path, "w") as f:
        f.write(text)
    return path


def tearDownModule():
    problem = LOOKUPD.stop_and_check() if LOOKUPD is not None else None
    for obj in (LOOKUPD, DB):
        if obj is not None:
            try:
                obj.cleanup()
            except Exception as e:  # noqa: BLE001 - keep stopping the others
                print("cleanup: %s" % e, file=sys.stderr)
    if problem:
        raise RuntimeError(problem)


def socketmap(name, key):
    """One socketmap request over lookupd's unix socket; the reply payload."""
    payload = ("%s %s" % (name, key)).encode()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(10)
        s.connect(LOOKUPD.socket)
        s.sendall(b"%d:%s," % (len(payload), payload))
        data = b""
        while not data.endswith(b","):
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    return data.partition(b":")[2][:-1].decode()


def sessions():
    """Sessions of the vmailkit user (lookupd's) in MariaDB's process list."""
    out = DB.sql("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = '%s'" % DB.user, db=False)
    return int(out.strip())


def status(name):
    out = DB.sql("SHOW GLOBAL STATUS LIKE '%s'" % name, db=False)
    return int(out.split()[1])


def lookups():
    for m in ("mailbox", "pfa"):
        r = socketmap(m, "joe@example.com")
        assert r == "OK example.com/joe/", (m, r)


class Sessions(unittest.TestCase):
    """One ordered scenario (unittest runs methods alphabetically: one method)."""

    def test_idle_close_then_clean_stop(self):
        lookups()
        self.assertGreaterEqual(sessions(), 2, "both maps should hold a session after a lookup")
        deadline = time.time() + IDLE_DEADLINE
        while sessions() > 0 and time.time() < deadline:
            time.sleep(0.5)
        self.assertEqual(sessions(), 0, "idle sessions still open %ds after the last lookup" % IDLE_DEADLINE)
        # The answers still come after the sweep (new sessions).
        lookups()
        self.assertGreaterEqual(sessions(), 2)
        before = status("Aborted_clients")
        rc = LOOKUPD.stop()
        self.assertEqual(rc, 0, LOOKUPD.log_text()[-3000:])
        deadline = time.time() + 10
        while sessions() > 0 and time.time() < deadline:
            time.sleep(0.2)
        self.assertEqual(sessions(), 0)
        after = status("Aborted_clients")
        self.assertEqual(after, before, "MariaDB counted %d aborted client(s) at lookupd's stop" % (after - before))


if __name__ == "__main__":
    common.preflight([lambda: common.require("mariadbd", "mariadb-server"), require_binary])
    unittest.main(verbosity=2)
