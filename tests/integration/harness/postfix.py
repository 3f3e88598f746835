"""A private Postfix 3.7 instance for integration tests (Python 3 stdlib only).

Usage:
    pf = Postfix(main={"virtual_alias_maps": "socketmap:unix:/x.sock:virtual_alias"})
    pf.start()                      # own config/queue/data dirs in a temp dir
    pf.port, pf.config_dir          # smtpd on 127.0.0.1:pf.port
    pf.postmap_q(key, "mysql:/x.cf")  # postmap -c CONFIG_DIR -q KEY MAP...
    pf.wait_log(r"reject: RCPT")    # poll the instance's maillog_file
    pf.stop(); pf.cleanup()

Lifecycle: the constructor only writes nothing; start() creates a temp dir
holding config/ (main.cf, master.cf), queue/, data/ and maillog, runs
`postfix -c DIR check` (creates and owns the queue directories) and
`postfix -c DIR start`. It refuses to start when the smtpd port is already
taken (Postfix 3.7 would share it and split connections). stop() runs
`postfix -c DIR stop`, waits for the master PID from queue/pid/master.pid
to go away and SIGKILLs it if needed; cleanup() also removes the temp dir
(kept with VMAILKIT_KEEP_TMP=1). An atexit hook stops every instance still
running, so a failing test does not leave a master behind.
Design: chroot column `n`, inet_interfaces 127.0.0.1 (+127.0.0.2 on request
for clients outside mynetworks = 127.0.0.1/32), mydestination empty, and all
transports (virtual, relay, default) are discard(8): this instance tests
RCPT acceptance and lookups, and accepted mail must never bounce or leave.
Errors: MissingTool when postfix is not installed, RuntimeError with the
command output when a postfix command fails. Not thread-safe.
"""

import atexit
import os
import pwd
import re
import shutil
import tempfile
import time

from . import common

_RUNNING = set()

MASTER_CF = """\
# service type  private unpriv  chroot  wakeup  maxproc command
{listen} inet  n       -       n       -       -       smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""


class Postfix:
    """One private Postfix instance; see the module docstring."""

    def __init__(self, main=None, port=None, outside_client=False, tmp_root=None, master_extra=""):
        self.postfix = common.require("postfix", "postfix")
        self.postmap = common.require("postmap", "postfix")
        self.postconf = common.require("postconf", "postfix")
        self.extra = dict(main or {})
        self.port = port
        self.outside_client = outside_client
        self.tmp_root = tmp_root
        self.master_extra = master_extra  # appended to master.cf (e.g. a pipe service)
        self.dir = None
        self.started = False

    # -- paths -------------------------------------------------------------
    @property
    def config_dir(self):
        return os.path.join(self.dir, "config")

    @property
    def queue_dir(self):
        return os.path.join(self.dir, "queue")

    @property
    def maillog(self):
        return os.path.join(self.dir, "log", "maillog")

    def master_pid(self):
        try:
            with open(os.path.join(self.queue_dir, "pid", "master.pid")) as f:
                return int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    # -- configuration -----------------------------------------------------
    def main_cf(self):
        """The main.cf parameters, base settings first, then the caller's."""
        interfaces = "127.0.0.1, 127.0.0.2" if self.outside_client else "127.0.0.1"
        p = {
            "compatibility_level": "3.6",
            "config_directory": self.config_dir,
            "queue_directory": self.queue_dir,
            "data_directory": os.path.join(self.dir, "data"),
            "meta_directory": "/etc/postfix",
            "daemon_directory": "/usr/lib/postfix/sbin",
            "command_directory": "/usr/sbin",
            "shlib_directory": "/usr/lib/postfix",
            "mail_owner": "postfix",
            "setgid_group": "postdrop",
            "myhostname": "mx.vmailkit.test",
            "mydomain": "vmailkit.test",
            "myorigin": "$myhostname",
            "mydestination": "",
            "inet_interfaces": interfaces,
            "inet_protocols": "ipv4",
            "mynetworks": "127.0.0.1/32",
            "smtpd_banner": "$myhostname ESMTP vmailkit-test",
            "biff": "no",
            "append_dot_mydomain": "no",
            "alias_maps": "",
            "alias_database": "",
            "local_recipient_maps": "",
            "recipient_delimiter": "+",
            "maillog_file": self.maillog,
            "maillog_file_prefixes": self.dir,
            "virtual_transport": "discard:virtual mail discarded by test instance",
            "default_transport": "discard:default mail discarded by test instance",
            "relay_transport": "discard:relay mail discarded by test instance",
            "smtpd_helo_required": "no",
            "disable_dns_lookups": "yes",
            "smtp_dns_support_level": "disabled",
            "smtputf8_enable": "yes",
        }
        p.update(self.extra)
        return p

    def write_config(self):
        os.makedirs(self.config_dir, exist_ok=True)
        with open(os.path.join(self.config_dir, "main.cf"), "w") as f:
            for k, v in self.main_cf().items():
                f.write("%s = %s\n" % (k, v))
        listen = "127.0.0.1:%d" % self.port
        if self.outside_client:
            listen = "%d" % self.port
        with open(os.path.join(self.config_dir, "master.cf"), "w") as f:
            f.write(MASTER_CF.format(listen=listen))
            f.write(self.master_extra)

    # -- lifecycle ---------------------------------------------------------
    def start(self, timeout=30):
        """Write config, check/create the queue, start master, wait for smtpd."""
        if self.dir is None:
            self.dir = tempfile.mkdtemp(prefix="vmk-postfix-", dir=self.tmp_root)
            os.chmod(self.dir, 0o755)
            data = os.path.join(self.dir, "data")
            os.makedirs(data, mode=0o700, exist_ok=True)
            pw = pwd.getpwnam("postfix")
            os.chown(data, pw.pw_uid, pw.pw_gid)
            os.makedirs(self.queue_dir, mode=0o755, exist_ok=True)
            os.makedirs(os.path.dirname(self.maillog), exist_ok=True)
        if self.port is None:
            self.port = common.free_port()
        for host in ("127.0.0.1",) + (("127.0.0.2",) if self.outside_client else ()):
            if common.port_in_use(self.port, host):
                raise RuntimeError("port %s:%d already in use; refusing to start a second "
                                   "Postfix there (3.7 would split connections)" % (host, self.port))
        self.write_config()
        self.command("check", allow_fail=False)
        self.command("start", allow_fail=False)
        self.started = True
        _RUNNING.add(self)
        common.wait_for(lambda: common.port_in_use(self.port), timeout,
                        what="Postfix smtpd on 127.0.0.1:%d (log: %s)" % (self.port, common.tail(self.maillog)))
        common.wait_for(lambda: os.path.exists(self.maillog), timeout, what="maillog %s" % self.maillog)

    def command(self, verb, allow_fail=True):
        r = common.run([self.postfix, "-c", self.config_dir, verb], timeout=60)
        if r.returncode != 0 and not allow_fail:
            raise RuntimeError("postfix -c %s %s failed (%d):\n%s%s\nmaillog:\n%s" % (
                self.config_dir, verb, r.returncode, r.stdout, r.stderr, common.tail(self.maillog)))
        return r

    def stop(self):
        """postfix stop, then make sure the master (by PID) is gone."""
        if not self.started:
            return
        pid = self.master_pid()
        self.command("stop")
        if pid:
            deadline = time.monotonic() + 15
            while common.pid_alive(pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            if common.pid_alive(pid):
                common.kill_pid(pid, timeout=2)
        self.started = False
        _RUNNING.discard(self)

    def reload(self):
        self.command("reload", allow_fail=False)

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

    # -- queries and logs --------------------------------------------------
    def postmap_q(self, key, *maps, timeout=120):
        """postmap -c CONFIG_DIR -q KEY MAPS...; CompletedProcess (text)."""
        return common.run([self.postmap, "-c", self.config_dir, "-q", key] + list(maps), timeout=timeout)

    def postconf_n(self, *args):
        return common.run([self.postconf, "-c", self.config_dir] + list(args))

    def log_text(self):
        try:
            with open(self.maillog, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def log_mark(self):
        """Current end of the maillog, for wait_log(since=...)."""
        return len(self.log_text())

    def wait_log(self, pattern, timeout=20, since=0):
        """Wait until a maillog line after offset SINCE matches PATTERN; return the match."""
        rx = re.compile(pattern)
        return common.wait_for(lambda: rx.search(self.log_text()[since:]), timeout,
                               what="maillog pattern %r" % pattern)


@atexit.register
def _stop_all():
    for pf in list(_RUNNING):
        try:
            pf.stop()
        except Exception:  # noqa: BLE001 - best effort at interpreter exit
            pass
