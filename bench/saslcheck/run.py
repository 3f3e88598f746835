#!/usr/bin/python3
"""saslcheck benchmark (not a test): authentications/s and p99 for md5crypt
users, saslcheck beside Courier authdaemond + authmysql (Debian's
courier-authdaemon, courier-authlib-mysql) on the same Postfix Admin rows in
one private MariaDB, driven by the same client (build/bench/saslcheck/authbench,
Cyrus SASL's authdaemond wire behaviour) at 1/8/32 concurrent clients, and
beside the md5crypt hashing ceiling (cores / time of one md5crypt) measured in
the same run. Needs root (Courier's socket and config paths are compiled in:
it runs in a private mount namespace with its own /etc/courier and
/run/courier/authdaemon). Every server it starts is stopped by PID.

    python3 bench/saslcheck/run.py [--seconds 5] [--users 500] [--courier-daemons 5]
Prints a Markdown table, then the CPU time each login costs (client, and
server plus MariaDB), read from /proc and getrusage around each point: when
the machine is CPU-bound, the ratio to Courier cannot exceed Courier's whole
cost per login over saslcheck's floor (one md5crypt plus the client's share).
"""

import argparse
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

from harness import common  # noqa: E402
from harness.mariadb import MariaDB  # noqa: E402
from harness.saslcheck import Saslcheck  # noqa: E402

AUTHBENCH = os.path.join(common.build_dir(), "bench", "saslcheck", "authbench")
COURIER = "/usr/lib/courier/courier-authlib/authdaemond"

QUERY = ("SELECT mailbox.password FROM mailbox JOIN domain ON domain.domain = mailbox.domain "
         "WHERE mailbox.username = '%s' AND mailbox.active = '1' AND domain.active = '1'")


def make_users(db, n, tmp):
    pws = ["pw-%d-x" % i for i in range(n)]
    r = subprocess.run(["openssl", "passwd", "-1", "-stdin"], input="\n".join(pws) + "\n",
                       capture_output=True, text=True, check=True)
    hashes = r.stdout.split()
    sql = ["INSERT INTO domain (domain, description, transport) VALUES ('bench.example', '', 'virtual');"]
    for i, h in enumerate(hashes):
        sql.append("INSERT INTO mailbox (username, password, name, maildir, local_part, domain) VALUES "
                   "('u%d@bench.example', '%s', 'U', 'bench.example/u%d/', 'u%d', 'bench.example');" % (i, h, i, i))
    sql.append("CREATE USER IF NOT EXISTS 'bench'@'localhost' IDENTIFIED BY 'bench';"
               "GRANT SELECT ON postfix.* TO 'bench'@'localhost';")
    db.sql("\n".join(sql))
    path = os.path.join(tmp, "users.txt")
    with open(path, "w") as f:
        for i, pw in enumerate(pws):
            f.write("u%d@bench.example %s\n" % (i, pw))
    return path


def version_line(name):
    """Courier refuses a config file without the ##VERSION marker line of the installed one."""
    with open(os.path.join("/etc/courier", name)) as f:
        first = f.readline()
    return first if first.startswith("##VERSION:") else ""


class Courier:
    """authdaemond + authmysql in a private mount namespace."""

    def __init__(self, db, tmp, daemons):
        self.dir = os.path.join(tmp, "courier")
        self.etc = os.path.join(self.dir, "etc")
        self.run = os.path.join(self.dir, "run")
        os.makedirs(self.etc)
        os.makedirs(self.run)
        os.chmod(self.dir, 0o755)
        os.chmod(self.run, 0o755)
        with open(os.path.join(self.etc, "authdaemonrc"), "w") as f:
            f.write(version_line("authdaemonrc") + 'authmodulelist="authmysql"\nauthmodulelistorig="authmysql"\ndaemons=%d\n'
                    'authdaemonvar=/run/courier/authdaemon\nDEBUG_LOGIN=0\nDEFAULTOPTIONS=""\nLOGGEROPTS=""\n'
                    % daemons)
        with open(os.path.join(self.etc, "authmysqlrc"), "w") as f:
            f.write(version_line("authmysqlrc") + "MYSQL_SERVER localhost\nMYSQL_SOCKET %s\nMYSQL_USERNAME bench\nMYSQL_PASSWORD bench\n"
                    "MYSQL_PORT 0\nMYSQL_OPT 0\nMYSQL_DATABASE postfix\nMYSQL_USER_TABLE mailbox\n"
                    "MYSQL_CRYPT_PWFIELD password\nMYSQL_UID_FIELD '5000'\nMYSQL_GID_FIELD '5000'\n"
                    "MYSQL_LOGIN_FIELD username\nMYSQL_HOME_FIELD '/var/vmail'\nMYSQL_NAME_FIELD name\n"
                    "MYSQL_MAILDIR_FIELD maildir\nMYSQL_WHERE_CLAUSE active='1'\n"
                    "##NAME: MARKER:0\n" % db.socket)
        os.chmod(os.path.join(self.etc, "authmysqlrc"), 0o600)
        self.proc = None

    @property
    def socket(self):
        return os.path.join(self.run, "socket")

    def pids(self):
        """authdaemond and its forked daemons (our process group)."""
        if not self.proc:
            return []
        r = subprocess.run(["pgrep", "-g", str(self.proc.pid)], capture_output=True, text=True)
        return [int(p) for p in r.stdout.split()]

    def start(self):
        cmd = ("mount --bind %s /etc/courier && mkdir -p /run/courier/authdaemon && "
               "mount --bind %s /run/courier/authdaemon && exec %s" % (self.etc, self.run, COURIER))
        self.out = open(os.path.join(self.dir, "out.log"), "ab")
        self.proc = subprocess.Popen(["unshare", "-m", "sh", "-c", cmd], stdout=self.out, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        common.wait_for(lambda: common.can_connect("unix:" + self.socket), 20, what="courier authdaemond socket")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # authdaemond and its forked daemons: our own group
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None


def cpu_seconds(pids):
    """user+system CPU of every thread of PIDS so far (gone processes count 0)."""
    total = 0
    for pid in pids:
        try:
            for tid in os.listdir("/proc/%d/task" % pid):
                with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])
        except OSError:
            pass
    return total / os.sysconf("SC_CLK_TCK")


def bench(socket_path, users, clients, seconds, server_pids=()):
    """One point; with SERVER_PIDS also client_cpu_us / server_cpu_us per successful login."""
    pids = list(server_pids() if callable(server_pids) else server_pids)
    srv0, cli0 = cpu_seconds(pids), resource.getrusage(resource.RUSAGE_CHILDREN)
    r = subprocess.run([AUTHBENCH, socket_path, users, str(clients), str(seconds)], capture_output=True,
                       text=True, timeout=seconds + 120)
    srv1, cli1 = cpu_seconds(pids), resource.getrusage(resource.RUSAGE_CHILDREN)
    out = dict(re.findall(r"(\w+)=([\d.]+)", r.stdout))
    ok = int(out.get("ok", 0))
    if pids and ok:
        cli = (cli1.ru_utime - cli0.ru_utime) + (cli1.ru_stime - cli0.ru_stime)
        out["client_cpu_us"] = cli * 1e6 / ok
        out["server_cpu_us"] = (srv1 - srv0) * 1e6 / ok
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--users", type=int, default=500)
    ap.add_argument("--courier-daemons", type=int, default=5)  # Debian's authdaemonrc default
    ap.add_argument("--clients", default="1,8,32")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="vmk-saslbench-")
    db = sc = courier = None
    try:
        db = MariaDB()
        db.start()
        users = make_users(db, a.users, tmp)
        cf = os.path.join(tmp, "pw.cf")
        with open(cf, "w") as f:
            f.write("hosts = unix:%s\nuser = bench\npassword = bench\ndbname = postfix\nquery = %s\n"
                    % (db.socket, QUERY))
        sc = Saslcheck(params={"saslcheck_password_maps": "mysql:" + cf, "saslcheck_failure_threshold": "0"})
        sc.start()
        courier = Courier(db, tmp, a.courier_daemons)
        courier.start()
        def measure_ceiling():
            out = subprocess.run([AUTHBENCH, "--md5crypt-ceiling", "1"], capture_output=True, text=True).stdout
            return dict(re.findall(r"(\w+)=([\d.]+)", out))
        ceils = [measure_ceiling()]
        rows = []
        for n in [int(x) for x in a.clients.split(",")]:
            # Interleaved, so both servers see the same background load.
            c = bench(courier.socket, users, n, a.seconds, lambda: courier.pids() + [db.pid])
            s = bench(sc.socket, users, n, a.seconds, [sc.proc.pid, db.pid])
            rows.append((n, s, c))
        ceils.append(measure_ceiling())
        ceil = min(ceils, key=lambda x: float(x["ceiling_per_s"]))
        ceiling = float(ceil["ceiling_per_s"])
        print("md5crypt: %s us on one thread, %s cores: hashing ceiling %.0f logins/s (cores / one md5crypt; "
              "%s/s measured with all cores hashing at once, before/after: %s); %d users, %gs per point, "
              "Courier daemons=%d\n" % (ceil["md5crypt_us"], ceil["cores"], ceiling, ceil["parallel_per_s"],
                                        " / ".join(c["ceiling_per_s"] for c in ceils), a.users, a.seconds,
                                        a.courier_daemons))
        print("| clients | saslcheck /s | p99 us | Courier /s | p99 us | saslcheck/Courier | saslcheck/ceiling "
              "| errors s/c |")
        print("|---|---|---|---|---|---|---|---|")
        for n, s, c in rows:
            sr, cr = float(s.get("rate", 0)), float(c.get("rate", 0))
            print("| %d | %.0f | %s | %.0f | %s | %.2f | %.2f | %s/%s |" % (
                n, sr, s.get("p99_us"), cr, c.get("p99_us"), sr / cr if cr else float("inf"), sr / ceiling,
                s.get("errors"), c.get("errors")))
            if int(s.get("fail", 0)) or int(c.get("fail", 0)):
                print("  (FAIL replies: saslcheck %s, Courier %s)" % (s.get("fail"), c.get("fail")))
        # CPU time of one md5crypt (not wall time, which other jobs inflate); the
        # smallest seen, so the floor is the one most in saslcheck's favour.
        md5 = min(float(c["md5crypt_cpu_us"]) for c in ceils)
        print("\nCPU per login (us; server includes MariaDB). Floor: one md5crypt's CPU time (%.1f us) + saslcheck's client "
              "share; Courier's total over that floor is the most any server could reach against Courier on a "
              "CPU-bound machine.\n" % md5)
        print("| clients | client s | server s | total s | client c | server c | total c | floor | "
              "max ratio | measured ratio |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for n, s, c in rows:
            if "server_cpu_us" not in s or "server_cpu_us" not in c:
                continue
            ts = s["client_cpu_us"] + s["server_cpu_us"]
            tc = c["client_cpu_us"] + c["server_cpu_us"]
            floor = md5 + s["client_cpu_us"]
            sr, cr = float(s.get("rate", 0)), float(c.get("rate", 0))
            print("| %d | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.2f | %.2f |" % (
                n, s["client_cpu_us"], s["server_cpu_us"], ts, c["client_cpu_us"], c["server_cpu_us"], tc, floor,
                tc / floor, sr / cr if cr else float("inf")))
    finally:
        for x in (courier,):
            if x:
                x.stop()
        for x in (sc, db):
            if x:
                x.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
