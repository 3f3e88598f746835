#!/usr/bin/python3
"""postfix-snippets/ (lookupd part) are valid and work as shipped.

* lookupd-main.cf appended to a private main.cf: `postconf -c DIR -n` prints
  no warning, and lookupd-postconf.sh produces the same settings;
* vmailkit.cf.example (only its /etc/postfix/sql/ and socket paths rewritten
  into temp dirs) starts lookupd without warnings, and a private Postfix
  using lookupd-main.cf verbatim (socket relative to its queue directory)
  accepts a mailbox, an alias-domain address and a catch-all address, and
  refuses an unknown user with 550 5.1.1.
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


class Postconf(unittest.TestCase):

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
