"""SMTP clients for integration tests: swaks, and a raw RCPT prober (stdlib only).

What: swaks_rcpt() runs `swaks --quit-after RCPT` (or a full send) and
returns the server's reply to RCPT TO; RcptProber keeps one SMTP session
open and returns the reply line for each RCPT TO exactly as sent (no
quoting or rewriting of the address), with RSET between probes.
Ownership: RcptProber owns its socket (close() or use as a context manager).
Errors: OSError on connection failure; RuntimeError on an unexpected reply
to EHLO/MAIL. Not thread-safe.
"""

import re
import socket

from . import common


def swaks(port, to, sender="sender@client.test", quit_after="RCPT", server="127.0.0.1",
          local_interface=None, extra=(), timeout=120):
    """Run swaks; return (exit status, transcript)."""
    exe = common.require("swaks", "swaks")
    cmd = [exe, "--server", "%s:%d" % (server, port), "--to", to, "--from", sender,
           "--helo", "client.test", "--timeout", "60"]
    if quit_after:
        cmd += ["--quit-after", quit_after]
    if local_interface:
        cmd += ["--local-interface", local_interface]
    r = common.run(cmd + list(extra), timeout=timeout)
    return r.returncode, r.stdout + r.stderr


def rcpt_reply(transcript):
    """The (first) server reply line after 'RCPT TO' in a swaks transcript, e.g. '550 5.1.1 <x>: ...'."""
    lines = transcript.splitlines()
    for i, line in enumerate(lines):
        if re.match(r"^ -> RCPT TO:", line):
            for reply in lines[i + 1:]:
                m = re.match(r"^<[-*~]+\s+(\d{3}[ -].*)$", reply)
                if m:
                    return m.group(1)
    return None


class RcptProber:
    """One SMTP session that answers 'what does RCPT TO:<addr> get?'."""

    def __init__(self, port, host="127.0.0.1", sender="sender@client.test", utf8=False, timeout=120):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buf = b""
        self.sender = sender
        self.utf8 = utf8
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
        """A whole (multi-line) reply; returns its last line."""
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

    def rcpt(self, address):
        """Reply line to RCPT TO:<ADDRESS> in a fresh transaction."""
        self.cmd("MAIL FROM:<%s>%s" % (self.sender, " SMTPUTF8" if self.utf8 else ""), "250")
        r = self.cmd("RCPT TO:<%s>" % address)
        self.cmd("RSET", "250")
        return r

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
