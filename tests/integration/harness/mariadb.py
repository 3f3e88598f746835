"""Private MariaDB server for integration tests (Python 3 stdlib only).

Usage:
    from harness.mariadb import MariaDB, SkipTest
    with MariaDB(fixtures=["tests/integration/fixtures/x.sql"]) as db:
        db.hosts_inet   # "inet:127.0.0.1:PORT"
        db.hosts_unix   # "unix:/tmp/.../mysqld.sock"
        db.user, db.password, db.dbname
        db.sql("INSERT INTO ...")   # runs as root in db.dbname, returns stdout
        db.stop(); db.start()       # same datadir, socket and port
        db.env()                    # VMAILKIT_TEST_MYSQL_* variables

Lifecycle: start() creates a temp dir (datadir, socket, logs) on first use, runs
mariadb-install-db once, starts mariadbd on a unix socket in that dir and on a
free 127.0.0.1 port, waits for `SELECT 1`, then creates the database, the user
(with password, for 'localhost' and '127.0.0.1') and loads the schema and
fixtures. stop() ends only the mariadbd this object started (by PID); start()
again reuses datadir and port, so data survives a restart. cleanup() stops the
server and removes the temp dir (also done by the context manager).

Errors: SkipTest when a MariaDB binary is missing (callers report a skip);
RuntimeError with the tail of the server's error log when it fails to start.
Not thread-safe; one object per test process.
"""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
DEFAULT_SCHEMA = os.path.join(REPO_ROOT, "schema", "postfixadmin-3.3.sql")


class SkipTest(Exception):
    """A binary needed for the test is not installed."""


def _which(names):
    for name in names:
        for d in os.environ.get("PATH", "").split(os.pathsep) + ["/usr/sbin", "/usr/bin", "/sbin"]:
            p = os.path.join(d, name)
            if os.path.isfile(p) and os.access(p, os.X_OK):
                return p
    return None


def free_port():
    """Return a loopback TCP port that nothing listens on right now."""
    for _ in range(50):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        if not port_in_use(port):
            return port
    raise RuntimeError("no free loopback port")


def port_in_use(port):
    """True when something accepts connections on 127.0.0.1:port."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(0.5)
    try:
        return s.connect_ex(("127.0.0.1", port)) == 0
    finally:
        s.close()


def _server_env():
    """Environment for MariaDB programs: without test-runner malloc debugging."""
    env = dict(os.environ)
    env.pop("MALLOC_PERTURB_", None)
    return env


class MariaDB:
    """One private mariadbd; see the module docstring."""

    def __init__(self, dbname="postfix", user="vmailkit", password="t3st'pw\"x",
                 schema=DEFAULT_SCHEMA, fixtures=(), port=None, tmp_root=None):
        self.dbname = dbname
        self.user = user
        self.password = password
        self.schema = schema
        self.fixtures = list(fixtures)
        self.port = port
        self.tmp_root = tmp_root
        self.dir = None
        self.proc = None
        self._installed = False
        self.mariadbd = _which(["mariadbd", "mysqld"])
        self.install_db = _which(["mariadb-install-db", "mysql_install_db"])
        self.client = _which(["mariadb", "mysql"])
        missing = [n for n, p in (("mariadbd", self.mariadbd),
                                  ("mariadb-install-db", self.install_db),
                                  ("mariadb", self.client)) if not p]
        if missing:
            raise SkipTest("MariaDB not installed (missing: %s); apt-get install mariadb-server mariadb-client"
                           % ", ".join(missing))

    # -- paths ---------------------------------------------------------
    @property
    def datadir(self):
        return os.path.join(self.dir, "data")

    @property
    def socket(self):
        return os.path.join(self.dir, "mysqld.sock")

    @property
    def tmpdir(self):
        return os.path.join(self.dir, "tmp")

    @property
    def error_log(self):
        return os.path.join(self.dir, "mysqld.err")

    @property
    def hosts_unix(self):
        return "unix:" + self.socket

    @property
    def hosts_inet(self):
        return "inet:127.0.0.1:%d" % self.port

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def env(self, hosts=None):
        """Environment for the [mariadb] Catch2 tests."""
        return {
            "VMAILKIT_TEST_MYSQL_HOSTS": hosts or self.hosts_inet,
            "VMAILKIT_TEST_MYSQL_USER": self.user,
            "VMAILKIT_TEST_MYSQL_PASSWORD": self.password,
            "VMAILKIT_TEST_MYSQL_DBNAME": self.dbname,
            "VMAILKIT_TEST_MYSQL_SOCKET": self.socket,
            "VMAILKIT_TEST_MYSQL_PORT": str(self.port),
        }

    def cf_text(self, hosts=None, **extra):
        """A mysql_table(5) .cf body for this server (caller adds query=...)."""
        lines = ["hosts = %s" % (hosts or self.hosts_inet), "user = %s" % self.user,
                 "password = %s" % self.password, "dbname = %s" % self.dbname]
        lines += ["%s = %s" % kv for kv in extra.items()]
        return "\n".join(lines) + "\n"

    # -- lifecycle -----------------------------------------------------
    def start(self, timeout=60):
        """Start mariadbd (install + create db/user/schema the first time)."""
        if self.running():
            return
        first = not self._installed
        if self.dir is None:
            self.dir = tempfile.mkdtemp(prefix="vmk-mariadb-", dir=self.tmp_root)
        if self.port is None:
            self.port = free_port()
        if port_in_use(self.port):
            raise RuntimeError("port %d already in use; refusing to start a second server" % self.port)
        if first:
            self._install()
        with open(self.error_log, "ab") as log:
            self.proc = subprocess.Popen(
                [self.mariadbd, "--no-defaults", "--user=root", "--datadir=" + self.datadir,
                 "--socket=" + self.socket, "--port=%d" % self.port,
                 "--bind-address=127.0.0.1", "--skip-name-resolve",
                 "--pid-file=" + os.path.join(self.dir, "mysqld.pid"),
                 "--log-error=" + self.error_log, "--innodb-buffer-pool-size=16M",
                 "--character-set-server=utf8mb4", "--collation-server=utf8mb4_general_ci",
                 "--max-connections=200", "--tmpdir=" + self.tmpdir],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=_server_env())
        self._wait_ready(timeout)
        if first:
            self._provision()
            self._installed = True

    def stop(self, sig=signal.SIGTERM, timeout=60):
        """Stop the server this object started, by PID (SIGKILL = crash)."""
        if not self.running():
            self.proc = None
            return
        self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None
        # mariadbd removes its socket on clean shutdown; after a crash remove it.
        if os.path.exists(self.socket):
            os.unlink(self.socket)

    def restart(self):
        self.stop()
        self.start()

    def cleanup(self):
        self.stop()
        if self.dir and os.environ.get("VMAILKIT_KEEP_TMP") != "1":
            shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.cleanup()
            raise
        return self

    def __exit__(self, *exc):
        self.cleanup()

    # -- SQL -----------------------------------------------------------
    def sql(self, text, db=True, user=None):
        """Run SQL as root (or user) over the socket; return stdout (tab-separated, no header)."""
        cmd = [self.client, "--no-defaults", "-S", self.socket, "--batch", "--skip-column-names",
               "--default-character-set=utf8mb4"]
        if user:
            cmd += ["-u", user, "-p" + self.password]
        else:
            cmd += ["-uroot"]
        if db:
            cmd.append(self.dbname)
        r = subprocess.run(cmd, input=text.encode(), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=120)
        if r.returncode != 0:
            raise RuntimeError("SQL failed: %s\n--- SQL:\n%s" % (r.stderr.decode(errors="replace"), text[:2000]))
        return r.stdout.decode("utf-8", errors="replace")

    def load_sql_file(self, path, db=True):
        with open(path, encoding="utf-8") as f:
            return self.sql(f.read(), db=db)

    # -- internals -----------------------------------------------------
    def _install(self):
        # Bootstrap once more on failure: it has been seen to fail sporadically
        # ("Unknown table 'mysql.tmp_user_sys'") on a loaded machine.
        out = b""
        for _ in range(2):
            shutil.rmtree(self.datadir, ignore_errors=True)
            os.makedirs(self.datadir)
            os.makedirs(self.tmpdir, exist_ok=True)
            r = subprocess.run(
                [self.install_db, "--no-defaults", "--datadir=" + self.datadir, "--user=root",
                 "--auth-root-authentication-method=socket", "--skip-test-db",
                 "--tmpdir=" + self.tmpdir],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300, env=_server_env())
            if r.returncode == 0:
                return
            out = r.stdout
        raise RuntimeError("mariadb-install-db failed:\n" + out.decode(errors="replace")[-3000:])

    def _wait_ready(self, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("mariadbd exited with %s:\n%s" % (self.proc.returncode, self._log_tail()))
            if os.path.exists(self.socket):
                r = subprocess.run([self.client, "--no-defaults", "-S", self.socket, "-uroot",
                                    "-e", "SELECT 1"], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
                if r.returncode == 0:
                    return
            time.sleep(0.1)
        self.stop(signal.SIGKILL)
        raise RuntimeError("mariadbd not ready after %ds:\n%s" % (timeout, self._log_tail()))

    def _log_tail(self):
        try:
            with open(self.error_log, errors="replace") as f:
                return f.read()[-3000:]
        except OSError:
            return "(no error log)"

    def _provision(self):
        pw = self.password.replace("\\", "\\\\").replace("'", "\\'")
        stmts = ["CREATE DATABASE IF NOT EXISTS `%s` CHARACTER SET utf8mb4;" % self.dbname]
        for host in ("localhost", "127.0.0.1"):
            stmts.append("CREATE USER IF NOT EXISTS '%s'@'%s' IDENTIFIED BY '%s';" % (self.user, host, pw))
            stmts.append("GRANT ALL ON `%s`.* TO '%s'@'%s';" % (self.dbname, self.user, host))
        self.sql("\n".join(stmts), db=False)
        if self.schema:
            self.load_sql_file(self.schema)
        for f in self.fixtures:
            self.load_sql_file(f)
