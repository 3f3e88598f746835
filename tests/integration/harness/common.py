"""Small shared helpers for the integration harness (Python 3 stdlib only).

What: locating binaries, picking free loopback ports, waiting for a socket or
a condition, killing a process we started, and one place that decides what a
missing binary means (a clear failure in CI, a skip elsewhere if
VMAILKIT_ALLOW_SKIP=1).
Process: one foreground program started in its own session with its
output in a log file, stopped by its PID (SIGTERM, SIGKILL after a timeout);
an atexit hook stops every Process still running unless detach()ed.
make_cert(): a throwaway self-signed TLS key and certificate.
Ownership: a Process owns its child; nothing else here starts a server.
Not thread-safe.
Errors: MissingTool (a needed program is not installed), TimeoutError,
RuntimeError (a Process exited or did not get ready; with its log tail).
"""

import atexit
import os
import signal
import socket
import subprocess
import sys
import time

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
SKIP_EXIT = 77  # meson's "skipped" exit status


class MissingTool(Exception):
    """A program the test needs is not installed or not built."""


def which(name, extra_dirs=("/usr/sbin", "/usr/bin", "/sbin", "/bin")):
    """Return the absolute path of executable NAME, or None."""
    for d in os.environ.get("PATH", "").split(os.pathsep) + list(extra_dirs):
        p = os.path.join(d, name)
        if d and os.path.isfile(p) and os.access(p, os.X_OK):
            return p
    return None


def require(name, package):
    """Path of NAME or MissingTool naming the Debian PACKAGE to install."""
    p = which(name)
    if not p:
        raise MissingTool("%s not found; apt-get install %s" % (name, package))
    return p


def build_dir():
    """The meson build directory: $VMAILKIT_BUILD_DIR, else REPO/build."""
    return os.path.abspath(os.environ.get("VMAILKIT_BUILD_DIR") or os.path.join(REPO_ROOT, "build"))


def port_in_use(port, host="127.0.0.1"):
    """True when something accepts TCP connections on HOST:PORT."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(0.5)
    try:
        return s.connect_ex((host, port)) == 0
    finally:
        s.close()


def free_port(host="127.0.0.1"):
    """A loopback port that nothing listens on right now."""
    for _ in range(50):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind((host, 0))
        port = s.getsockname()[1]
        s.close()
        if not port_in_use(port, host):
            return port
    raise RuntimeError("no free loopback port")


def can_connect(endpoint):
    """ENDPOINT is 'unix:/path' or 'inet:host:port'; True if a connect succeeds."""
    kind, _, rest = endpoint.partition(":")
    if kind == "unix":
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        addr = rest
    else:
        host, _, port = rest.rpartition(":")
        s = socket.socket(socket.AF_INET6 if host.startswith("[") else socket.AF_INET, socket.SOCK_STREAM)
        addr = (host.strip("[]"), int(port))
    s.settimeout(1.0)
    try:
        s.connect(addr)
        return True
    except OSError:
        return False
    finally:
        s.close()


def wait_for(predicate, timeout, interval=0.1, what="condition"):
    """Poll PREDICATE until it returns a true value; return it or raise TimeoutError."""
    deadline = time.monotonic() + timeout
    while True:
        v = predicate()
        if v:
            return v
        if time.monotonic() >= deadline:
            raise TimeoutError("timed out after %.0fs waiting for %s" % (timeout, what))
        time.sleep(interval)


def pid_alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def kill_pid(pid, timeout=10.0):
    """SIGTERM PID, wait up to TIMEOUT, then SIGKILL. Only for PIDs we started."""
    if not pid or not pid_alive(pid):
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                return
        except ChildProcessError:
            if not pid_alive(pid):
                return
        time.sleep(0.05)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def run(cmd, timeout=60, input_bytes=None, env=None):
    """Run CMD; return CompletedProcess with text stdout/stderr (utf-8, surrogateescape)."""
    r = subprocess.run(cmd, input=input_bytes, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout, env=env)
    r.stdout = r.stdout.decode("utf-8", "surrogateescape")
    r.stderr = r.stderr.decode("utf-8", "surrogateescape")
    return r


def preflight(checks):
    """CHECKS: callables that return a path or raise MissingTool. On a missing
    tool exit 1 with the reason (CI installs everything), or exit 77 (meson
    skip) when VMAILKIT_ALLOW_SKIP=1."""
    try:
        for c in checks:
            c()
    except MissingTool as e:
        if os.environ.get("VMAILKIT_ALLOW_SKIP") == "1":
            print("SKIP: %s" % e, file=sys.stderr)
            sys.exit(SKIP_EXIT)
        print("FAIL: missing tool: %s" % e, file=sys.stderr)
        sys.exit(1)


def tail(path, n=4000):
    try:
        with open(path, "rb") as f:
            return f.read()[-n:].decode("utf-8", "replace")
    except OSError:
        return "(no %s)" % path


def stop_popen(proc, timeout=10.0):
    """SIGTERM a Popen we started, SIGKILL after TIMEOUT; its exit status."""
    if proc.poll() is None:
        proc.terminate()
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()


def exit_problem(name, exit_status, text):
    """Why a daemon's run did not end cleanly (non-zero exit after SIGTERM, a
    sanitizer report in TEXT, its output), or None."""
    if exit_status not in (0, None):
        return "%s exit status %s after SIGTERM:\n%s" % (name, exit_status, text[-3000:])
    for pat in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
        if pat in text:
            i = text.index(pat)
            return "%s sanitizer report:\n%s" % (name, text[max(0, i - 200):i + 3000])
    return None


class Process:
    """ARGV run in the foreground, output appended to LOGFILE; READY() (a
    callable, optional) tells when it serves."""

    def __init__(self, argv, logfile, ready=None, name=None, env=None):
        self.argv, self.logfile, self.ready, self.env = list(argv), logfile, ready, env
        self.name = name or os.path.basename(argv[0])
        self.proc = None

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout=20):
        if self.running():
            return self
        with open(self.logfile, "ab") as out:
            self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True, env=self.env)
        _PROCESSES.add(self)

        def ready():
            if self.proc.poll() is not None:
                raise RuntimeError("%s exited with %s:\n%s" % (self.name, self.proc.returncode, tail(self.logfile)))
            return self.ready is None or self.ready()
        try:
            wait_for(ready, timeout, what="%s to serve (log %s)" % (self.name, self.logfile))
        except TimeoutError:
            self.stop()
            raise
        return self

    def stop(self, timeout=10.0):
        """SIGTERM, SIGKILL after TIMEOUT; the exit status (None if not started)."""
        if self.proc is None:
            return None
        rc = stop_popen(self.proc, timeout)
        self.proc = None
        _PROCESSES.discard(self)
        return rc

    def detach(self):
        """Leave it running after this Python process exits."""
        _PROCESSES.discard(self)


_PROCESSES = set()


@atexit.register
def _stop_processes():
    for p in list(_PROCESSES):
        try:
            p.stop()
        except Exception:  # noqa: BLE001 - best effort at interpreter exit
            pass


def make_cert(directory, cn="mx.vmailkit.test"):
    """A throwaway self-signed RSA key and certificate in DIRECTORY: (key, cert)."""
    key, cert = os.path.join(directory, "key.pem"), os.path.join(directory, "cert.pem")
    r = run([require("openssl", "openssl"), "req", "-x509", "-newkey", "rsa:2048", "-nodes",
             "-subj", "/CN=" + cn, "-days", "2", "-keyout", key, "-out", cert], timeout=60)
    if r.returncode != 0:
        raise RuntimeError("openssl req failed: %s" % (r.stdout + r.stderr))
    os.chmod(key, 0o600)
    return key, cert


def _exit_on_sigterm(signum, _frame):
    # meson sends SIGTERM on timeout: turn it into SystemExit so the atexit
    # hooks of the harness modules stop every server this process started.
    raise SystemExit(128 + signum)


if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
