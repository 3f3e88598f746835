#!/usr/bin/python3
"""systemd/ units and postfix-snippets/master-spawn.cf are valid and work.

This machine (and CI) may not run systemd as PID 1, so the units are checked
statically and their sandbox is imitated by hand:
* `systemd-analyze verify` prints nothing for the units meson configured
  (build/systemd/*.service, ExecStart pointed at the built binaries), and
  does print a complaint for a copy with one misspelt key (the check can fail);
* `systemd-analyze security --offline=yes` rates each unit at most 3.0;
* every unit has the settings the design needs (Type=simple, the privilege
  drop in ExecStart, ProtectSystem=strict, ...);
* lookupd, saslcheck and policyd started as the units start them: as root with only
  the unit's CapabilityBoundingSet and no_new_privs (setpriv), listening in a
  postfix-owned 0700 "private" directory: the PID we started keeps running
  (no fork, so Type=simple is right), answers, has dropped to the user with
  no capability left, reloads on SIGHUP (ExecReload) and stops cleanly on
  SIGTERM; without CAP_DAC_OVERRIDE in the set the bind fails (so the set is
  what is needed, not more by accident);
* master-spawn.cf in a private Postfix: spawn(8) starts lookupd -S per
  client (postmap -q through socketmap) and saslcheck -S (authdaemond AUTH).
Run standalone or under meson.
"""

import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import common  # noqa: E402
from harness.postfix import Postfix  # noqa: E402

UNITS = ["vmailkit-lookupd", "vmailkit-saslcheck", "vmailkit-policyd"]
SPAWN_SNIPPET = os.path.join(common.REPO_ROOT, "postfix-snippets", "master-spawn.cf")
DROP_USER = "nobody"  # the units say vmailkit; CI has no such user


def unit_path(name):
    return os.path.join(common.build_dir(), "systemd", name + ".service")


def built(prog):
    p = os.path.join(common.build_dir(), prog, prog)
    return p if os.access(p, os.X_OK) else None


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def parse_unit(path):
    """{section: {key: [values...]}} (systemd keys may repeat)."""
    out, section = {}, None
    for line in read(path).splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            section = out.setdefault(line.strip("[]"), {})
            continue
        k, _, v = line.partition("=")
        section.setdefault(k, []).append(v)
    return out


def runnable_copy(name, dest_dir, text=None):
    """A copy of the configured unit whose ExecStart names the built binary
    (policyd: /bin/true while it is not built yet; said on stderr)."""
    text = text if text is not None else read(unit_path(name))
    prog = name.split("-", 1)[1]
    binary = built(prog)
    if binary is None:
        print("note: %s not built; %s checked with ExecStart=/bin/true" % (prog, name), file=sys.stderr)
        binary = "/bin/true"
    text = re.sub(r"(?m)^ExecStart=\S+", "ExecStart=" + binary, text)
    path = os.path.join(dest_dir, name + ".service")
    with open(path, "w") as f:
        f.write(text)
    return path


class Static(unittest.TestCase):

    def setUp(self):
        self.analyze = common.require("systemd-analyze", "systemd")
        self.dir = tempfile.mkdtemp(prefix="vmk-units-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def verify(self, paths):
        r = common.run([self.analyze, "verify", "--man=no"] + paths, timeout=120)
        return r.returncode, (r.stdout + r.stderr).strip()

    def test_verify_clean(self):
        paths = [runnable_copy(n, self.dir) for n in UNITS]
        rc, out = self.verify(paths)
        self.assertEqual((rc, out), (0, ""), "systemd-analyze verify complained")

    def test_verify_catches_a_typo(self):
        text = read(unit_path(UNITS[0])).replace("\nType=simple\n", "\nTyp=simple\n")
        rc, out = self.verify([runnable_copy(UNITS[0], self.dir, text)])
        self.assertIn("Unknown key", out)

    def test_security_exposure(self):
        for n in UNITS:
            r = common.run([self.analyze, "security", "--offline=yes", runnable_copy(n, self.dir)], timeout=120)
            m = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", r.stdout + r.stderr)
            self.assertIsNotNone(m, r.stdout + r.stderr)
            self.assertLessEqual(float(m.group(1)), 3.0, "%s exposure %s" % (n, m.group(1)))

    def test_design_settings(self):
        for n in UNITS:
            s = parse_unit(unit_path(n))["Service"]
            prog = n.split("-", 1)[1]
            one = {k: v[-1] for k, v in s.items()}
            self.assertEqual(one["Type"], "simple", n)
            self.assertEqual(one["Restart"], "on-failure", n)
            self.assertEqual(one["ExecReload"], "/bin/kill -HUP $MAINPID", n)
            self.assertRegex(one["ExecStart"], r"/%s -c /etc/vmailkit -o %s_user=vmailkit$" % (prog, prog), n)
            for key, want in [("ProtectSystem", "strict"), ("ProtectHome", "yes"), ("PrivateTmp", "yes"),
                              ("NoNewPrivileges", "yes"),
                              ("RestrictAddressFamilies", "AF_UNIX AF_INET AF_INET6")]:
                self.assertEqual(one.get(key), want, "%s %s" % (n, key))
            self.assertEqual(s["SystemCallFilter"][0], "@system-service", n)
            self.assertIn("/var/spool/postfix/private", one["ReadWritePaths"], n)
            self.assertTrue(one.get("RuntimeDirectory"), n)
            self.assertEqual(set(one["CapabilityBoundingSet"].split()),
                             {"CAP_SETUID", "CAP_SETGID", "CAP_CHOWN", "CAP_FOWNER", "CAP_DAC_OVERRIDE"}, n)
            self.assertNotIn("User", one, "%s: the daemon drops privileges itself" % n)


def unit_caps(name):
    caps = parse_unit(unit_path(name))["Service"]["CapabilityBoundingSet"][-1].split()
    return [c[len("CAP_"):].lower() for c in caps]


class Sandboxed(unittest.TestCase):
    """The daemons under the units' capability set, as root, like systemd starts them."""

    def setUp(self):
        self.setpriv = common.require("setpriv", "util-linux")
        self.postmap = common.require("postmap", "postfix")
        self.dir = tempfile.mkdtemp(prefix="vmk-sandbox-")
        os.chmod(self.dir, 0o755)
        self.private = os.path.join(self.dir, "private")  # like /var/spool/postfix/private
        os.mkdir(self.private, 0o700)
        pw = pwd.getpwnam("postfix")
        os.chown(self.private, pw.pw_uid, 0)
        # Reopened on SIGHUP after the drop: the log must belong to the user,
        # as an admin's maillog_file must (syslog, the default, needs nothing).
        self.log = os.path.join(self.dir, "daemon.log")
        open(self.log, "a").close()
        nobody = pwd.getpwnam(DROP_USER)
        os.chown(self.log, nobody.pw_uid, nobody.pw_gid)
        self.proc = None

    def tearDown(self):
        if self.proc:
            if self.proc.poll() is None:
                common.kill_pid(self.proc.pid)
            self.proc.stderr.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def start(self, prog, params, caps):
        binary = built(prog)
        if binary is None:
            raise common.MissingTool("%s not built" % prog)
        with open(os.path.join(self.dir, "vmailkit.cf"), "w") as f:
            f.write("".join("%s = %s\n" % kv for kv in params.items()))
            f.write("maillog_file = %s\n" % self.log)
        bounding = ",".join(["-all"] + ["+" + c for c in caps])
        cmd = [self.setpriv, "--no-new-privs", "--bounding-set", bounding, "--inh-caps=-all",
               binary, "-c", self.dir, "-o", "%s_user=%s" % (prog, DROP_USER)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        return self.proc

    def status(self):
        fields = {}
        for line in read("/proc/%d/status" % self.proc.pid).splitlines():
            k, _, v = line.partition(":")
            fields[k] = v.split()
        return fields

    def check_running_daemon(self, sock):
        common.wait_for(lambda: os.path.exists(sock) or self.proc.poll() is not None, 20, what=sock)
        if self.proc.poll() is not None:
            self.fail("exited %d: %s\n%s" % (self.proc.returncode, self.proc.stderr.read(), common.tail(self.log)))
        common.wait_for(lambda: "daemon started" in common.tail(self.log), 10, what="daemon started")
        nobody = pwd.getpwnam(DROP_USER)
        st = self.status()
        self.assertEqual(st["Uid"], [str(nobody.pw_uid)] * 4)
        self.assertEqual(st["Gid"], [str(nobody.pw_gid)] * 4)
        self.assertEqual(int(st["CapEff"][0], 16), 0)
        self.assertEqual(int(st["CapPrm"][0], 16), 0)
        self.assertEqual(st["NoNewPrivs"], ["1"])

    def check_reload_and_stop(self):
        self.proc.send_signal(signal.SIGHUP)
        common.wait_for(lambda: "reloaded" in common.tail(self.log), 10, what="reload logged")
        self.assertIsNone(self.proc.poll())
        self.proc.send_signal(signal.SIGTERM)
        self.assertEqual(self.proc.wait(timeout=15), 0)
        self.assertNotRegex(read(self.log), r"(?m)(error|fatal|panic):")

    def test_lookupd_under_unit_caps(self):
        sock = os.path.join(self.private, "vmailkit-lookupd")
        self.start("lookupd", {"lookupd_listen": "unix:" + sock,
                               "lookupd_map_virtual_mailbox": "inline:{joe@example.com=example.com/joe/}"},
                   unit_caps("vmailkit-lookupd"))
        self.check_running_daemon(sock)
        pfconf = os.path.join(self.dir, "postfix")  # postmap wants a main.cf
        os.mkdir(pfconf)
        open(os.path.join(pfconf, "main.cf"), "w").close()
        r = common.run([self.postmap, "-c", pfconf, "-q", "joe@example.com", "socketmap:unix:%s:virtual_mailbox" % sock])
        self.assertEqual((r.returncode, r.stdout.strip()), (0, "example.com/joe/"), r.stderr)
        self.check_reload_and_stop()

    def test_saslcheck_under_unit_caps(self):
        sock = os.path.join(self.private, "authdaemon")
        self.start("saslcheck", {"saslcheck_listen": "unix:" + sock, "saslcheck_socket_owner": "postfix",
                                 "saslcheck_socket_mode": "0600", "saslcheck_password_maps": "static:{PLAIN}secret"},
                   unit_caps("vmailkit-saslcheck"))
        self.check_running_daemon(sock)
        self.assertEqual(os.stat(sock).st_uid, pwd.getpwnam("postfix").pw_uid, "saslcheck_socket_owner")
        self.assertEqual(authdaemon_auth(sock, "joe@example.com", "secret")[-2:], b".\n")
        self.assertEqual(authdaemon_auth(sock, "joe@example.com", "wrong"), b"FAIL\n")
        self.check_reload_and_stop()

    def test_policyd_under_unit_caps(self):
        if built("policyd") is None:
            raise common.MissingTool("policyd not built")
        sock = os.path.join(self.private, "vmailkit-policyd")
        self.start("policyd", {"policyd_listen": "unix:" + sock, "policyd_socket_owner": "postfix",
                               "policyd_mynetworks": "127.0.0.0/8",
                               "policyd_local_domains": "inline:{example.com=1}",
                               "policyd_sender_login_maps": "inline:{joe@example.com=joe@example.com}"},
                   unit_caps("vmailkit-policyd"))
        self.check_running_daemon(sock)
        self.assertEqual(os.stat(sock).st_uid, pwd.getpwnam("postfix").pw_uid, "policyd_socket_owner")
        inside = policy_request(sock, "127.0.0.1", "someone@elsewhere.test")
        outside = policy_request(sock, "192.0.2.1", "someone@elsewhere.test")
        self.assertRegex(inside, r"^action=OK\b")
        self.assertRegex(outside, r"^action=554 5\.7\.1 ")
        self.check_reload_and_stop()

    def test_bind_needs_dac_override(self):
        sock = os.path.join(self.private, "vmailkit-lookupd")
        caps = [c for c in unit_caps("vmailkit-lookupd") if c != "dac_override"]
        os.chown(self.log, 0, 0)  # only the bind can fail now
        proc = self.start("lookupd", {"lookupd_listen": "unix:" + sock, "lookupd_map_m": "static:x"}, caps)
        self.assertEqual(proc.wait(timeout=20), 1)
        self.assertRegex(read(self.log), r"fatal: .*%s.*ermission denied" % re.escape(sock))


def authdaemon_auth(path, user, password, service="smtp"):
    """One Courier authdaemond AUTH request; the raw reply."""
    body = ("%s\nlogin\n%s\n%s\n" % (service, user, password)).encode()
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    try:
        s.connect(path)
        s.sendall(b"AUTH %d\n" % len(body) + body)
        out = b""
        while not (out == b"FAIL\n" or out.endswith(b"\n.\n") or out == b".\n"):
            chunk = s.recv(4096)
            if not chunk:
                break
            out += chunk
        return out
    finally:
        s.close()


def policy_request(path, client, recipient):
    """One Postfix policy delegation request (RCPT stage); the action line."""
    req = ("request=smtpd_access_policy\nprotocol_state=RCPT\nprotocol_name=ESMTP\n"
           "client_address=%s\nclient_name=unknown\nhelo_name=client.test\n"
           "sender=a@client.test\nrecipient=%s\nsasl_username=\n\n" % (client, recipient))
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    try:
        s.connect(path)
        s.sendall(req.encode())
        out = b""
        while not out.endswith(b"\n\n"):
            chunk = s.recv(4096)
            if not chunk:
                break
            out += chunk
        return out.decode().strip()
    finally:
        s.close()


class Spawn(unittest.TestCase):
    """master-spawn.cf entries in a private Postfix: master(8) starts the daemons."""

    def test_spawned_lookupd_and_saslcheck(self):
        for prog in ("lookupd", "saslcheck"):
            if not built(prog):
                raise common.MissingTool("%s not built" % prog)
        etc = tempfile.mkdtemp(prefix="vmk-spawn-etc-")
        os.chmod(etc, 0o755)
        pf = None
        try:
            log = os.path.join(etc, "daemons.log")
            with open(os.path.join(etc, "vmailkit.cf"), "w") as f:
                f.write("lookupd_map_virtual_mailbox = inline:{joe@example.com=example.com/joe/}\n"
                        "saslcheck_password_maps = static:{PLAIN}secret\n"
                        "maillog_file = %s\n" % log)
            os.chmod(os.path.join(etc, "vmailkit.cf"), 0o644)
            open(log, "a").close()
            nobody = pwd.getpwnam(DROP_USER)
            os.chown(log, nobody.pw_uid, nobody.pw_gid)
            entries = read(SPAWN_SNIPPET)
            entries = entries.replace("user=vmailkit", "user=" + DROP_USER)
            for prog in ("lookupd", "saslcheck"):
                entries = entries.replace("argv=/usr/local/bin/%s -S -c /etc/vmailkit" % prog,
                                          "argv=%s -S -c %s" % (built(prog), etc))
            self.assertNotIn("/etc/vmailkit", re.sub(r"(?m)^#.*\n", "", entries))
            pf = Postfix(main={"vmailkit-lookupd_time_limit": "86400s",
                               "vmailkit-authdaemon_time_limit": "3600s"}, master_extra=entries)
            pf.start()
            r = pf.postconf_n("-n")
            self.assertNotIn("warning", r.stdout + r.stderr)
            sock = os.path.join(pf.queue_dir, "private", "vmailkit-lookupd")
            common.wait_for(lambda: os.path.exists(sock), 20, what=sock)
            for key, want in [("joe@example.com", (0, "example.com/joe/")), ("ann@example.com", (1, ""))]:
                r = pf.postmap_q(key, "socketmap:unix:%s:virtual_mailbox" % sock)
                self.assertEqual((r.returncode, r.stdout.strip()), want, r.stderr + common.tail(log))
            auth = os.path.join(pf.queue_dir, "private", "vmailkit-authdaemon")
            self.assertTrue(authdaemon_auth(auth, "joe@example.com", "secret").endswith(b".\n"), common.tail(log))
            self.assertEqual(authdaemon_auth(auth, "joe@example.com", "wrong"), b"FAIL\n")
            text = read(log)
            self.assertRegex(text, r"lookupd\[\d+\]")
            self.assertRegex(text, r"saslcheck\[\d+\]")
            self.assertNotRegex(text, r"(?m)(error|fatal|panic):")
            self.assertNotRegex(pf.log_text(), r"(?m)(warning|fatal).*(spawn|vmailkit)")
        finally:
            if pf is not None:
                pf.cleanup()
            shutil.rmtree(etc, ignore_errors=True)


if __name__ == "__main__":
    common.preflight([lambda: common.require("systemd-analyze", "systemd"),
                      lambda: common.require("setpriv", "util-linux"),
                      lambda: common.require("postfix", "postfix")])
    unittest.main(verbosity=2)
