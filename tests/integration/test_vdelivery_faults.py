#!/usr/bin/python3
"""vdelivery under faults.

* kill -9 at random points over 200 deliveries through a private Postfix
  (pipe transport, short backoff so Postfix retries): afterwards every
  message is in new/, none is partial (size = ,S= and the end marker is
  there), and duplicates, only possible when the kill lands after the link
  into new/, are counted and reported.
* A full file system (a 256 KiB tmpfs as mailbox_base): exit 75 with a 4.x.x
  line, nothing partial in new/, no tmp/ leftovers.
* Database down (a private MariaDB with the Postfix Admin schema, stopped):
  exit 75 with a 4.x.x line and nothing delivered.
Run standalone or under meson.
"""

import os
import re
import smtplib
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import common  # noqa: E402
from harness.mariadb import MariaDB, SkipTest  # noqa: E402
from harness.postfix import Postfix  # noqa: E402
from harness.vdelivery import Mailstore, binary, read  # noqa: E402

# The pipe command: runs vdelivery as a child and SIGKILLs it after a random
# delay in about 40% of runs; when the child died by a signal the wrapper
# kills itself the same way, so pipe(8) sees "Command died with signal 9".
KILLER = """\
import os, random, signal, subprocess, sys, time
p = subprocess.Popen(sys.argv[1:])
if random.random() < 0.4:
    time.sleep(random.uniform(0, 0.008))
    try:
        p.send_signal(signal.SIGKILL)
    except ProcessLookupError:
        pass
rc = p.wait()
if rc < 0:
    os.kill(os.getpid(), -rc)
sys.exit(rc)
"""

N = int(os.environ.get("VMAILKIT_KILL_N", "200"))


def message_ok(path):
    """A complete message: size = S= and the end marker present."""
    m = re.search(r",S=(\d+)", path)
    text = read(path)
    return m and int(m.group(1)) == os.path.getsize(path) and re.search(r"END-OF-MESSAGE \d+\n$", text)


class Faults(unittest.TestCase):
    def test_kill9_with_postfix_retrying(self):
        store = Mailstore({"mailbox_maps": "inline:{joe@example.com=example.com/joe/}",
                           "quota_maps": "inline:{joe@example.com=100000000}"})
        pf = None
        try:
            killer = store.write_file("killer.py", KILLER)
            entry = store.master_entry().replace("argv=" + store.bin, "argv=%s %s %s" % (
                "/usr/bin/python3", killer, store.bin))
            pf = Postfix(main={"virtual_mailbox_domains": "example.com", "virtual_mailbox_maps": "static:x",
                               "virtual_transport": "vdelivery", "vdelivery_destination_recipient_limit": "1",
                               "minimal_backoff_time": "1s", "maximal_backoff_time": "2s",
                               "queue_run_delay": "1s"}, master_extra=entry)
            pf.start()
            s = smtplib.SMTP("127.0.0.1", pf.port, timeout=60)
            for i in range(N):
                body = "Subject: seq %d\nX-Seq: %d\n\n%s\nEND-OF-MESSAGE %d\n" % (i, i, "k" * 3000, i)
                s.sendmail("s@client.test", ["joe@example.com"], body)
            s.quit()
            common.wait_for(lambda: len(re.findall(r"to=<joe@example.com>.*status=sent", pf.log_text())) >= N,
                            150, interval=0.5, what="%d deliveries" % N)
            log = pf.log_text()
            kills = len(re.findall(r"Command died with signal 9", log))
            seen = {}
            for p in store.messages("example.com/joe"):
                self.assertTrue(message_ok(p), "partial message in new/: %s" % p)
                seq = int(re.search(r"X-Seq: (\d+)", read(p)).group(1))
                seen[seq] = seen.get(seq, 0) + 1
            self.assertEqual(sorted(seen), list(range(N)), "lost messages")
            dups = sum(c - 1 for c in seen.values())
            leftovers = len(os.listdir(os.path.join(store.maildir("example.com/joe"), "tmp")))
            print("kill -9: %d kills over %d deliveries, %d duplicates (kill after link into new/), "
                  "%d tmp/ leftovers" % (kills, N, dups, leftovers), file=sys.stderr)
            self.assertGreater(kills, 10, "the killer did not kill enough to mean anything")
            self.assertLessEqual(dups, kills)
        finally:
            if pf:
                pf.cleanup()
            store.cleanup()

    def test_full_filesystem_defers(self):
        store = Mailstore({"mailbox_maps": "inline:{joe@example.com=joe/}",
                           "quota_maps": "inline:{joe@example.com=100000000}"})
        mounted = False
        try:
            r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k,mode=0755", "vmk-vdel-full", store.base],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            if r.returncode != 0:
                self.skipTest("cannot mount a tmpfs here: %s" % r.stdout.decode())
            mounted = True
            os.chown(store.base, store.uid, store.gid)
            codes = []
            for i in range(100):
                r = store.run("joe@example.com", b"Subject: %d\n\n" % i + b"f" * 20000 + b"\nEND-OF-MESSAGE %d\n" % i)
                codes.append(r.returncode)
                if r.returncode != 0:
                    self.assertEqual(r.returncode, 75, r.stderr)
                    self.assertRegex(r.stderr.decode(), r"^4\.\d\.\d .*No space left on device")
                    break
            self.assertIn(75, codes, "the file system never filled up")
            for p in store.messages("joe"):
                self.assertTrue(message_ok(p), "partial message in new/: %s" % p)
            self.assertEqual(os.listdir(os.path.join(store.maildir("joe"), "tmp")), [])
        finally:
            if mounted:
                subprocess.run(["umount", store.base])
            store.cleanup()

    def test_database_down_defers(self):
        try:
            db = MariaDB()
        except SkipTest as e:
            raise common.MissingTool(str(e))
        store = None
        try:
            db.start()
            db.sql("INSERT INTO mailbox (username, password, name, maildir, quota, local_part, domain) VALUES "
                   "('joe@example.com', 'x', 'Joe', 'example.com/joe/', 10240000, 'joe', 'example.com')")
            store = Mailstore({})
            mb = store.write_file("mailbox.cf", db.cf_text(
                query="SELECT maildir FROM mailbox WHERE username='%s' AND active = '1'"))
            qt = store.write_file("quota.cf", db.cf_text(
                query="SELECT quota FROM mailbox WHERE username='%s' AND active = '1'"))
            with open(os.path.join(store.config_dir, "vmailkit.cf"), "a") as f:
                f.write("mailbox_maps = mysql:%s\nquota_maps = mysql:%s\n" % (mb, qt))
            r = store.run("joe@example.com", b"Subject: up\n\nx\n")
            self.assertEqual(r.returncode, 0, r.stderr)
            q = store.maildirsize("example.com/joe")
            self.assertEqual(q[0], "10240000S")
            r = store.run("nobody@example.com", b"Subject: up\n\nx\n")
            self.assertEqual(r.returncode, 67, r.stderr)
            db.stop()
            r = store.run("joe@example.com", b"Subject: down\n\nx\n")
            self.assertEqual(r.returncode, 75, r.stderr)
            self.assertRegex(r.stderr.decode(), r"^4\.\d\.\d ")
            self.assertEqual(len(store.messages("example.com/joe")), 1)
            self.assertEqual(os.listdir(os.path.join(store.maildir("example.com/joe"), "tmp")), [])
        finally:
            db.cleanup()
            if store:
                store.cleanup()


if __name__ == "__main__":
    common.preflight([binary, lambda: common.require("postfix", "postfix")])
    unittest.main()
