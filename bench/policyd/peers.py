"""bench/policyd/peers.py - the peers the policyd benchmark compares against.

Each starts a private server in the bench's temp dir and returns the address
loadgen connects to; Procs (bench/run.py) stops them by PID.

* ceiling:  bench/policyd/policy_ceiling (answers DUNNO; the round-trip ceiling)
* postfwd:  Debian's postfwd (postfwd2, apt-get install postfwd) with the relay
            rules and the 1000-domain relay list as a file: list, the way its
            manual writes them; request cache off (--cache=0) so each request
            is decided, as policyd decides each one
* quota-status: Dovecot's quota-status service (/usr/lib/dovecot/quota-status
            -p postfix, Debian 12's dovecot-core) over a private Dovecot with a
            passwd-file userdb and the maildir quota backend on the same
            maildirs policyd reads
"""

import os
import shutil
import signal
import socket
import subprocess
import threading
import time


class Procs:
    """Background servers started by the bench, stopped by PID (as bench/run.py's)."""

    def __init__(self):
        self.procs = []
        self.pids = []  # daemons that detached themselves (postfwd2), stopped by the PID they wrote

    def adopt(self, pid):
        self.pids.append(pid)

    def start(self, argv, log_path):
        with open(log_path, "ab") as out:
            p = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append(p)
        return p

    def stop_all(self):
        for pid in self.pids:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
            for _ in range(100):
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.1)
            else:
                os.kill(pid, signal.SIGKILL)
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


POSTFWD_RULES = """\
id=MYNET; client_address=10.0.0.0/8; action=OK
id=SASL; sasl_username=~.; action=OK
id=LOCAL; recipient_domain==file:{domains}; action=DUNNO
id=RELAY; action=554 5.7.1 <$$recipient>: Relay access denied
"""

DOVECOT_CONF = """\
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
protocols =
ssl = no
default_login_user = nobody
default_internal_user = nobody
first_valid_uid = 1
mail_location = maildir:~
mail_plugins = quota
passdb {{
  driver = passwd-file
  args = {dir}/users
}}
userdb {{
  driver = passwd-file
  args = {dir}/users
}}
plugin {{
  quota = maildir:User quota
  quota_rule = *:storage={quota}B
  quota_status_success = DUNNO
  quota_status_nouser = DUNNO
  quota_status_overquota = "552 5.2.2 Mailbox is full"
}}
service quota-status {{
  executable = quota-status -p postfix
  unix_listener {sock} {{
    mode = 0666
  }}
  client_limit = 1
  process_limit = 100
}}
"""


def wait_path(proc, path, what, log_path, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("%s exited (%s): %s" % (what, proc.returncode, tail(log_path)))
        if os.path.exists(path):
            return
        time.sleep(0.05)
    raise RuntimeError("%s did not create %s: %s" % (what, path, tail(log_path)))


def tail(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()[-2000:]
    except OSError:
        return "(no log)"


def start_ceiling(procs, bindir, tmp):
    sock = os.path.join(tmp, "ceiling.sock")
    log = os.path.join(tmp, "ceiling.log")
    p = procs.start([os.path.join(bindir, "policy_ceiling"), "--listen=unix:" + sock], log)
    wait_path(p, sock, "policy_ceiling", log)
    return "unix:" + sock, [p.pid]


class SyslogSink(threading.Thread):
    """UDP 127.0.0.1:514 that counts and drops syslog lines: postfwd2's children exit
    when no syslog answers (no /dev/log here; --socktype=inet sends here instead)."""

    def __init__(self):
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 514))
        self.lines = 0

    def run(self):
        while True:
            try:
                self.sock.recv(65536)
            except OSError:
                return
            self.lines += 1


def start_postfwd(procs, tmp, domains_file, max_conns):
    binary = shutil.which("postfwd2") or shutil.which("postfwd2", path="/usr/sbin")
    if not binary:
        return None, "postfwd not installed (apt-get install postfwd)"
    d = os.path.join(tmp, "postfwd")
    os.makedirs(d)
    os.chmod(d, 0o1777)  # its daemons run as nobody
    rules = os.path.join(d, "rules")
    with open(rules, "w") as f:
        f.write(POSTFWD_RULES.format(domains=domains_file))
    sock = os.path.join(d, "postfwd.sock")
    log = os.path.join(d, "postfwd.log")
    pidfile = os.path.join(d, "postfwd.pid")
    # postfwd2 detaches (--nodaemon would read requests from stdin); stopped by its pid file's PID.
    try:
        procs.sink = SyslogSink()
        procs.sink.start()
    except OSError as e:
        return None, "cannot listen on udp 127.0.0.1:514 for postfwd's syslog: %s" % e
    argv = [binary, "-n", "--socktype=inet", "--cache=0", "--file=" + rules, "--proto=unix", "--port=" + sock,
            "--cache_proto=unix", "--cache_port=" + os.path.join(d, "cache.sock"), "--pidfile=" + pidfile,
            "--min_servers=%d" % max_conns, "--max_servers=%d" % (max_conns + 8), "--min_spare_servers=1",
            "--max_spare_servers=%d" % (max_conns + 7), "--noidlestats", "--user=nobody", "--group=nogroup"]
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
    with open(log, "wb") as f:
        f.write(r.stdout)
    deadline = time.time() + 30
    while time.time() < deadline and not (os.path.exists(sock) and os.path.exists(pidfile)):
        time.sleep(0.1)
    if not os.path.exists(pidfile):
        raise RuntimeError("postfwd2 did not start (exit %d): %s" % (r.returncode, tail(log)))
    pid = int(open(pidfile).read().split()[0])
    procs.adopt(pid)
    if not os.path.exists(sock):
        raise RuntimeError("postfwd2 did not create %s: %s" % (sock, tail(log)))
    time.sleep(1.0)  # let it pre-fork its children
    return "unix:" + sock, [pid]


def start_quota_status(procs, tmp, users, quota_bytes, uid, gid):
    """USERS: {address: home}. Returns (address, pids) or (None, why)."""
    dovecot = shutil.which("dovecot") or "/usr/sbin/dovecot"
    if not os.path.exists(dovecot) or not os.path.exists("/usr/lib/dovecot/quota-status"):
        return None, "dovecot-core not installed"
    d = os.path.join(tmp, "dovecot")
    for sub in ("run", "state"):
        os.makedirs(os.path.join(d, sub))
    os.chmod(d, 0o755)
    sock = os.path.join(d, "quota-status.sock")
    conf = os.path.join(d, "dovecot.conf")
    with open(conf, "w") as f:
        f.write(DOVECOT_CONF.format(dir=d, sock=sock, quota=quota_bytes))
    with open(os.path.join(d, "users"), "w") as f:
        for user, home in users.items():
            f.write("%s:{PLAIN}x:%d:%d::%s::\n" % (user, uid, gid, home))
    log = os.path.join(d, "dovecot.log")
    p = procs.start([dovecot, "-F", "-c", conf], os.path.join(d, "stderr"))
    wait_path(p, sock, "dovecot", log)
    return "unix:" + sock, [p.pid]
