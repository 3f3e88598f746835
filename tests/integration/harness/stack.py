"""The whole vmailkit stack on one private Postfix (Python 3 stdlib only).

Usage:
    st = Stack()                 # options: fixtures, vdelivery/saslcheck/main overrides, dovecot_imap
    st.start()
    st.pf.port / st.pf.submission / st.pf.smtps / st.pf.reinject   # 25 / 587 / 465 / 10025 stand-ins
    st.send(to, auth=("joe@example.com", "pw"), port=st.pf.submission, tls="starttls")
    st.wait_delivered(qid, rcpt)   # ("sent", text, log line)
    st.store.messages("example.com/joe")   # the Maildir files
    st.sink.messages()            # what was relayed "to the Internet"
    st.stop(); st.cleanup()       # or st.detach(STATE) to leave it running (demo --keep);
                                  # stack_keep.stop_detached(STATE) stops it later

What runs: a private MariaDB with the Postfix Admin 3.3 schema (pfa.PfaStack,
the test fixture or none), lookupd from postfix-snippets/vmailkit.cf.example
on a socket inside the Postfix queue directory, saslcheck (Cyrus authdaemond
protocol; the Dovecot way with sasl_way="dovecot"), vdelivery through the
pipe transport, policyd when build/policyd/policyd exists, smtp-sink as the
outside world (relayhost), and a private Postfix whose main.cf/master.cf
come from postfix-snippets/stack-postconf.sh run against it: the snippets
are what is tested. Optionally a private Dovecot serving the same Maildirs
over IMAP.
Ownership: Stack owns every process and temp dir it starts; stop() ends
them by PID, cleanup() also removes the dirs. Not thread-safe.
Errors: MissingTool (a binary is missing), RuntimeError (a server did not start).
"""

import os
import re
import shutil
import tempfile

from . import common, pfa, saslcheck_db
from . import dovecot as dovecot_mod
from .lookupd import Lookupd
from .postfix import Postfix
from .saslcheck import Saslcheck
from .sink import Sink
from .smtp import swaks
from .vdelivery import Mailstore

SNIPPETS = os.path.join(common.REPO_ROOT, "postfix-snippets")
STACK_POSTCONF = os.path.join(SNIPPETS, "stack-postconf.sh")
OVERQUOTA_MESSAGE = "Sorry, the user's maildir has overdrawn his diskspace quota, please try again later."

# vdelivery's Postfix Admin maps (postfix-snippets/vdelivery-vmailkit.cf.example),
# also through alias domains.
VDELIVERY_QUERIES = {
    "vdelivery-mailbox.cf": "SELECT maildir FROM mailbox WHERE username='%s' AND active = '1'",
    "vdelivery-alias-domain-mailbox.cf": (
        "SELECT mailbox.maildir FROM mailbox,alias_domain WHERE alias_domain.alias_domain = '%d' AND "
        "mailbox.username = CONCAT('%u', '@', alias_domain.target_domain) AND mailbox.active = '1' "
        "AND alias_domain.active = '1'"),
    "vdelivery-quota.cf": "SELECT quota FROM mailbox WHERE username='%s' AND active = '1'",
    "vdelivery-alias-domain-quota.cf": (
        "SELECT mailbox.quota FROM mailbox,alias_domain WHERE alias_domain.alias_domain = '%d' AND "
        "mailbox.username = CONCAT('%u', '@', alias_domain.target_domain) AND mailbox.active = '1' "
        "AND alias_domain.active = '1'"),
}


def policyd_binary():
    return os.environ.get("VMAILKIT_POLICYD") or os.path.join(common.build_dir(), "policyd", "policyd")


def policyd_built():
    p = policyd_binary()
    return os.path.isfile(p) and os.access(p, os.X_OK)


class StackPostfix(Postfix):
    """A private Postfix configured by postfix-snippets/stack-postconf.sh, with
    submission, submissions and re-injection services on free loopback ports."""

    def __init__(self, postconf_env, main, tmp_root=None):
        super().__init__(main=main, tmp_root=tmp_root,
                         master_extra="tlsmgr    unix  -       -       n       1000?   1       tlsmgr\n")
        self.submission = common.free_port()
        self.smtps = common.free_port()
        self.reinject = common.free_port()
        self.postconf_env = dict(postconf_env)
        self.postconf_output = ""

    def write_config(self):
        super().write_config()
        env = dict(os.environ)
        env.update(self.postconf_env)
        env.update(SUBMISSION="127.0.0.1:%d" % self.submission, SMTPS="127.0.0.1:%d" % self.smtps,
                   REINJECT="127.0.0.1:%d" % self.reinject, CHROOT="n")
        r = common.run(["sh", STACK_POSTCONF, "-c", self.config_dir], env=env, timeout=120)
        self.postconf_output = r.stdout + r.stderr
        if r.returncode != 0 or r.stderr:
            raise RuntimeError("stack-postconf.sh failed (%d):\n%s" % (r.returncode, self.postconf_output))

    def flush(self):
        """Ask the queue manager to retry deferred mail now: postqueue -f (run as
        root it accepts a private config dir), else `postfix flush`, the same."""
        r = common.run([common.require("postqueue", "postfix"), "-c", self.config_dir, "-f"])
        return r if r.returncode == 0 else self.command("flush", allow_fail=False)

    def postsuper(self, *args):
        return common.run([common.require("postsuper", "postfix"), "-c", self.config_dir] + list(args))


class Stack:
    def __init__(self, tmp_root=None, fixtures=(pfa.FIXTURE,), sasl_way="cyrus", vdelivery_params=None,
                 saslcheck_params=None, main=None, policyd=True, dovecot_users=None, seed=None):
        self.tmp_root = tmp_root
        self.fixtures = fixtures
        self.sasl_way = sasl_way
        self.vdelivery_params = dict(vdelivery_params or {})
        self.saslcheck_params = dict(saslcheck_params or {})
        self.main = dict(main or {})
        self.want_policyd = policyd and policyd_built()
        self.dovecot_users = dovecot_users  # {login: password}: start a Dovecot with IMAP
        self.seed = seed  # seed(db): insert rows right after the database starts
        self.dir = None
        self.pfa = self.store = self.sink = self.pf = self.lookupd = self.saslcheck = None
        self.policyd = self.dovecot = None

    @property
    def db(self):
        return self.pfa.db

    # -- lifecycle -----------------------------------------------------------
    def start(self):
        try:
            self._start()
        except BaseException:
            self.cleanup()
            raise
        return self

    def _start(self):
        self.dir = tempfile.mkdtemp(prefix="vmk-stack-", dir=self.tmp_root)
        os.chmod(self.dir, 0o755)
        self.pfa = pfa.PfaStack(tmp_root=self.tmp_root, fixtures=self.fixtures).start()
        if self.seed:
            self.seed(self.db)
        cf = {}
        for name, query in VDELIVERY_QUERIES.items():
            path = os.path.join(self.pfa.dir, name)
            with open(path, "w") as f:
                f.write(self.db.cf_text() + "query = " + query + "\n")
            os.chmod(path, 0o644)
            cf[name] = "mysql:" + path
        vparams = {"mailbox_maps": "%s, %s" % (cf["vdelivery-mailbox.cf"], cf["vdelivery-alias-domain-mailbox.cf"]),
                   "quota_maps": "%s, %s" % (cf["vdelivery-quota.cf"], cf["vdelivery-alias-domain-quota.cf"]),
                   "default_quota": "0", "recipient_delimiter": "+",
                   "vdelivery_overquota_message": OVERQUOTA_MESSAGE}
        vparams.update(self.vdelivery_params)
        self.store = Mailstore(vparams, tmp_root=self.tmp_root)
        self.sink = Sink(tmp_root=self.tmp_root).start()
        key, cert = common.make_cert(self.dir)

        sparams = {"saslcheck_password_maps": saslcheck_db.write_cf(self.db, self.pfa.dir),
                   "saslcheck_user": "nobody", "saslcheck_home": self.store.base}
        sparams.update(self.saslcheck_params)
        self.saslcheck = Saslcheck(params=sparams, dovecot=(self.sasl_way == "dovecot"), tmp_root=self.tmp_root)
        self.saslcheck.start()

        env = {"VMAILKIT_BIN": self._bin_dir_for(self.store.uid), "VMAILKIT_CONFIG": self.store.config_dir,
               "VMAIL_USER": "nobody", "SASL_WAY": self.sasl_way, "TLS_CERT": cert, "TLS_KEY": key,
               "AUTHDAEMOND_PATH": self.saslcheck.socket,
               "POLICYD_SERVICE": "unix:private/vmailkit-policyd" if self.want_policyd else ""}
        if self.sasl_way == "dovecot":
            env["DOVECOT_AUTH"] = self.saslcheck.dovecot_socket
        main = {"default_transport": "smtp", "relay_transport": "relay",
                "smtp_dns_support_level": "disabled",
                "header_checks": "regexp:" + self._write("header_checks", "/^Subject: .*\\[hold\\]/ HOLD\n"),
                "queue_run_delay": "10s", "minimal_backoff_time": "10s", "maximal_backoff_time": "20s"}
        main.update(self.main)
        self.pf = StackPostfix(env, main, tmp_root=self.tmp_root)
        self.pf.extra["relayhost"] = "[127.0.0.1]:%d" % self.sink.port
        self.pf.start()  # creates QUEUE/private, where the daemons' sockets go

        sock = os.path.join(self.pf.queue_dir, "private", "vmailkit-lookupd")
        with open(os.path.join(SNIPPETS, "vmailkit.cf.example")) as f:
            cfg = f.read().replace("/etc/postfix/sql/", self.pfa.dir + "/")
        cfg = cfg.replace("unix:/var/spool/postfix/private/vmailkit-lookupd", "unix:" + sock)
        self.lookupd = Lookupd(raw_config=cfg, raw_endpoints=["unix:" + sock], tmp_root=self.tmp_root)
        self.lookupd.dir = tempfile.mkdtemp(prefix="vmk-lookupd-", dir=self.tmp_root)
        os.chmod(self.lookupd.dir, 0o755)
        self.lookupd.raw_config += "\nmaillog_file = %s\n" % self.lookupd.logfile
        self.lookupd.start()

        if self.want_policyd:
            self.policyd = self._policyd(cf)
            self.policyd.start()
        if self.dovecot_users:
            users = {}
            for login, password in self.dovecot_users.items():
                row = self.db.sql("SELECT maildir, quota FROM mailbox WHERE username = %s"
                                  % pfa.sql_string(login)).split("\t")
                rule = "*:storage=%dB" % int(row[1]) if int(row[1]) > 0 else "*:storage=0"
                users[login] = (self.store.maildir(row[0].rstrip("/")), rule, password)
            self.dovecot = dovecot_mod.Dovecot(users, self.store.uid, self.store.gid, imap_port=common.free_port())
            self.dovecot.start()

    def _bin_dir_for(self, uid):
        """A directory whose vdelivery UID can run: the build dir, or (a clone
        under /root or a 0700 home) a copy of the binary in the stack's dir."""
        path = os.path.dirname(self.store.bin)
        d = path
        while d != "/":
            st = os.stat(d)
            if not (st.st_mode & 0o001 or (st.st_uid == uid and st.st_mode & 0o100)):
                copy = os.path.join(self.dir, "bin")
                os.makedirs(copy, mode=0o755, exist_ok=True)
                shutil.copy2(self.store.bin, os.path.join(copy, "vdelivery"))
                os.chmod(os.path.join(copy, "vdelivery"), 0o755)
                return copy
            d = os.path.dirname(d)
        return path

    def _write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, 0o644)
        return path

    def _policyd(self, cf):
        """policyd (contract: policyd_listen, policyd_mynetworks, policyd_local_domains,
        policyd_sender_login_maps, plus vdelivery's mailbox_base/mailbox_maps/quota_maps)."""
        pdir = os.path.join(self.dir, "policyd")
        os.makedirs(pdir, exist_ok=True)
        sock = os.path.join(self.pf.queue_dir, "private", "vmailkit-policyd")
        params = {
            "policyd_listen": "unix:" + sock,
            "policyd_mynetworks": self.pf.main_cf()["mynetworks"],
            "policyd_local_domains": self.pfa.mysql("domains"),
            "policyd_sender_login_maps": self.pfa.mysql("sender_login"),
            "recipient_delimiter": "+",
            "maillog_file": "/dev/stderr",
            "policyd_user": "nobody",
        }
        with open(policyd_binary(), "rb") as f:
            knows_quota = b"quota_maps" in f.read()  # the RCPT-time quota check's parameters
        if knows_quota:
            params.update(mailbox_base=self.store.base, default_quota="0")
            for k in ("mailbox_maps", "quota_maps"):
                params[k] = self._store_param(k)
        with open(os.path.join(pdir, "vmailkit.cf"), "w") as f:
            f.write("".join("%s = %s\n" % kv for kv in params.items()))
        return common.Process([policyd_binary(), "-c", pdir], os.path.join(pdir, "policyd.out"),
                              ready=lambda: common.can_connect("unix:" + sock), name="policyd")

    def _store_param(self, name):
        with open(os.path.join(self.store.config_dir, "vmailkit.cf")) as f:
            m = re.search(r"(?m)^%s = (.*)$" % name, f.read())
        return m.group(1) if m else ""

    def daemons(self):
        """The stack's own daemons: {name: object with stop() and start()}."""
        d = {"lookupd": self.lookupd, "saslcheck": self.saslcheck}
        if self.policyd:
            d["policyd"] = self.policyd
        return d

    def stop(self):
        for obj in (self.dovecot, self.pf, self.policyd, self.lookupd, self.saslcheck, self.sink):
            if obj is not None:
                obj.stop()
        if self.pfa is not None:
            self.pfa.db.stop()

    def cleanup(self):
        """Stop everything and remove the temp dirs; lookupd/saslcheck shutdown problems are returned."""
        problems = []
        if self.dovecot:
            self.dovecot.cleanup()
        if self.pf:
            self.pf.cleanup()
        if self.policyd:
            p = common.exit_problem("policyd", self.policyd.stop(), common.tail(self.policyd.logfile, 100000))
            if p:
                problems.append(p)
        if self.lookupd:
            self.lookupd.stop()
            p = self.lookupd.exit_problem()
            if p:
                problems.append(p)
            self.lookupd.cleanup()
        if self.saslcheck:
            p = self.saslcheck.cleanup()
            if p:
                problems.append(p)
        for obj in (self.sink, self.store, self.pfa):
            if obj is not None:
                obj.cleanup()
        if self.dir and os.environ.get("VMAILKIT_KEEP_TMP") != "1":
            shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None
        return problems

    def detach(self, state_file):
        """Leave everything running after this process exits (stack_keep.detach)."""
        from . import stack_keep
        return stack_keep.detach(self, state_file)

    # -- mail ------------------------------------------------------------------
    def send(self, to, sender="sender@client.test", port=None, auth=None, tls=None, subject="test",
             body="hello\n", local_interface=None, mech="PLAIN", extra=()):
        """swaks a whole message; (exit status, transcript, queue id or None).
        TLS: None, "starttls" or "wrapper"; AUTH: (user, password)."""
        args = ["--header", "Subject: " + subject, "--body", body]
        if tls == "starttls":
            args.append("--tls")
        elif tls == "wrapper":
            args.append("--tls-on-connect")
        if auth:
            args += ["--auth", mech, "--auth-user", auth[0], "--auth-password", auth[1]]
        rc, out = swaks(port or self.pf.port, to, sender=sender, quit_after=None, local_interface=local_interface,
                        extra=args + list(extra))
        m = re.search(r"<[-~*]* +250 2\.0\.0 Ok: queued as (\w+)", out)
        return rc, out, (m.group(1) if m else None)

    def wait_status(self, qid, rcpt, since=0, timeout=60, status=r"\w+"):
        """The queue's verdict for QID to RCPT: (status, text, line)."""
        m = self.pf.wait_log(r"%s: to=<%s>.*status=(%s) \((.*)\)" % (qid, re.escape(rcpt), status),
                             timeout=timeout, since=since)
        return m.group(1), m.group(2), m.group(0)

    def log_lines(self, qid):
        """The Postfix log lines of one queue id."""
        return [l for l in self.pf.log_text().splitlines() if qid and qid + ":" in l]
