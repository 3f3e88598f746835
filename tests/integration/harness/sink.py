"""An SMTP sink standing in for the outside world (Python 3 stdlib only).

Usage:
    sink = Sink(); sink.start()          # smtp-sink on 127.0.0.1:sink.port
    sink.messages()                      # [(path, text), ...] oldest first
    sink.wait_for(lambda text: "Subject: x" in text)
    sink.stop(); sink.cleanup()

Postfix's own smtp-sink(1) (package postfix), run as root with -u nobody,
writes every received message to its own file (-d DIR/msg.) beginning with
X-Client-Addr / X-Mail-Args / X-Rcpt-Args lines. A private Postfix uses it
as relayhost = [127.0.0.1]:PORT, so mail relayed "to the Internet" lands here.
Ownership: owns its temp dir and process (common.Process). Not thread-safe.
Errors: MissingTool when smtp-sink is missing; RuntimeError when it does not start.
"""

import os
import pwd
import shutil
import tempfile

from . import common


class Sink:
    def __init__(self, tmp_root=None, user="nobody"):
        self.binary = common.require("smtp-sink", "postfix")
        self.user = user
        self.tmp_root = tmp_root
        self.dir = None
        self.port = None
        self.process = None

    @property
    def maildir(self):
        return os.path.join(self.dir, "mail")

    def start(self, timeout=20):
        if self.dir is None:
            self.dir = tempfile.mkdtemp(prefix="vmk-sink-", dir=self.tmp_root)
            os.chmod(self.dir, 0o755)
            os.makedirs(self.maildir)
            pw = pwd.getpwnam(self.user)
            os.chown(self.maildir, pw.pw_uid, pw.pw_gid)
        if self.port is None:
            self.port = common.free_port()
        if common.port_in_use(self.port):
            raise RuntimeError("port %d already in use; refusing to start smtp-sink there" % self.port)
        self.process = common.Process(
            [self.binary, "-u", self.user, "-h", "sink.outside.test", "-d", os.path.join(self.maildir, "msg."),
             "127.0.0.1:%d" % self.port, "20"],
            os.path.join(self.dir, "smtp-sink.log"), ready=lambda: common.port_in_use(self.port), name="smtp-sink")
        self.process.start(timeout)
        return self

    def messages(self):
        """[(path, text)] of every message received, oldest first."""
        if not self.dir or not os.path.isdir(self.maildir):
            return []
        paths = [os.path.join(self.maildir, n) for n in os.listdir(self.maildir)]
        paths.sort(key=lambda p: (os.path.getmtime(p), p))
        out = []
        for p in paths:
            with open(p, errors="replace") as f:
                out.append((p, f.read()))
        return out

    def wait_for(self, predicate, timeout=30):
        """The first (path, text) whose text satisfies PREDICATE."""
        def find():
            for m in self.messages():
                if predicate(m[1]):
                    return m
            return None
        return common.wait_for(find, timeout, what="a message at the SMTP sink")

    def stop(self):
        if self.process:
            self.process.stop()

    def detach(self):
        if self.process:
            self.process.detach()

    def cleanup(self):
        self.stop()
        if self.dir and os.environ.get("VMAILKIT_KEEP_TMP") != "1":
            shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None
