"""vdelivery fixtures for integration tests (Python 3 stdlib only).

What: a mailbox_base plus a vmailkit.cf for vdelivery in a temp dir, owned
by an unprivileged user so pipe(8) (user=) or the test can run vdelivery as
that user; run() delivers one message directly; maildir helpers count and
read messages and maildirsize. The master.cf entry comes from
postfix-snippets/vdelivery-master.cf with the user, binary and -c replaced.
Ownership: the caller calls cleanup(). Not thread-safe.
Errors: MissingTool when the vdelivery binary is not built.
"""

import os
import pwd
import shutil
import subprocess
import tempfile

from . import common

USER = "nobody"


def binary():
    p = os.path.join(common.build_dir(), "vdelivery", "vdelivery")
    if not os.access(p, os.X_OK):
        raise common.MissingTool("%s not built; run ninja -C %s" % (p, common.build_dir()))
    return p


def read(path):
    """The text of PATH (closed at once)."""
    with open(path, errors="replace") as f:
        return f.read()


class Mailstore:
    def __init__(self, params, tmp_root=None):
        self.bin = binary()
        self.dir = tempfile.mkdtemp(prefix="vmk-vdel-", dir=tmp_root)
        os.chmod(self.dir, 0o755)
        self.base = os.path.join(self.dir, "mail")
        self.config_dir = os.path.join(self.dir, "etc")
        os.makedirs(self.base)
        os.makedirs(self.config_dir)
        pw = pwd.getpwnam(USER)
        self.uid, self.gid = pw.pw_uid, pw.pw_gid
        os.chown(self.base, self.uid, self.gid)
        p = {"mailbox_base": self.base, "maillog_file": os.path.join(self.dir, "vdelivery.log")}
        p.update(params)
        self.write_file("vmailkit.cf", "".join("%s = %s\n" % kv for kv in p.items()))
        open(p["maillog_file"], "a").close()
        os.chown(p["maillog_file"], self.uid, self.gid)

    def write_file(self, name, text):
        path = os.path.join(self.config_dir, name)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, 0o644)
        return path

    def master_entry(self, service="vdelivery", extra_args=""):
        """The snippet's master.cf entry for this store."""
        snippet = os.path.join(common.REPO_ROOT, "postfix-snippets", "vdelivery-master.cf")
        lines = [l for l in read(snippet).splitlines() if l and not l.startswith("#")]
        text = "\n".join(lines) + "\n"
        text = text.replace("vdelivery unix", service + " unix", 1)
        text = text.replace("user=vmail", "user=" + USER)
        text = text.replace("argv=/usr/local/bin/vdelivery",
                            "argv=%s -c %s %s" % (self.bin, self.config_dir, extra_args))
        return text

    def main_cf(self):
        """The snippet's main.cf parameters (postfix-snippets/vdelivery-main.cf) as a dict."""
        snippet = os.path.join(common.REPO_ROOT, "postfix-snippets", "vdelivery-main.cf")
        out = {}
        for line in read(snippet).splitlines():
            if line.strip() and not line.startswith("#"):
                k, v = line.split("=", 1)
                out[k.strip()] = v.strip()
        return out

    def run(self, recipient, message, sender="sender@client.test", args=(), as_user=True, timeout=30):
        """Deliver MESSAGE (bytes) directly; CompletedProcess (bytes)."""
        cmd = [self.bin, "-c", self.config_dir] + list(args) + ["-f", sender, recipient]
        kw = {}
        if as_user:
            kw = {"user": self.uid, "group": self.gid, "extra_groups": []}
        return subprocess.run(cmd, input=message, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=timeout, **kw)

    def make_dirs(self, rel):
        """mkdir -p under the base, every new directory owned by the delivery user, 0700."""
        path = self.base
        for part in rel.strip("/").split("/"):
            path = os.path.join(path, part)
            if not os.path.isdir(path):
                os.mkdir(path, 0o700)
                os.chown(path, self.uid, self.gid)
        return path

    def maildir(self, rel):
        return os.path.join(self.base, rel)

    def messages(self, rel, sub="new"):
        d = os.path.join(self.maildir(rel), sub)
        if not os.path.isdir(d):
            return []
        return sorted(os.path.join(d, n) for n in os.listdir(d) if not n.startswith("."))

    def maildirsize(self, rel):
        """(quota line, bytes, count) summed from maildirsize, or None."""
        try:
            lines = read(os.path.join(self.maildir(rel), "maildirsize")).splitlines()
        except OSError:
            return None
        b = c = 0
        for line in lines[1:]:
            x, y = line.split()
            b += int(x)
            c += int(y)
        return lines[0], b, c

    def disk_usage(self, rel, folders=True):
        """(bytes, count) of new/ and cur/ of the maildir (and its folders)."""
        root = self.maildir(rel)
        dirs = [root]
        if folders:
            dirs += [os.path.join(root, n) for n in os.listdir(root)
                     if n.startswith(".") and n != ".Trash" and os.path.isdir(os.path.join(root, n))]
        b = c = 0
        for d in dirs:
            for sub in ("new", "cur"):
                p = os.path.join(d, sub)
                if os.path.isdir(p):
                    for n in os.listdir(p):
                        b += os.path.getsize(os.path.join(p, n))
                        c += 1
        return b, c

    def log_text(self):
        with open(os.path.join(self.dir, "vdelivery.log"), errors="replace") as f:
            return f.read()

    def cleanup(self):
        if os.environ.get("VMAILKIT_KEEP_TMP") != "1":
            shutil.rmtree(self.dir, ignore_errors=True)
