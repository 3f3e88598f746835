"""Run build/saslcheck/saslcheck privately for integration tests (stdlib only).

Usage:
    sc = Saslcheck(params={"saslcheck_password_maps": "mysql:/t/pw.cf"}, dovecot=True)
    sc.start()
    sc.socket          # authdaemond-protocol unix socket (DIR/authdaemon/socket)
    sc.dovecot_socket  # Dovecot auth socket (DIR/dovecot-auth), when dovecot=True
    sc.check("joe@example.com", "secret")   # `saslcheck -t`: (exit status, output)
    sc.log_text()
    sc.stop(); sc.cleanup()

Lifecycle: start() writes DIR/vmailkit.cf in a temp dir (mode 0755; the
authdaemon/ subdir holds the socket, named "socket" as Courier's, so a mount
namespace can bind it over /run/courier/authdaemon), starts `saslcheck -c DIR`
in the foreground and waits until its sockets accept connections. stop()
SIGTERMs the PID it started (SIGKILL after 10 s); an atexit hook stops any
instance still running. The binary: $VMAILKIT_SASLCHECK, else
$VMAILKIT_BUILD_DIR/saslcheck/saslcheck.
Errors: MissingTool when the binary is not built, RuntimeError (with the log)
when it exits or does not listen in time. Not thread-safe.
"""

import atexit
import os
import shutil
import subprocess
import tempfile

from . import common

_RUNNING = set()


def binary_path():
    return os.environ.get("VMAILKIT_SASLCHECK") or os.path.join(common.build_dir(), "saslcheck", "saslcheck")


class Saslcheck:
    """One private saslcheck process; see the module docstring."""

    def __init__(self, params=None, dovecot=False, tmp_root=None):
        self.binary = binary_path()
        if not (os.path.isfile(self.binary) and os.access(self.binary, os.X_OK)):
            raise common.MissingTool("saslcheck binary %s not built" % self.binary)
        self.params = dict(params or {})
        self.dovecot = dovecot
        self.tmp_root = tmp_root
        self.dir = None
        self.proc = None

    @property
    def socket(self):
        return os.path.join(self.dir, "authdaemon", "socket")

    @property
    def dovecot_socket(self):
        return os.path.join(self.dir, "dovecot-auth")

    @property
    def logfile(self):
        return os.path.join(self.dir, "saslcheck.log")

    def config_text(self):
        p = {"maillog_file": self.logfile, "saslcheck_listen": "unix:" + self.socket,
             "saslcheck_socket_mode": "0666"}
        if self.dovecot:
            p["saslcheck_dovecot_listen"] = "unix:" + self.dovecot_socket
        p.update(self.params)
        return "".join("%s = %s\n" % kv for kv in p.items())

    def start(self, timeout=20):
        if self.proc is not None and self.proc.poll() is None:
            return
        if self.dir is None:
            self.dir = tempfile.mkdtemp(prefix="vmk-saslcheck-", dir=self.tmp_root)
            os.chmod(self.dir, 0o755)
            os.makedirs(os.path.join(self.dir, "authdaemon"), mode=0o755, exist_ok=True)
        with open(os.path.join(self.dir, "vmailkit.cf"), "w") as f:
            f.write(self.config_text())
        out = open(os.path.join(self.dir, "saslcheck.out"), "ab")
        self.proc = subprocess.Popen([self.binary, "-c", self.dir], stdin=subprocess.DEVNULL, stdout=out,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        out.close()
        _RUNNING.add(self)
        eps = ["unix:" + self.socket] + (["unix:" + self.dovecot_socket] if self.dovecot else [])

        def ready():
            if self.proc.poll() is not None:
                raise RuntimeError("saslcheck exited with %s:\n%s" % (self.proc.returncode, self.log_text()))
            return all(common.can_connect(e) for e in eps)
        common.wait_for(ready, timeout, what="saslcheck sockets %s" % eps)

    def check(self, user, password):
        """saslcheck -c DIR -t USER with PASSWORD on stdin."""
        r = subprocess.run([self.binary, "-c", self.dir, "-o", "maillog_file=" + self.logfile, "-t", user],
                           input=password + "\n", capture_output=True, text=True, timeout=60)
        return r.returncode, r.stdout + r.stderr

    def log_text(self):
        text = ""
        for name in ("saslcheck.log", "saslcheck.out"):
            try:
                with open(os.path.join(self.dir, name), errors="replace") as f:
                    text += f.read()
            except OSError:
                pass
        return text

    def stop(self):
        if self.proc is None:
            return None
        rc = common.stop_popen(self.proc, 10)
        self.proc = None
        self.exit_status = rc
        _RUNNING.discard(self)
        return rc

    def stop_and_check(self):
        """stop(); then why the run did not end cleanly (exit status after
        SIGTERM, a sanitizer report in its output), or None."""
        self.stop()
        return common.exit_problem("saslcheck", getattr(self, "exit_status", None),
                                   self.log_text() if self.dir else "")

    def cleanup(self):
        """stop() and remove the temp dir; returns stop_and_check()'s verdict."""
        problem = self.stop_and_check() if self.dir else None
        if self.dir and os.environ.get("VMAILKIT_KEEP_TMP") != "1":
            shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None
        return problem

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.cleanup()
            raise
        return self

    def __exit__(self, *exc):
        self.cleanup()


def _stop_all():
    for s in list(_RUNNING):
        s.stop()


atexit.register(_stop_all)
