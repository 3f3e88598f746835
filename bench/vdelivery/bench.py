#!/usr/bin/python3
"""bench/vdelivery/bench.py - per-delivery time of vdelivery beside
dovecot-lda (Maildir++ quota) and maildrop (maildirsize), delivering 4 KiB
messages into a Maildir that already holds 100 and 20,000 messages, quota
on everywhere. Not a timed test: it prints figures and ratios.

    python3 bench/vdelivery/bench.py [--build build] [--runs 200] [--sizes 100,20000] [--no-fsync]
                                     [--baseline path/to/other/vdelivery]

Each agent runs as nobody (dovecot-lda refuses root without -d), spawned by
build/bench/vdelivery/spawn_timer (posix_spawn, no shell). Every agent gets
its own maildir, pre-filled with the same number of 4 KiB messages and a
correct one-line maildirsize (limit 1 GiB) so quota is enforced from the
first delivery. Figures are the median per delivery. Two floors run in the
same rounds: floor-exec (/bin/true: spawning a process) and floor-durable
(durable_floor: write, fsync the file, link into new/, fsync new/, nothing
else), so "vdelivery above the durable floor" is vdelivery's own overhead. Missing agents are
reported and skipped. Needs root (chown, dropping to nobody).
"""

import argparse
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile

LIMIT = 1 << 30
MSG = ("From: bench@example.net\nTo: joe@example.com\nSubject: bench\n\n" + ("x" * 71 + "\n") * 56)[:4096]


def prefill(maildir, count, uid, gid):
    for sub in ("new", "cur", "tmp"):
        os.makedirs(os.path.join(maildir, sub), exist_ok=True)
    body = MSG.encode()
    for i in range(count):
        name = "1700000000.M%dP1.bench,S=%d:2,S" % (i, len(body))
        with open(os.path.join(maildir, "cur", name), "wb") as f:
            f.write(body)
    with open(os.path.join(maildir, "maildirsize"), "w") as f:
        f.write("%dS\n%d %d\n" % (LIMIT, count * len(body), count))
    for root, dirs, files in os.walk(os.path.dirname(maildir)):
        os.chown(root, uid, gid)
        for n in files:
            os.chown(os.path.join(root, n), uid, gid)


def agents(work, build, fsync, baseline=None):
    """name -> (argv, env) for each agent, after writing its config."""
    a = {}
    vd = os.path.join(build, "vdelivery", "vdelivery")
    etc = os.path.join(work, "vd-etc")
    os.makedirs(etc)
    with open(os.path.join(etc, "vmailkit.cf"), "w") as f:
        f.write("mailbox_base = %s\nmailbox_maps = static:Maildir/\nquota_maps = static:%d\n"
                "maillog_file = %s\nvdelivery_fsync = %s\n" % (
                    os.path.join(work, "vdelivery"), LIMIT, os.path.join(work, "vdelivery.log"),
                    "yes" if fsync else "no"))
    a["vdelivery"] = ([vd, "-c", etc, "-f", "bench@example.net", "joe@example.com"], {})
    if baseline:  # another vdelivery binary (e.g. from main), same config, its own maildir
        etc_b = os.path.join(work, "vd-base-etc")
        os.makedirs(etc_b)
        with open(os.path.join(etc, "vmailkit.cf")) as src, open(os.path.join(etc_b, "vmailkit.cf"), "w") as f:
            f.write(src.read().replace("mailbox_base = " + os.path.join(work, "vdelivery"),
                                       "mailbox_base = " + os.path.join(work, "vdelivery-base")))
        a["vdelivery-base"] = ([os.path.abspath(baseline), "-c", etc_b, "-f", "bench@example.net",
                                "joe@example.com"], {})
    lda = "/usr/lib/dovecot/dovecot-lda"
    if os.access(lda, os.X_OK):
        conf = os.path.join(work, "dovecot.conf")
        with open(conf, "w") as f:
            f.write("mail_location = maildir:~/Maildir\nmail_plugins = quota\nlog_path = %s\n"
                    "base_dir = %s\nfirst_valid_uid = 1\nmail_fsync = %s\n"
                    "plugin {\n  quota = maildir:User quota\n  quota_rule = *:storage=%dB\n}\n" % (
                        os.path.join(work, "lda.log"), os.path.join(work, "run"),
                        "optimized" if fsync else "never", LIMIT))
        a["dovecot-lda"] = ([lda, "-c", conf, "-f", "bench@example.net"],
                            {"HOME": os.path.join(work, "dovecot-lda"), "USER": "joe"})
    md = shutil.which("maildrop")
    if md:
        mf = os.path.join(work, "mailfilter")
        with open(mf, "w") as f:
            f.write('to "%s/"\n' % os.path.join(work, "maildrop", "Maildir"))
        os.chmod(mf, 0o600)
        a["maildrop"] = ([md, mf], {"HOME": os.path.join(work, "maildrop"), "MAILDIRQUOTA": "%dS" % LIMIT})
    # Floors, measured in the same rounds: a process that does nothing, and
    # the durable minimum (write, fsync file, link into new/, fsync new/).
    a["floor-exec"] = (["/bin/true"], {})
    fl = os.path.join(build, "bench", "vdelivery", "durable_floor")
    if os.access(fl, os.X_OK):
        a["floor-durable"] = ([fl, os.path.join(work, "floor-durable", "Maildir")], {})
    return a


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--sizes", default="100,20000")
    ap.add_argument("--no-fsync", action="store_true")
    ap.add_argument("--baseline", help="another vdelivery binary to run beside this one (vdelivery-base)")
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    timer = os.path.join(build, "bench", "vdelivery", "spawn_timer")
    pw = pwd.getpwnam("nobody")
    work = tempfile.mkdtemp(prefix="vmk-bench-vdel-")
    os.chmod(work, 0o755)
    results = {}
    try:
        msg = os.path.join(work, "message")
        with open(msg, "w") as f:
            f.write(MSG)
        for log in ("vdelivery.log", "lda.log"):
            open(os.path.join(work, log), "w").close()
            os.chown(os.path.join(work, log), pw.pw_uid, pw.pw_gid)
        table = agents(work, build, not args.no_fsync, args.baseline)
        os.chown(os.path.join(work, "mailfilter"), pw.pw_uid, pw.pw_gid) if "maildrop" in table else None
        for size in [int(s) for s in args.sizes.split(",")]:
            for name in table:
                prefill(os.path.join(work, name, "Maildir"), size, pw.pw_uid, pw.pw_gid)
            # Rounds of CHUNK runs per agent, interleaved, so that load from
            # other processes on the machine hits every agent alike.
            samples = {name: [] for name in table}
            chunk = 10
            for _ in range(max(1, args.runs // chunk)):
                for name, (argv, env) in list(table.items()):
                    if samples[name] is None:
                        continue
                    e = {"PATH": "/usr/bin:/bin", "LANG": "C"}
                    e.update(env)
                    r = subprocess.run([timer, str(chunk), msg, "-u", "%d:%d" % (pw.pw_uid, pw.pw_gid), "-a", "--"]
                                       + argv, env=e, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                    if r.returncode != 0:
                        print("%s: failed: %s" % (name, r.stderr.strip()[-500:]), file=sys.stderr)
                        samples[name] = None
                        continue
                    samples[name] += [float(v) for v in re.findall(r"sample_ms=([\d.]+)", r.stdout)]
            for name in table:
                home = os.path.join(work, name)
                s = sorted(samples[name] or [])
                if s:
                    results[(name, size)] = s[len(s) // 2]
                    delivered = len(os.listdir(os.path.join(home, "Maildir", "new")))
                    print("%-12s %6d msgs: runs=%d median_ms=%.3f p90_ms=%.3f min_ms=%.3f (new/: %d)" % (
                        name, size, len(s), s[len(s) // 2], s[len(s) * 9 // 10], s[0], delivered))
                shutil.rmtree(home, ignore_errors=True)
        sizes = [int(s) for s in args.sizes.split(",")]
        print("\nmedian ms per delivery (fsync %s):" % ("off" if args.no_fsync else "on"))
        for name in table:
            row = ["%8.2f" % results[(name, s)] if (name, s) in results else "     n/a" for s in sizes]
            flat = ""
            if len(sizes) == 2 and all((name, s) in results for s in sizes):
                flat = "  %d/%d ratio %.2f" % (sizes[1], sizes[0], results[(name, sizes[1])] / results[(name, sizes[0])])
            print("  %-12s %s%s" % (name, " ".join(row), flat))
        for agent in ("vdelivery", "floor-durable"):
            for other in ("maildrop", "dovecot-lda"):
                for s in sizes:
                    if (agent, s) in results and (other, s) in results:
                        print("  %s/%s at %d msgs: %.2f" % (agent, other, s, results[(agent, s)] / results[(other, s)]))
        for s in sizes:
            if ("vdelivery", s) in results and ("floor-durable", s) in results:
                print("  vdelivery above the durable floor at %d msgs: %.2f ms" % (
                    s, results[("vdelivery", s)] - results[("floor-durable", s)]))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
