#!/usr/bin/python3
"""vdelivery behind a private Postfix 3.7 through the pipe(8) transport of
postfix-snippets/vdelivery-master.cf: mail sent with swaks and smtp-source
lands in the right Maildir with Postfix's D/R headers, plus-addressing lands
in the folder, over quota is deferred with the VDA sentence in Postfix's log
(or bounced 5.2.2 through a second service with
vdelivery_overquota_bounce=yes), and an address Postfix accepts but
vdelivery does not know bounces 5.1.1. Run standalone or under meson.
"""

import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import common  # noqa: E402
from harness.postfix import Postfix  # noqa: E402
from harness.smtp import swaks  # noqa: E402
from harness.vdelivery import Mailstore, read  # noqa: E402

STORE = PF = None
SENTENCE = "Sorry, the user's maildir has overdrawn his diskspace quota, please try again later."


def setUpModule():
    global STORE, PF
    try:
        STORE = Mailstore({})
        mailboxes = STORE.write_file("mailboxes", "joe@example.com example.com/joe/\n"
                                     "full@example.com example.com/full/\n"
                                     "full@bounce.example bounce.example/full/\n")
        quotas = STORE.write_file("quotas", "full@example.com 3000\n@bounce.example 3000\n")
        with open(os.path.join(STORE.config_dir, "vmailkit.cf"), "a") as f:
            f.write("mailbox_maps = texthash:%s\nquota_maps = texthash:%s\n" % (mailboxes, quotas))
        accepted = STORE.write_file("postfix-mailboxes", "joe@example.com x\nfull@example.com x\n"
                                    "ghost@example.com x\nfull@bounce.example x\n")
        transport = STORE.write_file("transport", "bounce.example vdelivery-b:\n")
        master = STORE.master_entry() + STORE.master_entry(
            "vdelivery-b", "-o vdelivery_overquota_bounce=yes")
        main = STORE.main_cf()  # virtual_transport, recipient limit 1 as shipped
        self_check = main.get("virtual_transport") == "vdelivery" and main.get(
            "vdelivery_destination_recipient_limit") == "1"
        assert self_check, main
        main.update({
            "virtual_mailbox_domains": "example.com, bounce.example",
            "virtual_mailbox_maps": "texthash:" + accepted,
            "transport_maps": "texthash:" + transport,
            "vdelivery-b_destination_recipient_limit": "1",
            "minimal_backoff_time": "600s",
            "maximal_backoff_time": "600s",
        })
        PF = Postfix(main=main, master_extra=master)
        PF.start()
    except BaseException:
        tearDownModule()
        raise


def tearDownModule():
    if PF:
        PF.cleanup()
    if STORE:
        STORE.cleanup()


def send(to, body="hello\n", subject="test", extra=()):
    rc, out = swaks(PF.port, to, quit_after=None,
                    extra=["--header", "Subject: " + subject, "--body", body] + list(extra))
    assert rc == 0, out
    m = re.search(r"<[-~*]* +250 2\.0\.0 Ok: queued as (\w+)", out)
    assert m, out
    return m.group(1)


def wait_status(qid, rcpt, since=0, timeout=30):
    m = PF.wait_log(r"%s: to=<%s>.*status=(\w+) \((.*)\)" % (qid, re.escape(rcpt)), timeout=timeout, since=since)
    return m.group(1), m.group(2), m.group(0)


class VdeliveryPostfix(unittest.TestCase):
    def test_swaks_delivery_with_headers(self):
        qid = send("joe@example.com", subject="swaks one")
        status, text, line = wait_status(qid, "joe@example.com")
        self.assertEqual(status, "sent", line)
        self.assertIn("relay=vdelivery", line)
        self.assertIn("delivered to maildir", text)
        msgs = [read(p) for p in STORE.messages("example.com/joe")]
        mine = [m for m in msgs if "Subject: swaks one" in m]
        self.assertEqual(len(mine), 1)
        head = mine[0].split("\n")
        self.assertEqual(head[0], "Return-Path: <sender@client.test>")
        self.assertEqual(head[1], "Delivered-To: joe@example.com")
        self.assertEqual(sum(1 for h in head if h.startswith("Return-Path:")), 1)
        for p in STORE.messages("example.com/joe"):
            self.assertTrue(p.endswith(",S=%d" % os.path.getsize(p)), p)
        st = os.stat(STORE.maildir("example.com/joe/new"))
        self.assertEqual((st.st_uid, st.st_mode & 0o777), (STORE.uid, 0o700))
        self.assertIn("to=<joe@example.com>", STORE.log_text())

    def test_smtp_source_burst(self):
        before = len(STORE.messages("example.com/joe/.burst"))
        STORE.make_dirs("example.com/joe/.burst")
        mark = PF.log_mark()
        r = common.run([common.require("smtp-source", "postfix"), "-m", "30", "-s", "3", "-l", "2048",
                        "-f", "burst@client.test", "-t", "joe+burst@example.com", "127.0.0.1:%d" % PF.port],
                       timeout=120)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        common.wait_for(lambda: PF.log_text()[mark:].count("to=<joe+burst@example.com>") >= 30, 60,
                        what="30 deliveries")
        deferred = [l for l in PF.log_text()[mark:].splitlines() if "status=deferred" in l]
        self.assertEqual(deferred, [])
        self.assertEqual(len(STORE.messages("example.com/joe/.burst")) - before, 30)

    def test_plus_address_lands_in_folder(self):
        STORE.make_dirs("example.com/joe/.lists")
        qid = send("joe+lists@example.com", subject="for the folder")
        status, text, line = wait_status(qid, "joe+lists@example.com")
        self.assertEqual(status, "sent", line)
        self.assertIn("folder .lists", text)
        msgs = [read(p) for p in STORE.messages("example.com/joe/.lists")]
        self.assertTrue(any("Subject: for the folder" in m for m in msgs))
        qid = send("joe+nofolder@example.com", subject="no such folder")
        status, _, line = wait_status(qid, "joe+nofolder@example.com")
        self.assertEqual(status, "sent", line)
        msgs = [read(p) for p in STORE.messages("example.com/joe")]
        self.assertTrue(any("Subject: no such folder" in m for m in msgs))

    def test_over_quota_deferred_then_bounced(self):
        big = "x" * 1800 + "\n"
        qid = send("full@example.com", body=big, subject="first")
        self.assertEqual(wait_status(qid, "full@example.com")[0], "sent")
        qid = send("full@example.com", body=big, subject="second")
        status, text, line = wait_status(qid, "full@example.com")
        self.assertEqual(status, "deferred", line)
        self.assertIn("dsn=4.2.2", line)
        self.assertIn(SENTENCE, text)
        self.assertEqual(len(STORE.messages("example.com/full")), 1)
        qid = send("full@bounce.example", body=big, subject="first")
        self.assertEqual(wait_status(qid, "full@bounce.example")[0], "sent")
        qid = send("full@bounce.example", body=big, subject="second")
        status, text, line = wait_status(qid, "full@bounce.example")
        self.assertEqual(status, "bounced", line)
        self.assertIn("dsn=5.2.2", line)
        self.assertIn(SENTENCE, text)
        quota, used, count = STORE.maildirsize("example.com/full")
        self.assertEqual(quota, "3000S")
        self.assertEqual((used, count), STORE.disk_usage("example.com/full"))

    def test_unknown_to_vdelivery_bounces_5_1_1(self):
        qid = send("ghost@example.com")
        status, text, line = wait_status(qid, "ghost@example.com")
        self.assertEqual(status, "bounced", line)
        self.assertIn("dsn=5.1.1", line)
        self.assertIn("unknown user", text)


if __name__ == "__main__":
    from harness import vdelivery
    common.preflight([vdelivery.binary, lambda: common.require("postfix", "postfix"),
                      lambda: common.require("swaks", "swaks"),
                      lambda: common.require("smtp-source", "postfix")])
    unittest.main()
