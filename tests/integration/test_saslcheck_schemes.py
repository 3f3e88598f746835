#!/usr/bin/python3
"""saslcheck's password schemes against independent tools, both ways, with
fresh random salts (the unit tests hold fixed vectors):
  * values made by `doveadm pw -s SCHEME` and `openssl passwd -1/-5/-6` are
    accepted by `saslcheck -t` (right password) and refused (wrong one);
  * values made by `saslcheck -H SCHEME` pass `doveadm pw -t`.
Run standalone or under meson.
"""

import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import common  # noqa: E402
from harness.saslcheck import binary_path  # noqa: E402

DOVEADM_SCHEMES = ["MD5-CRYPT", "SHA256-CRYPT", "SHA512-CRYPT", "BLF-CRYPT", "CRYPT", "SSHA512", "SSHA256",
                   "SSHA", "SMD5", "SHA512", "SHA256", "SHA", "PLAIN-MD5", "LDAP-MD5", "PLAIN", "CLEAR",
                   "PLAIN.B64"]
PASSWORD = "c0rrect h\u00f6rse"


def run(cmd, stdin=None):
    r = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=60)
    return r.returncode, r.stdout.strip() + r.stderr.strip()


class Schemes(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.doveadm = common.require("doveadm", "dovecot-core")
        cls.openssl = common.require("openssl", "openssl")
        cls.binary = binary_path()
        cls.dir = tempfile.mkdtemp(prefix="vmk-saslcheck-schemes-")

    def check_stored(self, stored):
        """saslcheck -t with a texthash table holding STORED for u@example.com."""
        with open(os.path.join(self.dir, "pw"), "w") as f:
            f.write("u@example.com %s\n" % stored)
        with open(os.path.join(self.dir, "vmailkit.cf"), "w") as f:
            f.write("saslcheck_password_maps = texthash:%s/pw\nmaillog_file = %s/log\n" % (self.dir, self.dir))
        good = run([self.binary, "-c", self.dir, "-t", "u@example.com"], PASSWORD + "\n")
        bad = run([self.binary, "-c", self.dir, "-t", "u@example.com"], PASSWORD + "!\n")
        return good[0], bad[0]

    def test_doveadm_values_verify(self):
        for scheme in DOVEADM_SCHEMES:
            rc, stored = run([self.doveadm, "pw", "-s", scheme, "-p", PASSWORD])
            self.assertEqual(rc, 0, "%s: %s" % (scheme, stored))
            self.assertEqual(self.check_stored(stored), (0, 1), "%s: %s" % (scheme, stored))

    def test_openssl_values_verify(self):
        for flag in ("-1", "-5", "-6"):
            rc, stored = run([self.openssl, "passwd", flag, "-stdin"], PASSWORD + "\n")
            self.assertEqual(rc, 0, stored)
            self.assertEqual(self.check_stored(stored), (0, 1), stored)

    def test_saslcheck_values_pass_doveadm(self):
        for scheme in DOVEADM_SCHEMES:
            rc, stored = run([self.binary, "-H", scheme], PASSWORD + "\n")
            self.assertEqual(rc, 0, stored)
            rc, out = run([self.doveadm, "pw", "-t", stored, "-p", PASSWORD])
            self.assertEqual(rc, 0, "%s: %s -> %s" % (scheme, stored, out))
            rc, out = run([self.doveadm, "pw", "-t", stored, "-p", PASSWORD + "!"])
            self.assertNotEqual(rc, 0, "%s: wrong password verified by doveadm" % scheme)


if __name__ == "__main__":
    try:
        unittest.main(verbosity=2)
    except common.MissingTool as e:
        print("MISSING:", e)
        sys.exit(77 if os.environ.get("VMAILKIT_ALLOW_SKIP") == "1" else 1)
