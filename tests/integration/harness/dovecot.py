"""A private Dovecot 2.3 for integration tests (Python 3 stdlib only).

Usage:
    dv = Dovecot(users={"joe@example.com": ("/mail/joe", "*:storage=100000B")}, uid=65534, gid=65534)
    dv.start()                          # dovecot -F -c CONF in a temp dir
    dv.doveadm("quota", "get", "-u", "joe@example.com")
    dv.stop(); dv.cleanup()

No listeners (protocols empty): doveadm talks to the auth and doveadm
services over unix sockets in base_dir. With imap_port=N it also serves
IMAP (plaintext login, no TLS) on 127.0.0.1:N with the imap_quota plugin;
a user's tuple may carry a third item, the password (default "secret"). Maildir++ layout (mail_location =
maildir:~), the maildir quota backend, Trash ignored (as vdelivery's
default vdelivery_trash_count = no). stop() kills the master by its PID.
Errors: MissingTool when dovecot is not installed. Not thread-safe.
"""

import atexit
import os
import shutil
import subprocess
import tempfile

from . import common

_RUNNING = set()

CONF = """\
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
  quota_rule2 = Trash:ignore
}}
"""


IMAP_CONF = """\
listen = 127.0.0.1
disable_plaintext_auth = no
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
protocol imap {{
  mail_plugins = $mail_plugins imap_quota
}}
"""


class Dovecot:
    def __init__(self, users, uid, gid, imap_port=None):
        self.dovecot = common.require("dovecot", "dovecot-core")
        self.doveadm_bin = common.require("doveadm", "dovecot-core")
        self.users, self.uid, self.gid = users, uid, gid
        self.imap_port = imap_port
        self.dir = None
        self.proc = None

    @property
    def conf(self):
        return os.path.join(self.dir, "dovecot.conf")

    def start(self, timeout=20):
        self.dir = tempfile.mkdtemp(prefix="vmk-dovecot-")
        os.chmod(self.dir, 0o755)
        for d in ("run", "state"):
            os.makedirs(os.path.join(self.dir, d))
        with open(self.conf, "w") as f:
            conf = CONF.format(dir=self.dir)
            if self.imap_port:
                conf = conf.replace("protocols =\n", "protocols = imap\n")
            f.write(conf)
            if self.imap_port:
                f.write(IMAP_CONF.format(port=self.imap_port))
        with open(os.path.join(self.dir, "users"), "w") as f:
            for user, entry in self.users.items():
                home, rule = entry[0], entry[1]
                password = entry[2] if len(entry) > 2 else "secret"
                f.write("%s:{PLAIN}%s:%d:%d::%s::userdb_quota_rule=%s\n"
                        % (user, password, self.uid, self.gid, home, rule))
        self.proc = subprocess.Popen([self.dovecot, "-F", "-c", self.conf], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        _RUNNING.add(self)
        common.wait_for(lambda: os.path.exists(os.path.join(self.dir, "run", "auth-userdb")), timeout,
                        what="dovecot auth-userdb socket (log: %s)" % common.tail(
                            os.path.join(self.dir, "dovecot.log")))
        if self.imap_port:
            common.wait_for(lambda: common.port_in_use(self.imap_port), timeout,
                            what="dovecot IMAP on 127.0.0.1:%d" % self.imap_port)
        return self

    def doveadm(self, *args):
        r = common.run([self.doveadm_bin, "-c", self.conf] + list(args), timeout=60)
        if r.returncode != 0:
            raise RuntimeError("doveadm %s failed (%d): %s%s" % (" ".join(args), r.returncode, r.stdout, r.stderr))
        return r.stdout

    def quota(self, user):
        """{'STORAGE': (value KiB, limit KiB), 'MESSAGE': (value, limit)} from doveadm quota get."""
        out = self.doveadm("-f", "tab", "quota", "get", "-u", user)
        res = {}
        for line in out.splitlines()[1:]:
            cols = line.split("\t")
            res[cols[1]] = (int(cols[2]), cols[3])
        return res

    def stop(self):
        if self.proc and self.proc.poll() is None:
            common.kill_pid(self.proc.pid, timeout=10)
            self.proc.wait()
        _RUNNING.discard(self)

    def cleanup(self):
        self.stop()
        if self.dir and os.environ.get("VMAILKIT_KEEP_TMP") != "1":
            shutil.rmtree(self.dir, ignore_errors=True)


@atexit.register
def _stop_all():
    for d in list(_RUNNING):
        try:
            d.stop()
        except Exception:  # noqa: BLE001
            pass
