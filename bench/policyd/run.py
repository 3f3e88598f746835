#!/usr/bin/python3
"""bench/policyd/run.py - policyd benchmark (not a test; prints figures and ratios).

Builds the release build dir (build-bench, as bench/run.py) unless --no-build,
starts a private MariaDB with the Postfix Admin schema, --domains domains and
--mailboxes mailboxes (each with a Maildir++ maildirsize, every 4th over its
quota), then, for 1, 8 and 32 persistent connections, measures in the same run:

  ceiling        bench/policyd/policy_ceiling: answers DUNNO (round-trip ceiling)
  postfwd        Debian's postfwd2, the relay rules with the domains as a file: list
  policyd        policyd with the relay rules (local domains from MariaDB via
                 mysql:, cache warm)
  quota-status   Dovecot's quota-status on the same maildirs
  policyd-quota  policyd with the RCPT-time quota check (warm)

Relay requests: 70% from outside to a local domain (DUNNO), 15% relay attempts
(554), 10% SASL-authenticated to outside (OK), 5% from mynetworks (OK). Quota
requests: one per mailbox (DUNNO, or 552 when over quota). Every answer is
checked against the expected action. Each cell is the best (or --pick=median)
of --repeat runs, the targets interleaved. Prints a table, the ratios and
PASS/MISS for the issue's targets at 8 connections; exit 0 even on MISS.
Every server started here is stopped by PID at the end.
"""

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.dirname(HERE)
ROOT = os.path.dirname(BENCH)
sys.path.insert(0, BENCH)
sys.path.insert(0, HERE)
from mariadb_private import PrivateMariaDB  # noqa: E402
from peers import Procs, start_ceiling, start_postfwd, start_quota_status, tail, wait_path  # noqa: E402

QUOTA = 10 * 1024 * 1024
MYNETWORKS = "10.0.0.0/8"
DOMAINS_QUERY = "SELECT domain FROM domain WHERE domain='%s' AND active = '1' AND backupmx = '0'"
MAILBOX_QUERY = "SELECT maildir FROM mailbox WHERE username='%s' AND active = '1'"
QUOTA_QUERY = "SELECT quota FROM mailbox WHERE username='%s' AND active = '1'"


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


def build(build_dir):
    if not os.path.exists(os.path.join(build_dir, "build.ninja")):
        # GCC 12 at -O3 gives a bogus -Wrestrict on std::string operator+ (GCC bug 105329).
        subprocess.run(["meson", "setup", build_dir, "--buildtype=release", "-Dtests=false",
                        "-Dcpp_args=-Wno-error=restrict"], cwd=ROOT,
                       check=True, stdout=subprocess.DEVNULL)
    targets = ["bench/policyd/policy_loadgen", "bench/policyd/policy_ceiling"]
    if os.path.exists(os.path.join(ROOT, "policyd", "main.cc")):
        targets.append("policyd/policyd")
    subprocess.run(["ninja", "-C", build_dir, "-j2"] + targets, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def load_data(db, tmp, ndomains, nmailboxes, uid, gid):
    """Schema, domains, mailboxes, maildirs; returns (domains file, {user: home}, relay.req, quota.req)."""
    db.sql(open(os.path.join(ROOT, "schema", "postfixadmin-3.3.sql")).read())
    domains = ["dom%d.test" % i for i in range(ndomains)]
    stmts = ["INSERT INTO domain (domain, description, transport) VALUES " +
             ",".join("('%s','','virtual')" % d for d in domains) + ";"]
    base = os.path.join(tmp, "mail")
    users, rows, over = {}, [], set()
    for i in range(nmailboxes):
        dom = domains[i % ndomains]
        user, maildir = "user%d@%s" % (i, dom), "%s/user%d/" % (dom, i)
        home = os.path.join(base, maildir)
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(home, sub))
        used = QUOTA + 4096 if i % 4 == 3 else 1000
        if used > QUOTA:
            over.add(user)
        with open(os.path.join(home, "maildirsize"), "w") as f:
            f.write("%dS\n%d 1\n" % (QUOTA, used))
        users[user] = home.rstrip("/")
        rows.append("('%s','{CRYPT}x','User %d','%s',%d,'user%d','%s',1)" % (user, i, maildir, QUOTA, i, dom))
    stmts.append("INSERT INTO mailbox (username,password,name,maildir,quota,local_part,domain,active) VALUES " +
                 ",".join(rows) + ";")
    db.sql("SET autocommit=0;\n" + "\n".join(stmts) + "\nCOMMIT;")
    subprocess.run(["chown", "-R", "%d:%d" % (uid, gid), base], check=True)
    for d in (tmp, base):
        os.chmod(d, 0o755)
    dfile = os.path.join(tmp, "domains")
    with open(dfile, "w") as f:
        f.write("\n".join(domains) + "\n")
    rnd = random.Random(7)
    names = list(users)
    relay = os.path.join(tmp, "relay.req")
    with open(relay, "w") as f:
        for n in range(10000):
            kind = rnd.random()
            client = "client_address=203.0.113.%d\tclient_name=mx%d.example.net" % (n % 250 + 1, n % 250)
            if kind < 0.70:
                line = "%s\trecipient=u%d@%s\texpect=DUNNO" % (client, n, rnd.choice(domains))
            elif kind < 0.85:
                line = "%s\trecipient=victim%d@ext%d.example\texpect=554" % (client, n, n % 97)
            elif kind < 0.95:
                login = rnd.choice(names)
                line = "%s\tsasl_method=PLAIN\tsasl_username=%s\tsender=%s\trecipient=friend%d@ext%d.example\t" \
                       "expect=OK" % (client, login, login, n, n % 97)
            else:
                line = "client_address=10.1.%d.%d\trecipient=x%d@ext.example\texpect=OK" % (n % 200, n % 250 + 1, n)
            f.write(line + "\n")
    quota = os.path.join(tmp, "quota.req")
    with open(quota, "w") as f:
        for user in names:
            f.write("recipient=%s\tsize=1000\texpect=%s\n" % (user, "552" if user in over else "DUNNO"))
    return dfile, users, relay, quota, base


def mysql_cf(path, db, query):
    with open(path, "w") as f:
        f.write("hosts = unix:%s\nuser = %s\npassword = %s\ndbname = %s\nquery = %s\n"
                % (db.socket, db.user, db.password, db.dbname, query))
    return path


def start_policyd(procs, binary, tmp, label, db, params):
    d = os.path.join(tmp, "policyd-" + label)
    os.makedirs(d)
    sock = os.path.join(d, "policyd.sock")
    text = {"policyd_listen": "unix:" + sock, "maillog_file": os.path.join(d, "maillog")}
    for k, v in params.items():
        text[k] = v.replace("DIR", d)
    for name, query in (("domains", DOMAINS_QUERY), ("mailbox", MAILBOX_QUERY), ("quota", QUOTA_QUERY)):
        mysql_cf(os.path.join(d, name + ".cf"), db, query)
    with open(os.path.join(d, "vmailkit.cf"), "w") as f:
        f.write("".join("%s = %s\n" % kv for kv in text.items()))
    p = procs.start([binary, "-c", d], os.path.join(d, "stderr"))
    wait_path(p, sock, "policyd-" + label, os.path.join(d, "stderr"))
    deadline = time.time() + 10
    while time.time() < deadline and "started: checks:" not in tail(os.path.join(d, "maillog")):
        time.sleep(0.05)
    started = [ln for ln in tail(os.path.join(d, "maillog")).splitlines() if "started: checks:" in ln]
    checks = started[-1].split("checks:", 1)[1].split(";")[0].split() if started else []
    return "unix:" + sock, [p.pid], checks


def run_json(argv):
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    lines = r.stdout.decode().strip().splitlines()
    if not lines:
        raise RuntimeError("%s printed nothing (exit %d): %s" % (argv[0], r.returncode, r.stderr.decode()[-1000:]))
    return json.loads(lines[-1])


def report(results, order, conns):
    cells = results["cells"]
    print("\npolicyd benchmark: %d domains, %d mailboxes, %s of %d runs per cell, one machine, same run"
          % (results["domains"], results["mailboxes"], results["pick"], results["repeat"]))
    print("%-13s %5s %10s %9s %9s %8s  %-14s %s" % ("target", "conns", "requests/s", "p50_us", "p99_us", "xceiling",
                                                   "runs (req/s)", "answers"))
    for n in conns:
        ceil = cells.get("ceiling/%d" % n)
        for t in order:
            c = cells.get("%s/%d" % (t, n))
            if not c:
                continue
            bad = c["requests"] - c["ok"]
            answers = "all as expected" if bad == 0 else "NOT AS EXPECTED: temp=%d wrong=%d errors=%d" % (
                c["temp"], c["perm"], c["errors"])
            print("%-13s %5d %10.0f %9.1f %9.1f %8.3f  %-14s %s" % (
                t, n, c["rps"], c["p50_us"], c["p99_us"], c["rps"] / max(ceil["rps"], 1) if ceil else 0,
                "/".join("%.0f" % x for x in c["rps_all"]), answers))
    print("elapsed: %.0f s; 1-min load average at the start %.2f, at the end %.2f on %d CPUs%s" % (
        results["elapsed_s"], results["loadavg"][0], results["loadavg"][1], os.cpu_count(),
        " (other work was running: figures are noisy)" if results["loadavg"][0] > 1.0 else ""))
    print("\nratios (same run):")
    checks = []
    for n in conns:
        for a, b, want in (("policyd", "ceiling", 0.5), ("policyd", "postfwd", 100.0),
                           ("policyd-quota", "quota-status", 30.0), ("policyd-quota", "ceiling", None)):
            ca, cb = cells.get("%s/%d" % (a, n)), cells.get("%s/%d" % (b, n))
            if not ca or not cb:
                continue
            ratio = ca["rps"] / max(cb["rps"], 1)
            print("  %2d conns: %-13s / %-12s = %8.2f" % (n, a, b, ratio))
            if n == 8 and want is not None:
                checks.append(("8 conns: %s >= %g x %s" % (a, want, b), ratio, want))
    if not checks:
        print("  (policyd not built or not started: no targets checked)")
        return
    print("\ntargets (issue 5, 8 connections):")
    for name, value, want in checks:
        print("  %-4s %-42s %.2f" % ("PASS" if value >= want else "MISS", name, value))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build-bench"))
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--domains", type=int, default=1000)
    ap.add_argument("--mailboxes", type=int, default=2000)
    ap.add_argument("--conns", default="1,8,32")
    ap.add_argument("--duration", type=float, default=3.0, help="seconds per measurement")
    ap.add_argument("--repeat", type=int, default=3, help="runs per cell")
    ap.add_argument("--pick", choices=("best", "median"), default="best")
    ap.add_argument("--only", default="", help="comma-separated targets to run (default: all)")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir")
    ap.add_argument("--json", help="also write all results to this file")
    ap.add_argument("--nice", type=int, default=-10 if os.geteuid() == 0 else 0)
    args = ap.parse_args()
    conns = [int(c) for c in args.conns.split(",")]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    t_start, load_start = time.time(), os.getloadavg()[0]
    if args.nice:
        os.nice(args.nice)
    if not args.no_build:
        log("building %s (release)" % args.build_dir)
        build(args.build_dir)
    bindir = os.path.join(args.build_dir, "bench", "policyd")
    policyd_bin = os.path.join(args.build_dir, "policyd", "policyd")
    only = set(args.only.split(",")) if args.only else None

    tmp = tempfile.mkdtemp(prefix="vmk-pbench-")
    procs = Procs()
    db = PrivateMariaDB(tmp)
    uid, gid = 65534, 65534
    try:
        log("starting private MariaDB in %s" % tmp)
        db.start()
        dfile, users, relay_req, quota_req, base = load_data(db, tmp, args.domains, args.mailboxes, uid, gid)
        targets = {}  # name -> (address, request file, check answers)

        def want(name):
            return only is None or name in only

        if want("ceiling"):
            addr, _ = start_ceiling(procs, bindir, tmp)
            targets["ceiling"] = (addr, relay_req, False)
        if want("postfwd"):
            addr, why = start_postfwd(procs, tmp, dfile, max(conns))
            if addr:
                targets["postfwd"] = (addr, relay_req, True)
            else:
                log("postfwd skipped: " + why)
        if want("quota-status"):
            addr, why = start_quota_status(procs, tmp, users, QUOTA, uid, gid)
            if addr:
                targets["quota-status"] = (addr, quota_req, True)
            else:
                log("quota-status skipped: " + why)
        if os.path.exists(policyd_bin):
            common = {"policyd_mynetworks": MYNETWORKS, "policyd_local_domains": "mysql:DIR/domains.cf",
                      "policyd_sender_login_maps": "", "policyd_cache_ttl": "1h", "policyd_negative_ttl": "1h",
                      "policyd_cache_size": "200000"}
            if want("policyd"):
                addr, _, checks = start_policyd(procs, policyd_bin, tmp, "relay", db, common)
                targets["policyd"] = (addr, relay_req, True)
                log("policyd (relay rules) runs checks: %s" % " ".join(checks))
            if want("policyd-quota"):
                q = dict(common, mailbox_base=base, mailbox_maps="mysql:DIR/mailbox.cf",
                         quota_maps="mysql:DIR/quota.cf", default_quota="0")
                addr, _, checks = start_policyd(procs, policyd_bin, tmp, "quota", db, q)
                if "quota" in checks:
                    targets["policyd-quota"] = (addr, quota_req, True)
                else:
                    log("policyd has no quota check yet (checks: %s): policyd-quota row skipped" % " ".join(checks))
        else:
            log("%s not built: policyd rows will be missing" % policyd_bin)

        loadgen = os.path.join(bindir, "policy_loadgen")

        def measure(t, n, seed, extra=()):
            addr, req, check = targets[t]
            return run_json([loadgen, "--connect=" + addr, "--requests-file=" + req, "--conns=%d" % n,
                             "--duration=%g" % args.duration, "--seed=%d" % seed, "--check=%d" % check] + list(extra))

        for t in ("policyd", "policyd-quota"):
            if t in targets:
                log("warming %s: every request twice" % t)
                for _ in range(2):
                    w = run_json([loadgen, "--connect=" + targets[t][0], "--requests-file=" + targets[t][1],
                                  "--conns=8", "--order=seq", "--requests=%d" % (args.mailboxes + 10000)])
                    if w["ok"] != w["requests"]:
                        log("warm-up %s: %s" % (t, json.dumps(w)))
        order = [t for t in ("ceiling", "policyd", "postfwd", "policyd-quota", "quota-status") if t in targets]
        results = {"domains": args.domains, "mailboxes": args.mailboxes, "cells": {}, "pick": args.pick,
                   "repeat": args.repeat}
        for n in conns:
            runs = {t: [] for t in order}
            for r in range(args.repeat):
                for t in order:
                    runs[t].append(measure(t, n, r + 1))
            for t in order:
                ranked = sorted(runs[t], key=lambda x: x["rps"])
                cell = ranked[-1] if args.pick == "best" else ranked[len(ranked) // 2]
                cell["rps_all"] = [x["rps"] for x in runs[t]]
                results["cells"]["%s/%d" % (t, n)] = cell
            log("done %d connections (%.0fs elapsed)" % (n, time.time() - t_start))
        results["elapsed_s"] = round(time.time() - t_start, 1)
        results["loadavg"] = [round(load_start, 2), round(os.getloadavg()[0], 2)]
        report(results, order, conns)
        if args.json:
            with open(args.json, "w") as f:
                json.dump(results, f, indent=1)
    finally:
        procs.stop_all()
        db.cleanup(keep=args.keep)
        if args.keep:
            log("kept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    try:
        main()
    except (RuntimeError, subprocess.CalledProcessError) as e:
        print("bench: failed: %s" % e, file=sys.stderr)
        sys.exit(1)
