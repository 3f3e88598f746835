"""Run build/policyd/policyd privately, and talk to it, for integration tests (stdlib only).

Usage:
    pd = Policyd(params={"policyd_local_domains": "mysql:/t/domains.cf"})
    pd.start()
    pd.socket            # unix socket path (check_policy_service unix:PATH)
    pd.port              # the same service on inet:127.0.0.1:PORT
    pd.ask({"protocol_state": "RCPT", ...})   # one request on a new connection: the action
    pd.log_text()
    problem = pd.cleanup()   # stop (SIGTERM by PID) and remove the temp dir

    s = SmtpSession(port, source="127.0.0.2")   # raw SMTP from another loopback address
    s.auth_plain(user, password); s.mail(sender); s.rcpt(addr) -> reply line

Lifecycle: start() writes DIR/vmailkit.cf in a temp dir (mode 0755, socket
mode 0666, so Postfix's smtpd running as `postfix` can connect), starts
`policyd -c DIR` in the foreground and waits until both endpoints accept
connections. stop() SIGTERMs the PID it started (SIGKILL after 10 s); an
atexit hook stops any instance still running. The binary is
$VMAILKIT_POLICYD, else $VMAILKIT_BUILD_DIR/policyd/policyd.
Errors: MissingTool when the binary is not built; RuntimeError (with the log)
when it exits or does not listen in time. Not thread-safe.
"""

import atexit
import base64
import os
import shutil
import socket
import subprocess
import tempfile

from . import common

_RUNNING = set()

# A request as Postfix 3.7 sends it at RCPT (postfix-policy.md section 1).
BASE_REQUEST = [
    ("request", "smtpd_access_policy"), ("protocol_state", "RCPT"), ("protocol_name", "ESMTP"),
    ("client_address", "192.0.2.7"), ("client_name", "mx.client.test"), ("client_port", "42950"),
    ("reverse_client_name", "mx.client.test"), ("server_address", "127.0.0.1"), ("server_port", "25"),
    ("helo_name", "mx.client.test"), ("sender", "sender@client.test"), ("recipient", ""),
    ("recipient_count", "0"), ("queue_id", ""), ("instance", "c3b.6b09bbe0.ceaed.0"), ("size", "500"),
    ("etrn_domain", ""), ("stress", ""), ("sasl_method", ""), ("sasl_username", ""), ("sasl_sender", ""),
    ("ccert_subject", ""), ("ccert_issuer", ""), ("ccert_fingerprint", ""), ("ccert_pubkey_fingerprint", ""),
    ("encryption_protocol", ""), ("encryption_cipher", ""), ("encryption_keysize", "0"), ("policy_context", ""),
]


def binary_path():
    return os.environ.get("VMAILKIT_POLICYD") or os.path.join(common.build_dir(), "policyd", "policyd")


def request_bytes(overrides=None):
    """The request bytes for BASE_REQUEST with OVERRIDES (a dict) applied."""
    o = dict(overrides or {})
    lines = []
    for k, v in BASE_REQUEST:
        lines.append("%s=%s" % (k, o.pop(k, v)))
    lines += ["%s=%s" % kv for kv in o.items()]
    return ("\n".join(lines) + "\n\n").encode()


def read_reply(sock):
    """One reply (up to the empty line) from SOCK; the action text, or None at
    EOF (or a reset: closing with unread input makes the kernel send RST)."""
    buf = b""
    while b"\n\n" not in buf:
        try:
            data = sock.recv(65536)
        except ConnectionResetError:
            return None
        if not data:
            return None
        buf += data
    for line in buf.split(b"\n\n", 1)[0].split(b"\n"):
        if line.startswith(b"action="):
            return line[7:].decode("utf-8", "replace")
    return ""


class Policyd:
    """One private policyd process; see the module docstring."""

    def __init__(self, params=None, tmp_root=None):
        self.binary = binary_path()
        if not (os.path.isfile(self.binary) and os.access(self.binary, os.X_OK)):
            raise common.MissingTool("policyd binary %s not built (meson setup build && ninja -C build)" % self.binary)
        self.params = dict(params or {})
        self.tmp_root = tmp_root
        self.dir = None
        self.port = None
        self.proc = None
        self.exit_status = None

    @property
    def socket(self):
        return os.path.join(self.dir, "policyd.sock")

    @property
    def logfile(self):
        return os.path.join(self.dir, "policyd.log")

    def config_text(self):
        p = {"maillog_file": self.logfile, "policyd_socket_mode": "0666",
             "policyd_listen": "unix:%s, inet:127.0.0.1:%d" % (self.socket, self.port)}
        p.update(self.params)
        return "".join("%s = %s\n" % kv for kv in p.items())

    def start(self, timeout=20):
        if self.proc is not None and self.proc.poll() is None:
            return
        if self.dir is None:
            self.dir = tempfile.mkdtemp(prefix="vmk-policyd-", dir=self.tmp_root)
            os.chmod(self.dir, 0o755)
        if self.port is None:
            self.port = common.free_port()
        if common.port_in_use(self.port):
            raise RuntimeError("port %d already in use; refusing to start policyd there" % self.port)
        with open(os.path.join(self.dir, "vmailkit.cf"), "w") as f:
            f.write(self.config_text())
        with open(os.path.join(self.dir, "policyd.out"), "ab") as out:
            self.proc = subprocess.Popen([self.binary, "-c", self.dir], stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        _RUNNING.add(self)
        eps = ["unix:" + self.socket, "inet:127.0.0.1:%d" % self.port]

        def ready():
            if self.proc.poll() is not None:
                raise RuntimeError("policyd exited with %s:\n%s" % (self.proc.returncode, self.log_text()[-4000:]))
            return all(common.can_connect(e) for e in eps)
        try:
            common.wait_for(ready, timeout, what="policyd sockets %s" % eps)
        except TimeoutError as e:
            self.stop()
            raise RuntimeError("%s\n%s" % (e, self.log_text()[-4000:]))

    def connect(self, timeout=30):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        return s

    def ask(self, overrides=None, timeout=30):
        """One request on a fresh connection; the action (None if policyd closed)."""
        with self.connect(timeout) as s:
            s.sendall(request_bytes(overrides))
            return read_reply(s)

    def reload(self):
        self.proc.send_signal(1)

    def log_text(self):
        text = ""
        if self.dir is None:
            return text
        for name in ("policyd.log", "policyd.out"):
            try:
                with open(os.path.join(self.dir, name), errors="replace") as f:
                    text += f.read()
            except OSError:
                pass
        return text

    def stop(self):
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            rc = self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.proc = None
        self.exit_status = rc
        _RUNNING.discard(self)
        return rc

    def stop_and_check(self):
        """stop(); then why the run did not end cleanly (exit status after
        SIGTERM, a sanitizer report in its output), or None."""
        self.stop()
        text = self.log_text()
        if self.exit_status not in (0, None):
            return "policyd exit status %s after SIGTERM:\n%s" % (self.exit_status, text[-3000:])
        for pat in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
            if pat in text:
                i = text.index(pat)
                return "policyd sanitizer report:\n" + text[max(0, i - 200):i + 3000]
        return None

    def cleanup(self):
        """stop() and remove the temp dir; returns stop_and_check()'s verdict."""
        problem = self.stop_and_check() if self.dir else None
        if self.dir and os.environ.get("VMAILKIT_KEEP_TMP") != "1":
            shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None
        return problem


class SmtpSession:
    """A raw SMTP session from SOURCE (another loopback address: outside
    mynetworks = 127.0.0.1/32); commands are sent exactly as given."""

    def __init__(self, port, source="127.0.0.2", host="127.0.0.1", timeout=120):
        self.sock = socket.create_connection((host, port), timeout=timeout, source_address=(source, 0))
        self.buf = b""
        self._expect("220")
        self.cmd("EHLO client.test", "250")

    def _line(self):
        while b"\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise OSError("SMTP server closed the connection")
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return line.rstrip(b"\r").decode("utf-8", "replace")

    def reply(self):
        while True:
            line = self._line()
            if len(line) < 4 or line[3] != "-":
                return line

    def _expect(self, code):
        r = self.reply()
        if not r.startswith(code):
            raise RuntimeError("unexpected SMTP reply %r" % r)
        return r

    def cmd(self, text, want=None):
        self.sock.sendall(text.encode("utf-8") + b"\r\n")
        return self._expect(want) if want else self.reply()

    def auth_plain(self, user, password):
        token = base64.b64encode(b"\0" + user.encode() + b"\0" + password.encode()).decode()
        return self.cmd("AUTH PLAIN " + token)

    def mail(self, sender):
        return self.cmd("MAIL FROM:<%s>" % sender)

    def rcpt(self, address):
        return self.cmd("RCPT TO:<%s>" % address)

    def rset(self):
        return self.cmd("RSET", "250")

    def close(self):
        try:
            self.cmd("QUIT")
        except OSError:
            pass
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _stop_all():
    for p in list(_RUNNING):
        p.stop()


atexit.register(_stop_all)
