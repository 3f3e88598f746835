#!/usr/bin/python3
"""Every vmailkit parameter the migration guide and the systemd/spawn files
name exists in a daemon's parameter table.

Names are collected from the kParams tables (`{"name", default}` rows in
*/settings.cc), the skeleton's common parameters (core/server/params.cc:
maillog_file and <daemon>_user, _idle_timeout, ...), and the dynamic
prefixes (lookupd_map_NAME, ...). policyd's names come from
policyd/settings.cc once it exists; until then from its agreed interface.
Checked: every `name` in backticks in docs/MIGRATION.md that looks like a
vmailkit parameter, and every -o name= in systemd/*.in and master-spawn.cf.
Postfix's own per-transport parameters (vdelivery_destination_*_limit,
vdelivery_time_limit) are Postfix's, not ours, and skipped.
"""

import glob
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import common  # noqa: E402

ROOT = common.REPO_ROOT
DAEMONS = ("lookupd", "saslcheck", "policyd", "vdelivery")
SHARED = ("mailbox_base", "mailbox_maps", "quota_maps", "default_quota", "recipient_delimiter")
POLICYD_INTERFACE = {"policyd_listen", "policyd_mynetworks", "policyd_local_domains",
                     "policyd_sender_login_maps"}
POSTFIX_TRANSPORT = re.compile(r"^vdelivery_(destination_\w+_limit|time_limit)$")
COMMON_SUFFIXES = ("_user", "_idle_timeout", "_max_connections", "_max_request_size",
                   "_socket_owner", "_socket_group", "_socket_mode")


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def known_params():
    names, prefixes = {"maillog_file", "table_client_timeout"}, []
    for d in DAEMONS:
        for path in glob.glob(os.path.join(ROOT, d, "*.cc")):
            text = read(path)
            names.update(re.findall(r'\{"([a-z][a-z0-9_]+)",', text))
            prefixes += re.findall(r'"((?:%s)_[a-z_]*_)"' % "|".join(DAEMONS), text)
        if d != "vdelivery":
            names.update(d + s for s in COMMON_SUFFIXES)
    if not os.path.exists(os.path.join(ROOT, "policyd", "settings.cc")):
        names |= POLICYD_INTERFACE
    return names, prefixes


def looks_like_param(word):
    return word.startswith(tuple(d + "_" for d in DAEMONS)) or word in SHARED


class DocParams(unittest.TestCase):

    def setUp(self):
        self.names, self.prefixes = known_params()
        self.assertIn("lookupd_cache_ttl", self.names)  # the collector works
        self.assertIn("vdelivery_overquota_message", self.names)
        self.assertIn("lookupd_map_", self.prefixes)

    def exists(self, word):
        return word in self.names or any(word.startswith(p) and len(word) > len(p) for p in self.prefixes)

    def check(self, words, where):
        unknown = sorted({w for w in words if looks_like_param(w) and not POSTFIX_TRANSPORT.match(w)
                          and not self.exists(w)})
        self.assertEqual(unknown, [], "%s names parameters no kParams table has" % where)

    def test_migration_guide(self):
        text = read(os.path.join(ROOT, "docs", "MIGRATION.md"))
        words = re.findall(r"`([a-z][a-z0-9_]+)`", text)
        words += re.findall(r"(?m)^([a-z][a-z0-9_]+)\s*=", text)  # vmailkit.cf lines in code blocks
        self.assertGreater(len([w for w in words if looks_like_param(w)]), 30)
        self.check(words, "docs/MIGRATION.md")

    def test_unit_and_spawn_options(self):
        files = glob.glob(os.path.join(ROOT, "systemd", "*.in"))
        files.append(os.path.join(ROOT, "postfix-snippets", "master-spawn.cf"))
        for path in files:
            self.check(re.findall(r"-o ([a-z][a-z0-9_]+)=", read(path)), path)

    def test_catches_an_unknown_name(self):
        with self.assertRaises(AssertionError):
            self.check(["vdelivery_maildir_suffix"], "negative control")


if __name__ == "__main__":
    unittest.main(verbosity=2)
