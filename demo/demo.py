#!/usr/bin/python3
"""demo/demo.py - the stack part of demo/run (packages and build done there).

Starts the whole stack through tests/integration/harness/stack.py (the same
code the acceptance test uses): a private MariaDB with the Postfix Admin 3.3
schema and a demo domain and mailbox inserted as Postfix Admin's forms do,
lookupd, saslcheck, vdelivery, policyd (when built), smtp-sink standing in
for the Internet, and a private Postfix wired to them by
postfix-snippets/stack-postconf.sh. Sends one message with SMTP AUTH over
STARTTLS to an outside address and one from outside to the demo mailbox,
and prints where each landed and the log lines.
Usage: demo.py [--keep | --stop]. Exit status 0 when both messages arrived.
"""

import os
import sys
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))

from harness import common, pfa  # noqa: E402
from harness.stack import Stack, policyd_built, policyd_binary  # noqa: E402
from harness.stack_keep import stop_detached  # noqa: E402

STATE = "/run/vmailkit-demo.json"
DOMAIN = "example.com"
USER = "demo@example.com"
PASSWORD = "demo-password"
OUTSIDE = "friend@outside.example"


def say(text=""):
    print(text, flush=True)


def show_lines(lines, indent="   "):
    for l in lines:
        say(indent + l)


def smtp_excerpt(transcript):
    """The interesting server replies and client commands of a swaks transcript."""
    keep = []
    for l in transcript.splitlines():
        if any(k in l for k in ("STARTTLS", "TLS started", "AUTH", " 235 ", " 250 2.0.0", "MAIL FROM", "RCPT TO",
                                " 554 ", " 535 ", " 451 ", " 454 ")):
            keep.append(l)
    return keep


def stop_kept():
    if not os.path.exists(STATE):
        say("demo: no stack left running (%s does not exist)" % STATE)
        return 0
    stop_detached(STATE)
    say("demo: stopped the stack and removed its temp dirs")
    return 0


def main():
    args = sys.argv[1:]
    if args == ["--stop"]:
        return stop_kept()
    keep = args == ["--keep"]
    if os.path.exists(STATE):
        say("demo: a stack from an earlier --keep run is still up; stopping it first")
        stop_detached(STATE)
    t0 = time.monotonic()
    say("== 3. start the stack (private servers, 127.0.0.1 only)")
    if not policyd_built():
        say("   policyd: SKIPPED, %s is not built yet: Postfix runs without check_policy_service" % policyd_binary())
    st = Stack(fixtures=())
    ok = False
    try:
        st.start()
        pf = st.pf
        say("   MariaDB    pid %-7d %s (Postfix Admin 3.3 schema)" % (st.db.pid, st.db.socket))
        say("   lookupd    pid %-7d socketmap %s" % (st.lookupd.proc.pid, st.lookupd.raw_endpoints[0]))
        say("   saslcheck  pid %-7d authdaemond socket %s (Cyrus SASL pwcheck_method: authdaemond)"
            % (st.saslcheck.proc.pid, st.saslcheck.socket))
        if st.policyd:
            say("   policyd    pid %-7d check_policy_service unix:private/vmailkit-policyd" % st.policyd.pid)
        say("   vdelivery  pipe(8) transport, Maildirs under %s" % st.store.base)
        say("   Postfix    master pid %d, config %s" % (pf.master_pid(), pf.config_dir))
        say("              port 25 -> 127.0.0.1:%d (STARTTLS), 587 -> 127.0.0.1:%d (TLS required), "
            "465 -> 127.0.0.1:%d (TLS wrapper), 10025 -> 127.0.0.1:%d (content-filter re-injection)"
            % (pf.port, pf.submission, pf.smtps, pf.reinject))
        say("   smtp-sink  pid %-7d 127.0.0.1:%d, the 'Internet' (relayhost), files in %s"
            % (st.sink.process.pid, st.sink.port, st.sink.maildir))

        say("\n== 4. Postfix Admin rows (as its 'New Domain' and 'Add Mailbox' forms insert them)")
        pfa.create_domain(st.db, DOMAIN, "vmailkit demo domain", aliases=10, mailboxes=10, maxquota_mb=10)
        pfa.create_mailbox(st.db, USER, PASSWORD, name="Demo User", quota_mb=10)
        show_lines(st.db.sql("SELECT username, password, maildir, quota FROM mailbox").splitlines())
        show_lines(st.db.sql("SELECT address, goto FROM alias").splitlines())

        say("\n== 5. %s sends to %s: SMTP AUTH PLAIN after STARTTLS on the submission port" % (USER, OUTSIDE))
        mark = pf.log_mark()
        rc, out, qid = st.send(OUTSIDE, sender=USER, port=pf.submission, tls="starttls", auth=(USER, PASSWORD),
                               subject="vmailkit demo: out to the world")
        show_lines(smtp_excerpt(out))
        if not qid:
            raise RuntimeError("message 1 was not accepted:\n" + out)
        status, text, _ = st.wait_status(qid, OUTSIDE, since=mark)
        path, msg = st.sink.wait_for(lambda t: "Subject: vmailkit demo: out to the world" in t)
        say("   landed at the outside sink: %s" % path)
        show_lines([l for l in msg.splitlines() if l.startswith(("X-Mail-Args", "X-Rcpt-Args", "Subject"))])

        say("\n== 6. someone outside (127.0.0.2, not in mynetworks) sends to %s on port 25, STARTTLS, no AUTH" % USER)
        mark = pf.log_mark()
        rc, out, qid2 = st.send(USER, sender=OUTSIDE, local_interface="127.0.0.2", tls="starttls",
                                subject="vmailkit demo: hello mailbox", body="Hello from outside.\n")
        show_lines(smtp_excerpt(out))
        if not qid2:
            raise RuntimeError("message 2 was not accepted:\n" + out)
        status2, text2, _ = st.wait_status(qid2, USER, since=mark)
        files = common.wait_for(lambda: st.store.messages("%s/demo" % DOMAIN), 30, what="the Maildir file")
        say("   landed in the Maildir: %s" % files[-1])
        with open(files[-1], errors="replace") as f:
            show_lines([l for l in f.read().splitlines()[:4]])
        say("   %s/%s/demo/maildirsize (quota line, then size and count per delivery):" % (st.store.base, DOMAIN))
        with open(os.path.join(st.store.maildir("%s/demo" % DOMAIN), "maildirsize")) as f:
            show_lines(f.read().splitlines(), indent="     ")

        say("\n== 6b. the same outsider tries to relay through us to another outside address: refused")
        rc, out, qid3 = st.send("victim@elsewhere.example", sender=OUTSIDE, local_interface="127.0.0.2",
                                tls="starttls", subject="relay attempt")
        show_lines([l for l in smtp_excerpt(out) if "RCPT" in l or " 554 " in l])
        if qid3:
            raise RuntimeError("open relay: the relay attempt was accepted:\n" + out)

        say("\n== 7. the log lines")
        say("   Postfix (%s):" % pf.maillog)
        tls = [l for l in pf.log_text().splitlines() if "TLS connection established from" in l]
        show_lines(tls + st.log_lines(qid) + st.log_lines(qid2), indent="     ")
        say("   saslcheck (%s):" % st.saslcheck.logfile)
        show_lines(st.saslcheck.log_text().splitlines()[-3:], indent="     ")
        say("   vdelivery (%s):" % os.path.join(st.store.dir, "vdelivery.log"))
        show_lines(st.store.log_text().splitlines()[-2:], indent="     ")
        say("   lookupd (%s):" % st.lookupd.logfile)
        show_lines(st.lookupd.log_text().splitlines()[-3:], indent="     ")
        if st.policyd:
            say("   policyd (%s):" % st.policyd.logfile)
            show_lines(common.tail(st.policyd.logfile, 600).splitlines()[-3:], indent="     ")

        ok = status == "sent" and status2 == "sent"
        say("\n== result: message 1 %s, message 2 %s (%.0f s for the stack part)"
            % (status, status2, time.monotonic() - t0))
        if keep and ok:
            st.detach(STATE)
            say("\nThe stack keeps running. Try:")
            say("   swaks --server 127.0.0.1:%d --tls --auth PLAIN --auth-user %s --auth-password %s --to %s"
                % (pf.submission, USER, PASSWORD, OUTSIDE))
            say("   swaks --server 127.0.0.1:%d --to %s" % (pf.port, USER))
            say("   tail -f %s" % pf.maillog)
            say("Stop it with:  sudo demo/run --stop")
            return 0
    except BaseException as e:  # noqa: BLE001 - report, then clean up
        say("\ndemo FAILED: %s" % e)
        if st.pf and st.pf.dir:
            say("Postfix log tail:\n" + common.tail(st.pf.maillog, 3000))
    if not ok:
        st.cleanup()
        return 1
    say("\n== 8. stop: every server stopped by PID, temp dirs removed")
    problems = st.cleanup()
    for p in problems:
        say("   problem on shutdown: " + p)
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
