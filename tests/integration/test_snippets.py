#!/usr/bin/python3
"""postfix-snippets/ (lookupd part) are valid and work as shipped.

* lookupd-main.cf appended to a private main.cf: `postconf -c DIR -n` prints
  no warning, and lookupd-postconf.sh produces the same settings;
* vmailkit.cf.example (only its /etc/postfix/sql/ and socket paths rewritten
  into temp dirs) starts lookupd without warnings, and a private Postfix
  using lookupd-main.cf verbatim (socket relative to its queue directory)
  accepts a mailbox, an alias-domain address and a catch-all address, and
  refuses an unknown user with 550 5.1.1;
* the whole-stack snippets: stack-postconf.sh (both SASL ways, with and
  without policyd) leaves `postconf -n`, `-M` and `-P` without a warning,
  sets TLS-only AUTH on 587, wrapper mode on 465 and the re-injection port,
  and gives exactly what the plain-text snippets give when appended by hand.
  (test_stack_acceptance.py runs mail through the same configuration.)
Run standalone or under meson.
"""

import os
import re
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import common, pfa  # noqa: E402
from harness.lookupd import Lookupd, require_binary  # noqa: E402
from harness.postfix import Postfix  # noqa: E402
from harness.smtp import RcptProber  # noqa: E402

SNIPPETS = os.path.join(common.REPO_ROOT, "postfix-snippets")
MAIN_SNIPPET = os.path.join(SNIPPETS, "lookupd-main.cf")
POSTCONF_SH = os.path.join(SNIPPETS, "lookupd-postconf.sh")
EXAMPLE = os.path.join(SNIPPETS, "vmailkit.cf.example")
PARAMS = ["virtual_mailbox_domains", "virtual_alias_maps", "virtual_mailbox_maps", "smtpd_sender_login_maps"]


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


class PostconfBase(unittest.TestCase):
    """Private config dirs (the harness's main.cf/master.cf), removed after each test."""

    def setUp(self):
        self.pfs = []

    def tearDown(self):
        for pf in self.pfs:
            pf.cleanup()

    def config_dir(self, extra_text=""):
        pf = Postfix()
        self.pfs.append(pf)
        pf.dir = tempfile.mkdtemp(prefix="vmk-postconf-")
        pf.port = 25
        pf.write_config()
        if extra_text:
            with open(os.path.join(pf.config_dir, "main.cf"), "a") as f:
                f.write(extra_text)
        return pf

    def values(self, pf):
        r = pf.postconf_n("-h", *PARAMS)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.splitlines()


class Postconf(PostconfBase):

    def test_main_cf_snippet_no_warnings(self):
        pf = self.config_dir(read(MAIN_SNIPPET))
        r = pf.postconf_n("-n")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, "", "postconf warnings for lookupd-main.cf")
        for v in self.values(pf):
            self.assertRegex(v, r"^socketmap:unix:private/vmailkit-lookupd:\w+$")

    def test_postconf_script_same_settings(self):
        a = self.config_dir(read(MAIN_SNIPPET))
        b = self.config_dir()
        r = common.run(["sh", POSTCONF_SH, "-c", b.config_dir])
        self.assertEqual((r.returncode, r.stderr), (0, ""), r.stdout)
        self.assertEqual(self.values(b), self.values(a))
        self.assertEqual(b.postconf_n("-n").stderr, "")

    def test_example_names_every_map(self):
        example = read(EXAMPLE)
        defined = set(re.findall(r"^lookupd_map_(\w+)\s*=", example, re.M))
        used = set(re.findall(r"socketmap:unix:private/vmailkit-lookupd:(\w+)", read(MAIN_SNIPPET)))
        self.assertTrue(used)
        self.assertLessEqual(used, defined, "maps used in lookupd-main.cf but not defined in vmailkit.cf.example")


STACK_SH = os.path.join(SNIPPETS, "stack-postconf.sh")
STACK_SERVICES = ("vdelivery", "submission", "submissions", "smtp-amavis", "127.0.0.1:10025")


def postconf_out(pf, *args):
    r = pf.postconf_n(*args)
    return r.returncode, r.stdout + r.stderr


class StackSnippets(PostconfBase):

    def apply(self, pf, **env):
        e = dict(os.environ)
        e.update(env)
        r = common.run(["sh", STACK_SH, "-c", pf.config_dir], env=e)
        self.assertEqual((r.returncode, r.stderr), (0, ""), r.stdout)
        return pf

    def assert_no_warnings(self, pf):
        for opt in ("-n", "-M", "-P"):
            rc, out = postconf_out(pf, opt)
            self.assertEqual(rc, 0, out)
            self.assertNotIn("warning:", out, "postconf %s" % opt)

    def test_no_warnings_every_way(self):
        for env in ({}, {"SASL_WAY": "dovecot"}, {"POLICYD_SERVICE": ""}, {"CHROOT": "n", "CONTENT_FILTER":
                                                                            "smtp-amavis:[127.0.0.1]:10024"}):
            pf = self.apply(self.config_dir(), **env)
            self.assert_no_warnings(pf)
            main = dict(l.split(" = ", 1) for l in pf.postconf_n("-n").stdout.splitlines() if " = " in l)
            self.assertEqual(main["virtual_transport"], "vdelivery")
            self.assertEqual(main["smtpd_tls_auth_only"], "yes")
            self.assertEqual(main["smtpd_sasl_type"], env.get("SASL_WAY", "cyrus"))
            policy = main.get("smtpd_recipient_restrictions", "")
            if env.get("POLICYD_SERVICE") == "":
                self.assertNotIn("check_policy_service", policy)
                self.assertIn("reject_unauth_destination", main["smtpd_relay_restrictions"])
            else:
                self.assertTrue(policy.startswith("check_policy_service unix:private/vmailkit-policyd"), policy)
            self.assertEqual(main.get("content_filter", ""), env.get("CONTENT_FILTER", ""))

    def test_service_settings(self):
        pf = self.apply(self.config_dir(), SUBMISSION="127.0.0.1:2587", SMTPS="127.0.0.1:2465",
                        REINJECT="127.0.0.1:20025", CHROOT="n", VMAILKIT_BIN="/opt/vmk/bin",
                        VMAILKIT_CONFIG="/opt/vmk/etc", VMAIL_USER="nobody")
        params = set(pf.postconf_n("-P").stdout.splitlines())
        for want in ("127.0.0.1:2587/inet/smtpd_tls_security_level = encrypt",
                     "127.0.0.1:2587/inet/smtpd_tls_auth_only = yes",
                     "127.0.0.1:2587/inet/smtpd_sasl_auth_enable = yes",
                     "127.0.0.1:2465/inet/smtpd_tls_wrappermode = yes",
                     "127.0.0.1:20025/inet/content_filter =",
                     "127.0.0.1:20025/inet/receive_override_options = "
                     "no_unknown_recipient_checks,no_header_body_checks,no_milters"):
            self.assertIn(want, params)
        master = pf.postconf_n("-M").stdout
        self.assertRegex(master, r"(?m)^vdelivery +unix +- +n +n +- +- +pipe flags=DRhu user=nobody "
                                 r"argv=/opt/vmk/bin/vdelivery -c /opt/vmk/etc -f \$\{sender\}")
        self.assertRegex(master, r"(?m)^127\.0\.0\.1:2587 +inet +n +- +n ")
        with open(os.path.join(pf.config_dir, "sasl", "smtpd.conf")) as f:
            self.assertIn("pwcheck_method: authdaemond", f.read())

    def test_script_equals_plain_text(self):
        policyd_main = os.path.join(SNIPPETS, "policyd-main.cf")
        have_policyd = os.path.exists(policyd_main)  # else the script adds the policy call by itself
        by_script = self.apply(self.config_dir(), **({} if have_policyd else {"POLICYD_SERVICE": ""}))
        sasl = read(os.path.join(SNIPPETS, "saslcheck-main.cf")).partition("# --- Way 2")[0]
        snippets = [read(MAIN_SNIPPET), read(os.path.join(SNIPPETS, "vdelivery-main.cf")), sasl,
                    read(os.path.join(SNIPPETS, "stack-main.cf"))] + ([read(policyd_main)] if have_policyd else [])
        by_hand = self.config_dir()
        # As an admin would: each snippet's settings replace earlier ones (the base
        # main.cf's, or an earlier snippet's: policyd-main.cf's relay lists).
        path = os.path.join(by_hand.config_dir, "main.cf")
        settings = {}
        for text in [read(path)] + snippets:
            for entry in re.findall(r"(?m)^\w+\s*=.*(?:\n[ \t]+.*)*", text):
                key = entry.split("=")[0].strip()
                settings.pop(key, None)
                settings[key] = entry
        with open(path, "w") as f:
            f.write("\n".join(settings.values()) + "\n")
        with open(os.path.join(by_hand.config_dir, "master.cf"), "a") as f:
            f.write(read(os.path.join(SNIPPETS, "vdelivery-master.cf")) + read(os.path.join(SNIPPETS, "stack-master.cf")))
        self.assert_no_warnings(by_hand)
        for opt in ("-n", "-M", "-P"):
            a = [l for l in by_script.postconf_n(opt).stdout.splitlines() if by_script.dir not in l]
            b = [l for l in by_hand.postconf_n(opt).stdout.splitlines() if by_hand.dir not in l]
            self.assertEqual(a, b, "postconf %s differs between stack-postconf.sh and the text snippets" % opt)
        self.assertTrue(any(l.startswith("submission") for l in by_script.postconf_n("-M").stdout.splitlines()))


class EndToEnd(unittest.TestCase):

    def test_shipped_snippets_serve_postfix(self):
        stack = pf = ld = None
        try:
            stack = pfa.PfaStack().start()
            pf = Postfix(main=dict(re.findall(r"^(\w+)\s*=\s*(.*)$", read(MAIN_SNIPPET), re.M)))
            pf.start()  # creates QUEUE/private, where the relative socket name points
            sock = os.path.join(pf.queue_dir, "private", "vmailkit-lookupd")
            cfg = read(EXAMPLE).replace("/etc/postfix/sql/", stack.dir + "/")
            cfg = cfg.replace("unix:/var/spool/postfix/private/vmailkit-lookupd", "unix:" + sock)
            cfg += "\nmaillog_file = %s\n" % os.path.join(pf.dir, "lookupd.log")
            self.assertNotIn("/etc/postfix", cfg)
            ld = Lookupd(raw_config=cfg, raw_endpoints=["unix:" + sock])
            ld.start()
            with RcptProber(pf.port) as p:
                for to in ["alice@example.com", "alice+x@example.net", "random@other.org"]:
                    self.assertRegex(p.rcpt(to), r"^250 ", to)
                self.assertRegex(p.rcpt("nobody@example.com"), r"^550 5\.1\.1 ")
            self.assertNotRegex(ld.log_text(), r"(?m)(warning|error|fatal):",
                                "lookupd complained about vmailkit.cf.example")
            self.assertIsNone(ld.stop_and_check())
        finally:
            for obj in (ld, pf, stack):
                if obj is not None:
                    obj.cleanup()


if __name__ == "__main__":
    common.preflight([lambda: common.require("postconf", "postfix"),
                      lambda: common.require("mariadbd", "mariadb-server"),
                      require_binary])
    unittest.main(verbosity=2)
