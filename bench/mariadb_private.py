"""A private mariadbd for bench/run.py (Python 3 stdlib only).

Starts mariadbd with --no-defaults in a temp dir (own datadir, socket, free
127.0.0.1 port), tuned so the native path is not handicapped: the 100k-row
mailbox table fits in the buffer pool, query cache off (MariaDB's default;
stated so Com_select counts every SELECT). stop() ends only the server this
object started, by PID. Raises RuntimeError with the error log tail when the
server does not come up. Not thread-safe.

load_mailboxes() loads the Postfix Admin schema and the benchmark's mailboxes.

The integration tests have their own harness (tests/integration/harness/
mariadb.py); the bench keeps this small copy because it needs different
server settings (buffer pool size, connection count).
"""

import os
import shutil
import signal
import socket
import subprocess
import time


def _which(names):
    for name in names:
        for d in os.environ.get("PATH", "").split(os.pathsep) + ["/usr/sbin", "/usr/bin", "/sbin"]:
            p = os.path.join(d, name)
            if os.path.isfile(p) and os.access(p, os.X_OK):
                return p
    raise RuntimeError("%s not found; apt-get install mariadb-server mariadb-client" % names[0])


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


DOMAINS = 100

# Used only when schema/postfixadmin-3.3.sql is not in the tree: the two PFA 3.3 tables the bench touches.
FALLBACK_SCHEMA = """
CREATE TABLE `domain` (
  `domain` varchar(255) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  `description` varchar(255) CHARACTER SET utf8 NOT NULL,
  `aliases` int(10) NOT NULL DEFAULT 0, `mailboxes` int(10) NOT NULL DEFAULT 0,
  `maxquota` bigint(20) NOT NULL DEFAULT 0, `quota` bigint(20) NOT NULL DEFAULT 0,
  `transport` varchar(255) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  `backupmx` tinyint(1) NOT NULL DEFAULT 0,
  `created` datetime NOT NULL DEFAULT '2000-01-01 00:00:00',
  `modified` datetime NOT NULL DEFAULT '2000-01-01 00:00:00',
  `active` tinyint(1) NOT NULL DEFAULT 1, `password_expiry` int(11) DEFAULT 0,
  PRIMARY KEY (`domain`)) ENGINE=InnoDB DEFAULT CHARSET=latin1;
CREATE TABLE `mailbox` (
  `username` varchar(255) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  `password` varchar(255) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  `name` varchar(255) CHARACTER SET utf8mb4 NOT NULL,
  `maildir` varchar(255) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  `quota` bigint(20) NOT NULL DEFAULT 0,
  `local_part` varchar(255) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  `domain` varchar(255) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  `created` datetime NOT NULL DEFAULT '2000-01-01 00:00:00',
  `modified` datetime NOT NULL DEFAULT '2000-01-01 00:00:00',
  `active` tinyint(1) NOT NULL DEFAULT 1,
  `phone` varchar(30) CHARACTER SET utf8 NOT NULL DEFAULT '',
  `email_other` varchar(255) CHARACTER SET utf8 NOT NULL DEFAULT '',
  `token` varchar(255) CHARACTER SET utf8 NOT NULL DEFAULT '',
  `token_validity` datetime NOT NULL DEFAULT '2000-01-01 00:00:00',
  `password_expiry` datetime NOT NULL DEFAULT '2000-01-01 00:00:00',
  PRIMARY KEY (`username`), KEY `domain` (`domain`)) ENGINE=InnoDB DEFAULT CHARSET=latin1;
"""



def load_mailboxes(db, schema, count, keys_path):
    """SCHEMA (file; built-in PFA 3.3 tables if absent) plus COUNT mailboxes in multi-row INSERTs
    over DOMAINS domains; writes the key file KEYS_PATH (username<TAB>maildir)."""
    db.sql(open(schema).read() if os.path.exists(schema) else FALLBACK_SCHEMA)
    stmts = ["INSERT INTO domain (domain, description, transport) VALUES " +
             ",".join("('dom%d.test','','virtual')" % d for d in range(DOMAINS)) + ";"]
    rows = []
    with open(keys_path, "w") as keys:
        for i in range(count):
            dom = "dom%d.test" % (i % DOMAINS)
            user, maildir = "user%d@%s" % (i, dom), "%s/user%d/" % (dom, i)
            keys.write("%s\t%s\n" % (user, maildir))
            rows.append("('%s','{CRYPT}x','User %d','%s',0,'user%d','%s',1)" % (user, i, maildir, i, dom))
            if len(rows) == 2000 or i == count - 1:
                stmts.append("INSERT INTO mailbox (username,password,name,maildir,quota,local_part,domain,active)"
                             " VALUES " + ",".join(rows) + ";")
                rows = []
    db.sql("SET autocommit=0;\n" + "\n".join(stmts) + "\nCOMMIT;\nANALYZE TABLE mailbox;")
    got = int(db.sql("SELECT COUNT(*) FROM mailbox;").strip())
    if got != count:
        raise RuntimeError("loaded %d mailboxes, wanted %d" % (got, count))



class PrivateMariaDB:
    def __init__(self, root_dir, dbname="postfix", user="vmailkit", password="bench-pw"):
        self.dir = os.path.join(root_dir, "mariadb")
        self.datadir = os.path.join(self.dir, "data")
        self.socket = os.path.join(self.dir, "mysqld.sock")
        self.error_log = os.path.join(self.dir, "mysqld.err")
        self.dbname, self.user, self.password = dbname, user, password
        self.port = free_port()
        self.proc = None
        self.mariadbd = _which(["mariadbd", "mysqld"])
        self.install_db = _which(["mariadb-install-db", "mysql_install_db"])
        self.client = _which(["mariadb", "mysql"])

    def start(self, timeout=60):
        os.makedirs(self.datadir, exist_ok=True)
        r = subprocess.run([self.install_db, "--no-defaults", "--datadir=" + self.datadir, "--user=root",
                            "--auth-root-authentication-method=socket", "--skip-test-db"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
        if r.returncode != 0:
            raise RuntimeError("mariadb-install-db failed:\n" + r.stdout.decode(errors="replace")[-3000:])
        with open(self.error_log, "ab") as log:
            self.proc = subprocess.Popen(
                [self.mariadbd, "--no-defaults", "--user=root", "--datadir=" + self.datadir,
                 "--socket=" + self.socket, "--port=%d" % self.port, "--bind-address=127.0.0.1",
                 "--skip-name-resolve", "--pid-file=" + os.path.join(self.dir, "mysqld.pid"),
                 "--log-error=" + self.error_log, "--innodb-buffer-pool-size=256M",
                 "--innodb-flush-log-at-trx-commit=2", "--query-cache-type=0", "--query-cache-size=0",
                 "--max-connections=500", "--character-set-server=utf8mb4"],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("mariadbd exited:\n" + self._log_tail())
            if os.path.exists(self.socket) and subprocess.run(
                    [self.client, "--no-defaults", "-S", self.socket, "-uroot", "-e", "SELECT 1"],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0:
                break
            time.sleep(0.1)
        else:
            self.stop(signal.SIGKILL)
            raise RuntimeError("mariadbd not ready after %ds:\n%s" % (timeout, self._log_tail()))
        pw = self.password.replace("\\", "\\\\").replace("'", "\\'")
        stmts = ["CREATE DATABASE `%s` CHARACTER SET utf8mb4;" % self.dbname]
        for host in ("localhost", "127.0.0.1"):
            stmts.append("CREATE USER '%s'@'%s' IDENTIFIED BY '%s';" % (self.user, host, pw))
            stmts.append("GRANT ALL ON `%s`.* TO '%s'@'%s';" % (self.dbname, self.user, host))
        self.sql("\n".join(stmts), db=False)

    def sql(self, text, db=True):
        """Run SQL as root over the socket; return stdout (tab-separated, no header)."""
        cmd = [self.client, "--no-defaults", "-S", self.socket, "-uroot", "--batch", "--skip-column-names"]
        if db:
            cmd.append(self.dbname)
        r = subprocess.run(cmd, input=text.encode(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=600)
        if r.returncode != 0:
            raise RuntimeError("SQL failed: %s" % r.stderr.decode(errors="replace")[:2000])
        return r.stdout.decode(errors="replace")

    def status(self, name):
        """One SHOW GLOBAL STATUS counter (e.g. Com_select, Questions)."""
        out = self.sql("SHOW GLOBAL STATUS LIKE '%s';" % name, db=False)
        return int(out.split()[1])

    def com_select(self):
        return self.status("Com_select")

    def stop(self, sig=signal.SIGTERM):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(sig)
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def _log_tail(self):
        try:
            with open(self.error_log, errors="replace") as f:
                return f.read()[-3000:]
        except OSError:
            return "(no error log)"

    def cleanup(self, keep=False):
        self.stop()
        if not keep:
            shutil.rmtree(self.dir, ignore_errors=True)
