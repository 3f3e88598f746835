#!/usr/bin/python3
"""Run the [mariadb] Catch2 tests against a private MariaDB.

Usage: test_mysql_table.py UNIT_TESTS_BINARY [catch2 test spec, default "[mariadb]"]

Starts MariaDB through harness.mariadb with the Postfix Admin schema and
tests/integration/fixtures/mysql_table.sql, serves a control socket so the
C++ fault tests can stop/start the server, and runs the binary twice: over
TCP (inet:127.0.0.1:PORT) and over the unix socket. Exit status 77 (meson's
"skipped") when MariaDB is not installed.
"""

import os
import socket
import subprocess
import sys
import tempfile
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from harness.mariadb import MariaDB, SkipTest  # noqa: E402

FIXTURE = os.path.join(HERE, "fixtures", "mysql_table.sql")


class Control(threading.Thread):
    """Unix-socket server: "stop" / "start" lines -> db.stop()/db.start(), answers "ok"."""

    def __init__(self, db, path):
        super().__init__(daemon=True)
        self.db = db
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(4)

    def run(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                cmd = conn.makefile().readline().strip()
                try:
                    if cmd == "stop":
                        self.db.stop()
                    elif cmd == "start":
                        self.db.start()
                    else:
                        raise ValueError("unknown command %r" % cmd)
                    conn.sendall(b"ok\n")
                except Exception as e:  # report to the C++ side, which fails the test
                    conn.sendall(("error %s\n" % e).encode())

    def close(self):
        self.sock.close()


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    binary = sys.argv[1]
    spec = sys.argv[2] if len(sys.argv) > 2 else "[mariadb]"
    try:
        db = MariaDB(fixtures=[FIXTURE])
    except SkipTest as e:
        print("SKIP:", e)
        return 77
    with db:
        ctl_dir = tempfile.mkdtemp(prefix="vmk-ctl-")
        ctl = Control(db, os.path.join(ctl_dir, "ctl"))
        ctl.start()
        rc = 0
        try:
            for hosts in (db.hosts_inet, db.hosts_unix):
                env = dict(os.environ)
                env.update(db.env(hosts=hosts))
                env["VMAILKIT_TEST_MYSQL_CONTROL"] = ctl.path
                env["VMAILKIT_TEST_SOURCE_ROOT"] = os.path.dirname(os.path.dirname(HERE))
                print("== %s %s with hosts = %s" % (binary, spec, hosts), flush=True)
                r = subprocess.run([binary, spec], env=env, timeout=240)
                rc = rc or r.returncode
        finally:
            ctl.close()
            os.unlink(ctl.path)
            os.rmdir(ctl_dir)
        return rc


if __name__ == "__main__":
    sys.exit(main())
