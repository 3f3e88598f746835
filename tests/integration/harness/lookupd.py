"""Run build/lookupd/lookupd privately for integration tests (stdlib only).

Usage:
    ld = Lookupd(maps={"alias": ["mysql:/t/alias.cf"]}, address_maps=["alias"],
                 tcp_maps=["alias"])
    ld.start()
    ld.socket            # unix socket path (socketmap)
    ld.socketmap_port    # socketmap on inet:127.0.0.1:PORT
    ld.tcp_port("alias") # tcp_table port serving map "alias"
    ld.socketmap("alias")   # "socketmap:unix:/.../lookupd.sock:alias"
    ld.tcp("alias")         # "tcp:127.0.0.1:PORT"
    ld.log_text()        # its maillog_file plus stdout/stderr
    ld.stop(); ld.cleanup()

Lifecycle: start() writes DIR/vmailkit.cf in a temp dir (mode 0755 so a
Postfix daemon running as `postfix` can reach the socket), starts the binary
in the foreground as `lookupd -c DIR` and waits until every endpoint accepts
a connection. The binary is $VMAILKIT_LOOKUPD, else
$VMAILKIT_BUILD_DIR/lookupd/lookupd (default REPO/build). stop() sends SIGTERM
to the PID it started and SIGKILLs after 10 s; an atexit hook stops any
instance still running.
Errors: MissingTool when the binary is not built, RuntimeError (with the log
tail) when it exits or does not listen in time. Not thread-safe.
"""

import atexit
import os
import shutil
import subprocess
import tempfile

from . import common

_RUNNING = set()


def binary_path():
    return os.environ.get("VMAILKIT_LOOKUPD") or os.path.join(common.build_dir(), "lookupd", "lookupd")


def require_binary():
    p = binary_path()
    if not (os.path.isfile(p) and os.access(p, os.X_OK)):
        raise common.MissingTool("lookupd binary %s not built (meson setup build && ninja -C build, "
                                 "or set VMAILKIT_BUILD_DIR)" % p)
    return p


class Lookupd:
    """One private lookupd process; see the module docstring."""

    def __init__(self, maps=None, address_maps=(), tcp_maps=(), params=None, tmp_root=None,
                 raw_config=None, raw_endpoints=()):
        """RAW_CONFIG: write this vmailkit.cf text verbatim instead (e.g. a shipped
        example with paths rewritten); RAW_ENDPOINTS are then the sockets to wait for."""
        self.binary = require_binary()
        self.raw_config = raw_config
        self.raw_endpoints = list(raw_endpoints)
        self.maps = dict(maps or {})
        self.address_maps = list(address_maps)
        self.tcp_maps = list(tcp_maps)
        self.params = dict(params or {})
        self.tmp_root = tmp_root
        self.dir = None
        self.proc = None
        self.exit_status = None
        self.socketmap_port = None
        self._tcp_ports = {}

    # -- names -------------------------------------------------------------
    @property
    def socket(self):
        return os.path.join(self.dir, "lookupd.sock")

    @property
    def logfile(self):
        return os.path.join(self.dir, "lookupd.log")

    @property
    def outfile(self):
        return os.path.join(self.dir, "lookupd.out")

    def tcp_port(self, name):
        return self._tcp_ports[name]

    def socketmap(self, name, inet=False):
        if inet:
            return "socketmap:inet:127.0.0.1:%d:%s" % (self.socketmap_port, name)
        return "socketmap:unix:%s:%s" % (self.socket, name)

    def tcp(self, name):
        return "tcp:127.0.0.1:%d" % self._tcp_ports[name]

    def endpoints(self):
        if self.raw_config is not None:
            return self.raw_endpoints
        eps = ["unix:" + self.socket, "inet:127.0.0.1:%d" % self.socketmap_port]
        return eps + ["inet:127.0.0.1:%d" % p for p in self._tcp_ports.values()]

    # -- config ------------------------------------------------------------
    def config_text(self):
        lines = ["# written by tests/integration/harness/lookupd.py",
                 "lookupd_listen = unix:%s, inet:127.0.0.1:%d" % (self.socket, self.socketmap_port)]
        if self._tcp_ports:
            lines.append("lookupd_tcp_listen = " + ", ".join(
                "inet:127.0.0.1:%d=%s" % (p, n) for n, p in self._tcp_ports.items()))
        for name, tables in self.maps.items():
            lines.append("lookupd_map_%s = %s" % (name, ", ".join(tables)))
        if self.address_maps:
            lines.append("lookupd_address_maps = " + " ".join(self.address_maps))
        base = {"recipient_delimiter": "+", "maillog_file": self.logfile}
        base.update(self.params)
        lines += ["%s = %s" % kv for kv in base.items()]
        return "\n".join(lines) + "\n"

    def _prepare(self):
        if self.dir is None:
            self.dir = tempfile.mkdtemp(prefix="vmk-lookupd-", dir=self.tmp_root)
            os.chmod(self.dir, 0o755)
        if self.socketmap_port is None:
            self.socketmap_port = common.free_port()
            for n in self.tcp_maps:
                self._tcp_ports[n] = common.free_port()
        for p in [self.socketmap_port] + list(self._tcp_ports.values()):
            if common.port_in_use(p):
                raise RuntimeError("port %d already in use; refusing to start lookupd there" % p)
        with open(os.path.join(self.dir, "vmailkit.cf"), "w") as f:
            f.write(self.config_text() if self.raw_config is None else self.raw_config)

    # -- lifecycle ---------------------------------------------------------
    def start(self, timeout=20, extra_args=()):
        """Write vmailkit.cf, start lookupd, wait for all its sockets."""
        if self.running():
            return
        self._prepare()
        with open(self.outfile, "ab") as out:
            self.proc = subprocess.Popen([self.binary, "-c", self.dir] + list(extra_args),
                                         stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        _RUNNING.add(self)

        def ready():
            if self.proc.poll() is not None:
                raise RuntimeError("lookupd exited with status %s:\n%s" % (self.proc.returncode, self.log_text()[-4000:]))
            return all(common.can_connect(e) for e in self.endpoints())
        try:
            common.wait_for(ready, timeout, what="lookupd endpoints %s" % self.endpoints())
        except TimeoutError as e:
            self.stop()
            raise RuntimeError("%s\n%s" % (e, self.log_text()[-4000:]))

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        """SIGTERM the lookupd we started, SIGKILL after 10 s; returns its exit status."""
        if self.proc is None:
            return None
        rc = common.stop_popen(self.proc, 10)
        self.proc = None
        self.exit_status = rc
        _RUNNING.discard(self)
        return rc

    def exit_problem(self):
        """After stop(): why the last run did not end cleanly (non-zero exit on
        SIGTERM, sanitizer report in its output), or None."""
        return common.exit_problem("lookupd", self.exit_status, self.log_text())

    def stop_and_check(self):
        """stop(), then exit_problem(); cleanup() afterwards is still needed."""
        self.stop()
        return self.exit_problem()

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

    # -- logs --------------------------------------------------------------
    def log_text(self):
        """maillog_file contents followed by whatever went to stdout/stderr."""
        parts = []
        if self.dir is None:
            return ""
        for p in (self.logfile, self.outfile):
            try:
                with open(p, "rb") as f:
                    parts.append(f.read().decode("utf-8", "replace"))
            except OSError:
                pass
        return "".join(parts)


@atexit.register
def _stop_all():
    for ld in list(_RUNNING):
        try:
            ld.stop()
        except Exception:  # noqa: BLE001 - best effort at interpreter exit
            pass
