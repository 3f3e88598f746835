#!/usr/bin/python3
"""Postfix SMTP AUTH on saslcheck, end to end, both ways:
  * smtpd_sasl_type = cyrus: Cyrus SASL's `smtpd.conf` with
    pwcheck_method: authdaemond pointing at saslcheck's authdaemond socket;
  * smtpd_sasl_type = dovecot: saslcheck's Dovecot auth socket, including
    CRAM-MD5 for a cleartext password.
Each private Postfix has STARTTLS on its submission port and TLS wrapper mode
on its smtps port (throwaway certificate made here; AUTH only over TLS).
swaks: right password 235, wrong 535, unknown user 535, database down 454.
Run standalone or under meson.
"""

import os
import re
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import common, saslcheck_db  # noqa: E402
from harness.postfix import Postfix  # noqa: E402
from harness.saslcheck import Saslcheck  # noqa: E402

DB = SC = TMP = CYRUS = DOVECOT = None


class SaslPostfix(Postfix):
    """Postfix with submission (STARTTLS) and smtps (wrapper) ports, tlsmgr and,
    for Cyrus, CONFIG_DIR/sasl/smtpd.conf (Debian's Postfix reads it there)."""

    def __init__(self, main, smtpd_conf=None):
        super().__init__(main=main)
        self.smtpd_conf = smtpd_conf
        self.submission = common.free_port()
        self.smtps = common.free_port()

    def write_config(self):
        super().write_config()
        with open(os.path.join(self.config_dir, "master.cf"), "a") as f:
            f.write("127.0.0.1:%d inet n - n - - smtpd -o syslog_name=postfix/submission "
                    "-o smtpd_tls_security_level=encrypt\n" % self.submission)
            f.write("127.0.0.1:%d inet n - n - - smtpd -o syslog_name=postfix/smtps "
                    "-o smtpd_tls_wrappermode=yes\n" % self.smtps)
            f.write("tlsmgr unix - - n 1000? 1 tlsmgr\n")
        if self.smtpd_conf is not None:
            os.makedirs(os.path.join(self.config_dir, "sasl"), exist_ok=True)
            with open(os.path.join(self.config_dir, "sasl", "smtpd.conf"), "w") as f:
                f.write(self.smtpd_conf)


def make_cert(directory):
    key, cert = os.path.join(directory, "key.pem"), os.path.join(directory, "cert.pem")
    r = common.run([common.require("openssl", "openssl"), "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                    "-subj", "/CN=mx.vmailkit.test", "-days", "1", "-keyout", key, "-out", cert], timeout=60)
    if r.returncode != 0:
        raise RuntimeError("openssl req failed: %s" % (r.stdout + r.stderr))
    return key, cert


def setUpModule():
    global DB, SC, TMP, CYRUS, DOVECOT
    try:
        DB = saslcheck_db.start_db()
        TMP = tempfile.mkdtemp(prefix="vmk-saslcheck-pf-")
        os.chmod(TMP, 0o755)
        SC = Saslcheck(params={"saslcheck_password_maps": saslcheck_db.write_cf(DB, TMP), "saslcheck_cache_ttl": "0",
                               "saslcheck_dovecot_cram_md5": "yes", "saslcheck_failure_threshold": "0"},
                       dovecot=True)
        SC.start()
        key, cert = make_cert(TMP)
        tls = {"smtpd_tls_cert_file": cert, "smtpd_tls_key_file": key, "smtpd_tls_security_level": "may",
               "smtpd_tls_auth_only": "yes", "smtpd_sasl_auth_enable": "yes",
               "smtpd_relay_restrictions": "permit_sasl_authenticated, reject_unauth_destination"}
        # Snippet postfix-snippets/saslcheck-smtpd.conf with the socket path of this test.
        with open(os.path.join(common.REPO_ROOT, "postfix-snippets", "saslcheck-smtpd.conf")) as f:
            conf = re.sub(r"(?m)^authdaemond_path:.*$", "authdaemond_path: " + SC.socket, f.read())
        CYRUS = SaslPostfix(dict(tls, smtpd_sasl_type="cyrus", smtpd_sasl_path="smtpd"), smtpd_conf=conf)
        CYRUS.start()
        DOVECOT = SaslPostfix(dict(tls, smtpd_sasl_type="dovecot", smtpd_sasl_path=SC.dovecot_socket))
        DOVECOT.start()
    except BaseException:
        tearDownModule()
        raise


def tearDownModule():
    for x in (CYRUS, DOVECOT):
        if x is not None:
            x.cleanup()
    problem = SC.cleanup() if SC is not None else None
    if DB is not None:
        DB.cleanup()
    if problem:
        raise RuntimeError(problem)


def auth(pf, mech, user, password, smtps=False):
    """swaks AUTH over STARTTLS (submission) or TLS wrapper (smtps); the reply to AUTH."""
    exe = common.require("swaks", "swaks")
    port = pf.smtps if smtps else pf.submission
    cmd = [exe, "--server", "127.0.0.1:%d" % port, "--quit-after", "AUTH", "--timeout", "30",
           "--auth", mech, "--auth-user", user, "--auth-password", password,
           "--tls-on-connect" if smtps else "--tls"]
    r = common.run(cmd, timeout=90)
    out = r.stdout + r.stderr
    out = out if isinstance(out, str) else out.decode(errors="replace")
    codes = re.findall(r"(?m)^<[~*]* +(235|535|454)[ -]", out)
    return codes[-1] if codes else out


class Cyrus(unittest.TestCase):
    def test_plain_and_login(self):
        for smtps in (False, True):
            for mech in ("PLAIN", "LOGIN"):
                what = "%s %s" % (mech, "smtps" if smtps else "submission")
                self.assertEqual(auth(CYRUS, mech, "joe@example.com", "password", smtps), "235", what)
                self.assertEqual(auth(CYRUS, mech, "joe@example.com", "wrong", smtps), "535", what)
                self.assertEqual(auth(CYRUS, mech, "nobody@example.com", "password", smtps), "535", what)
        self.assertEqual(auth(CYRUS, "PLAIN", "sha@example.com", "password"), "235")
        self.assertEqual(auth(CYRUS, "LOGIN", "off@example.com", "password"), "535")  # inactive mailbox


class Dovecot(unittest.TestCase):
    def test_plain_login_cram(self):
        for smtps in (False, True):
            for mech in ("PLAIN", "LOGIN"):
                what = "%s %s" % (mech, "smtps" if smtps else "submission")
                self.assertEqual(auth(DOVECOT, mech, "blf@example.com", "password", smtps), "235", what)
                self.assertEqual(auth(DOVECOT, mech, "blf@example.com", "wrong", smtps), "535", what)
                self.assertEqual(auth(DOVECOT, mech, "nobody@example.com", "password", smtps), "535", what)
        self.assertEqual(auth(DOVECOT, "CRAM-MD5", "ann@example.com", "tanstaaftanstaaf"), "235")
        self.assertEqual(auth(DOVECOT, "CRAM-MD5", "ann@example.com", "wrong"), "535")
        self.assertEqual(auth(DOVECOT, "CRAM-MD5", "joe@example.com", "password"), "535")  # md5crypt: no CRAM


class Snippets(unittest.TestCase):
    def test_main_cf_snippet_parses(self):
        """saslcheck-main.cf appended to a main.cf: postconf warns about nothing, both ways."""
        with open(os.path.join(common.REPO_ROOT, "postfix-snippets", "saslcheck-main.cf")) as f:
            snippet = f.read()
        cyrus_way, marker, rest = snippet.partition("# --- Way 2")
        rest = marker + rest
        dovecot_way = re.sub(r"(?m)^#(smtpd_\w+ = )", r"\1", rest)
        for text in (cyrus_way, dovecot_way):
            d = tempfile.mkdtemp(prefix="vmk-saslcheck-snip-", dir=TMP)
            shutil.copy(os.path.join(CYRUS.config_dir, "master.cf"), d)
            with open(os.path.join(d, "main.cf"), "w") as f:
                f.write("compatibility_level = 3.6\n" + text)
            r = common.run([common.require("postconf", "postfix"), "-c", d, "-n"])
            out = (r.stdout + r.stderr) if isinstance(r.stdout, str) else (r.stdout + r.stderr).decode()
            self.assertEqual(r.returncode, 0, out)
            self.assertNotIn("warning", out)
        self.assertIn("smtpd_sasl_type = dovecot", dovecot_way)


class DatabaseDown(unittest.TestCase):
    def test_454_both_ways(self):
        DB.stop()
        try:
            self.assertEqual(auth(CYRUS, "PLAIN", "joe@example.com", "password"), "454")
            self.assertEqual(auth(DOVECOT, "PLAIN", "joe@example.com", "password"), "454")
            self.assertEqual(auth(DOVECOT, "LOGIN", "joe@example.com", "wrong", smtps=True), "454")
        finally:
            DB.start()
        common.wait_for(lambda: auth(DOVECOT, "PLAIN", "joe@example.com", "password") == "235", 60,
                        what="235 again after MariaDB restart")
        self.assertEqual(auth(CYRUS, "PLAIN", "joe@example.com", "password"), "235")


if __name__ == "__main__":
    try:
        unittest.main(verbosity=2)
    except common.MissingTool as e:
        print("MISSING:", e)
        sys.exit(77 if os.environ.get("VMAILKIT_ALLOW_SKIP") == "1" else 1)
