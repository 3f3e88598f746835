#!/usr/bin/python3
"""bench/run.py - lookupd socketmap benchmark (not a test; prints figures and ratios).

Builds a release build dir (build-bench, meson --buildtype=release -Dtests=false)
unless --no-build, starts a private MariaDB with the Postfix Admin schema and
--mailboxes rows, the do-nothing ceiling server and two lookupd instances
(warm cache: lookupd_cache_ttl=1h; cache disabled: lookupd_cache_ttl=0), then,
for each connection count, measures in the same run:

  ceiling   bench/ceiling_server --io=raw: in-memory hash, read()/write() on
            one libevent loop: the round-trip ceiling (targets are against it)
  ceil_bev  the same server on libevent bufferevents (what core::server uses):
            shown for reference, so a gap to the ceiling can be attributed
  warm      lookupd with every key already cached
  nocache   lookupd with the cache disabled (one MySQL query per lookup)
  native    bench/native_mysql: one MySQL query per lookup per client thread,
            the Postfix mysql: table way

Each cell is the median (by lookups/s) of --repeat runs of --duration seconds,
the four targets interleaved so drift hits them alike. Prints a table, the
Com_select delta over a pass that asks every (cached) key again, and PASS/MISS
per target. Exit status is 0 even on MISS; 1 only when the bench itself could
not run. Every server started here is stopped by PID at the end.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from mariadb_private import PrivateMariaDB  # noqa: E402

MAILBOX_QUERY = "SELECT maildir FROM mailbox WHERE username='%s' AND active='1'"
DOMAINS = 100

# Used only when schema/postfixadmin-3.3.sql is not in the tree: the two PFA 3.3 tables the bench touches.
FALLBACK_SCHEMA = """
CREATE TABLE `domain` (
  `domain` varchar(255) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  `description` varchar(255) CHARACTER SET utf8 NOT NULL,
  `aliases` int(10) NOT NULL DEFAULT 0, `mailboxes` int(10) NOT NULL DEFAULT 0,
  `maxquota` bigint(20) NOT NULL DEFAULT 0, `quota` bigint(20) NOT NULL DEFAULT 0,
  `transport` varchar(255) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  `backupmx` tinyint(1) NOT NULL DEFAULT 0,
  `created` datetime NOT NULL DEFAULT '2000-01-01 00:00:00',
  `modified` datetime NOT NULL DEFAULT '2000-01-01 00:00:00',
  `active` tinyint(1) NOT NULL DEFAULT 1, `password_expiry` int(11) DEFAULT 0,
  PRIMARY KEY (`domain`)) ENGINE=InnoDB DEFAULT CHARSET=latin1;
CREATE TABLE `mailbox` (
  `username` varchar(255) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  `password` varchar(255) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  `name` varchar(255) CHARACTER SET utf8mb4 NOT NULL,
  `maildir` varchar(255) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  `quota` bigint(20) NOT NULL DEFAULT 0,
  `local_part` varchar(255) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  `domain` varchar(255) CHARACTER SET latin1 COLLATE latin1_general_ci NOT NULL,
  `created` datetime NOT NULL DEFAULT '2000-01-01 00:00:00',
  `modified` datetime NOT NULL DEFAULT '2000-01-01 00:00:00',
  `active` tinyint(1) NOT NULL DEFAULT 1,
  `phone` varchar(30) CHARACTER SET utf8 NOT NULL DEFAULT '',
  `email_other` varchar(255) CHARACTER SET utf8 NOT NULL DEFAULT '',
  `token` varchar(255) CHARACTER SET utf8 NOT NULL DEFAULT '',
  `token_validity` datetime NOT NULL DEFAULT '2000-01-01 00:00:00',
  `password_expiry` datetime NOT NULL DEFAULT '2000-01-01 00:00:00',
  PRIMARY KEY (`username`), KEY `domain` (`domain`)) ENGINE=InnoDB DEFAULT CHARSET=latin1;
"""


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


def build(build_dir):
    if not os.path.exists(os.path.join(build_dir, "build.ninja")):
        subprocess.run(["meson", "setup", build_dir, "--buildtype=release", "-Dtests=false"], cwd=ROOT,
                       check=True, stdout=subprocess.DEVNULL)
    targets = ["bench/loadgen", "bench/ceiling_server", "bench/native_mysql"]
    if os.path.exists(os.path.join(ROOT, "lookupd", "main.cc")):
        targets.append("lookupd/lookupd")
    subprocess.run(["ninja", "-C", build_dir, "-j2"] + targets, cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)


def load_mailboxes(db, count, keys_path):
    """Schema plus COUNT mailboxes in multi-row INSERTs; writes the key file (username<TAB>maildir)."""
    schema = os.path.join(ROOT, "schema", "postfixadmin-3.3.sql")
    db.sql(open(schema).read() if os.path.exists(schema) else FALLBACK_SCHEMA)
    stmts = ["INSERT INTO domain (domain, description, transport) VALUES " +
             ",".join("('dom%d.test','','virtual')" % d for d in range(DOMAINS)) + ";"]
    rows = []
    with open(keys_path, "w") as keys:
        for i in range(count):
            dom = "dom%d.test" % (i % DOMAINS)
            user, maildir = "user%d@%s" % (i, dom), "%s/user%d/" % (dom, i)
            keys.write("%s\t%s\n" % (user, maildir))
            rows.append("('%s','{CRYPT}x','User %d','%s',0,'user%d','%s',1)" % (user, i, maildir, i, dom))
            if len(rows) == 2000 or i == count - 1:
                stmts.append("INSERT INTO mailbox (username,password,name,maildir,quota,local_part,domain,active)"
                             " VALUES " + ",".join(rows) + ";")
                rows = []
    db.sql("SET autocommit=0;\n" + "\n".join(stmts) + "\nCOMMIT;\nANALYZE TABLE mailbox;")
    got = int(db.sql("SELECT COUNT(*) FROM mailbox;").strip())
    if got != count:
        raise RuntimeError("loaded %d mailboxes, wanted %d" % (got, count))


def socketmap_query(path, name, key, timeout=2.0):
    """One socketmap exchange over a unix socket; returns the reply payload."""
    payload = ("%s %s" % (name, key)).encode()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(path)
        s.sendall(b"%d:%s," % (len(payload), payload))
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
            head, _, rest = data.partition(b":")
            if head.isdigit() and len(rest) >= int(head) + 1:
                return rest[:int(head)].decode(errors="replace")
    raise RuntimeError("no reply from " + path)


class Procs:
    """Background servers started by the bench, stopped by PID."""

    def __init__(self):
        self.procs = []

    def start(self, argv, log_path):
        with open(log_path, "ab") as out:
            p = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append(p)
        return p

    def stop_all(self):
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def wait_socket(proc, path, name, key, log_path, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("%s exited (%s):\n%s" % (path, proc.returncode, tail(log_path)))
        if os.path.exists(path):
            try:
                return socketmap_query(path, name, key)
            except OSError:
                pass
        time.sleep(0.05)
    raise RuntimeError("%s did not answer:\n%s" % (path, tail(log_path)))


def tail(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()[-2000:]
    except OSError:
        return "(no log)"


def start_lookupd(procs, binary, tmp, label, db, ttl, cache_size):
    cdir = os.path.join(tmp, "lookupd-" + label)
    os.makedirs(cdir)
    cf = os.path.join(cdir, "mailbox.cf")
    with open(cf, "w") as f:
        f.write("hosts = unix:%s\nuser = %s\npassword = %s\ndbname = %s\nquery = %s\n"
                % (db.socket, db.user, db.password, db.dbname, MAILBOX_QUERY))
    sock = os.path.join(cdir, "lookupd.sock")
    logf = os.path.join(cdir, "maillog")
    with open(os.path.join(cdir, "vmailkit.cf"), "w") as f:
        f.write("lookupd_listen = unix:%s\nlookupd_map_mailbox = mysql:%s\nlookupd_address_maps = mailbox\n"
                "lookupd_cache_ttl = %s\nlookupd_negative_ttl = %s\nlookupd_cache_size = %d\n"
                "lookupd_stats_interval = 0\nmaillog_file = %s\n"
                % (sock, cf, ttl, ttl, cache_size, logf))
    p = procs.start([binary, "-c", cdir], os.path.join(cdir, "stderr"))
    first = wait_socket(p, sock, "mailbox", "user0@dom0.test", os.path.join(cdir, "stderr"))
    if not first.startswith("OK "):
        raise RuntimeError("lookupd-%s answered %r for an existing mailbox; log:\n%s" % (label, first, tail(logf)))
    return sock, logf, p.pid


def proc_cpu(pids):
    """User+system CPU seconds used so far by PIDS (from /proc/PID/stat)."""
    total = 0
    for pid in pids:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def run_json(argv):
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    line = r.stdout.decode().strip().splitlines()
    if not line:
        raise RuntimeError("%s printed nothing (exit %d): %s" % (argv[0], r.returncode, r.stderr.decode()[-1000:]))
    return json.loads(line[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build-bench"))
    ap.add_argument("--no-build", action="store_true", help="use --build-dir as it is")
    ap.add_argument("--mailboxes", type=int, default=100000)
    ap.add_argument("--conns", default="1,8,32")
    ap.add_argument("--duration", type=float, default=3.0, help="seconds per measurement")
    ap.add_argument("--repeat", type=int, default=3, help="runs per cell; the median by lookups/s is shown")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (logs, datadir)")
    ap.add_argument("--json", help="also write all results to this file")
    ap.add_argument("--nice", type=int, default=-10 if os.geteuid() == 0 else 0,
                    help="scheduling priority change for the bench and every server it starts (root: -10), so"
                         " other work on the machine disturbs the figures less")
    ap.add_argument("--profile", action="store_true",
                    help="after the table, perf-record lookupd (warm and nocache, 8 connections) and print the top")
    args = ap.parse_args()
    conns = [int(c) for c in args.conns.split(",")]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))

    t_start = time.time()
    load_start = os.getloadavg()[0]
    if args.nice:
        os.nice(args.nice)
    if not args.no_build:
        log("building %s (release)" % args.build_dir)
        build(args.build_dir)
    bindir = os.path.join(args.build_dir, "bench")
    lookupd_bin = os.path.join(args.build_dir, "lookupd", "lookupd")
    have_lookupd = os.path.exists(lookupd_bin)
    if not have_lookupd:
        log("%s not built: lookupd rows will be missing" % lookupd_bin)

    tmp = tempfile.mkdtemp(prefix="vmk-bench-")
    procs = Procs()
    db = PrivateMariaDB(tmp)
    try:
        log("starting private MariaDB in %s" % tmp)
        db.start()
        keys = os.path.join(tmp, "keys.tsv")
        log("loading %d mailboxes" % args.mailboxes)
        load_mailboxes(db, args.mailboxes, keys)

        ceil_sock = os.path.join(tmp, "ceiling.sock")
        cp = procs.start([os.path.join(bindir, "ceiling_server"), "--listen=unix:" + ceil_sock, "--map=" + keys],
                         os.path.join(tmp, "ceiling.log"))
        wait_socket(cp, ceil_sock, "mailbox", "user0@dom0.test", os.path.join(tmp, "ceiling.log"))
        bev_sock = os.path.join(tmp, "ceiling-bev.sock")
        bp = procs.start([os.path.join(bindir, "ceiling_server"), "--listen=unix:" + bev_sock, "--map=" + keys,
                          "--io=bufferevent"], os.path.join(tmp, "ceiling-bev.log"))
        wait_socket(bp, bev_sock, "mailbox", "user0@dom0.test", os.path.join(tmp, "ceiling-bev.log"))
        targets = {"ceiling": ceil_sock, "ceil_bev": bev_sock}
        # Processes whose CPU time is charged to each target's lookups.
        servers = {"ceiling": [cp.pid], "ceil_bev": [bp.pid], "native": [db.proc.pid]}
        if have_lookupd:
            size = 2 * args.mailboxes
            targets["warm"], _, pid = start_lookupd(procs, lookupd_bin, tmp, "warm", db, "1h", size)
            servers["warm"] = [pid, db.proc.pid]
            targets["nocache"], _, pid = start_lookupd(procs, lookupd_bin, tmp, "nocache", db, "0", size)
            servers["nocache"] = [pid, db.proc.pid]

        loadgen = os.path.join(bindir, "loadgen")
        native = [os.path.join(bindir, "native_mysql"), "--keys=" + keys, "--socket=" + db.socket,
                  "--user=" + db.user, "--password=" + db.password, "--dbname=" + db.dbname,
                  "--query=" + MAILBOX_QUERY]

        def measure(target, n, seed):
            q0 = db.status("Questions")
            cpu0 = proc_cpu(servers[target])
            if target == "native":
                r = run_json(native + ["--conns=%d" % n, "--duration=%g" % args.duration, "--seed=%d" % seed])
            else:
                r = run_json([loadgen, "--connect=unix:" + targets[target], "--keys=" + keys, "--name=mailbox",
                              "--conns=%d" % n, "--duration=%g" % args.duration, "--seed=%d" % seed])
            r["server_cpu_s"] = proc_cpu(servers[target]) - cpu0
            r["sql_statements"] = db.status("Questions") - q0 - 1  # minus the SHOW STATUS itself
            return r

        results = {"mailboxes": args.mailboxes, "cells": {}}
        if have_lookupd:
            log("warming lookupd's cache: every key once")
            w = run_json([loadgen, "--connect=unix:" + targets["warm"], "--keys=" + keys, "--order=seq",
                          "--conns=8", "--requests=%d" % args.mailboxes])
            if w["ok"] != args.mailboxes:
                log("warm-up: only %d of %d keys answered OK: %s" % (w["ok"], args.mailboxes, json.dumps(w)))
            before = db.com_select()
            again = run_json([loadgen, "--connect=unix:" + targets["warm"], "--keys=" + keys, "--order=seq",
                              "--conns=8", "--requests=%d" % args.mailboxes])
            after = db.com_select()
            results["com_select"] = {"before": before, "after": after, "requests": again["requests"],
                                     "ok": again["ok"]}
            log("re-ask pass: %d requests, Com_select %d -> %d" % (again["requests"], before, after))

        order = ["ceiling", "ceil_bev"] + (["warm", "nocache"] if have_lookupd else []) + ["native"]
        for n in conns:
            runs = {t: [] for t in order}
            for r in range(args.repeat):
                for t in order:
                    runs[t].append(measure(t, n, r + 1))
            for t in order:
                cell = sorted(runs[t], key=lambda x: x["rps"])[len(runs[t]) // 2]
                cell["rps_all"] = [x["rps"] for x in runs[t]]
                results["cells"]["%s/%d" % (t, n)] = cell
            log("done %d connections (%.0fs elapsed)" % (n, time.time() - t_start))
        if have_lookupd:
            try:
                results["lookupd_stats"] = socketmap_query(targets["warm"], "__stats", "x")
            except (OSError, RuntimeError) as e:
                results["lookupd_stats"] = "(unavailable: %s)" % e
        results["elapsed_s"] = round(time.time() - t_start, 1)
        results["loadavg"] = [round(load_start, 2), round(os.getloadavg()[0], 2)]
        report(results, order, conns)
        if args.profile and have_lookupd:
            for t in ("warm", "nocache"):
                profile(t, servers[t][0], tmp, args.duration,
                        [loadgen, "--connect=unix:" + targets[t], "--keys=" + keys, "--name=mailbox", "--conns=8",
                         "--duration=%g" % args.duration])
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


def profile(label, pid, tmp, duration, loadgen_argv):
    """perf record (cpu-clock, call graphs) of PID while loadgen runs; print the hottest symbols."""
    perf = shutil.which("perf")
    if not perf:
        print("\nprofile: perf not installed (apt-get install linux-perf)")
        return
    data = os.path.join(tmp, "perf-%s.data" % label)
    rec = subprocess.Popen([perf, "record", "-q", "-e", "cpu-clock", "-g", "-p", str(pid), "-o", data, "--",
                            "sleep", "%g" % (duration + 0.5)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(0.3)
    r = run_json(loadgen_argv)
    rec.wait()
    out = subprocess.run([perf, "report", "-i", data, "--stdio", "--no-children", "-g", "none",
                          "--percent-limit", "1.5", "-F", "overhead,dso,sym"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout.decode(errors="replace")
    lines = [ln for ln in out.splitlines() if ln.strip() and not ln.startswith("#")]
    print("\nprofile of lookupd (%s, 8 connections, %.0f lookups/s during the profile): self time by symbol"
          % (label, r["rps"]))
    for ln in lines[:30]:
        print("  " + ln.rstrip()[:150])


def report(results, order, conns):
    cells = results["cells"]
    print("\nlookupd socketmap benchmark: %d mailboxes, medians of repeated runs, one machine, same run"
          % results["mailboxes"])
    print("%-8s %5s %10s %9s %9s %8s %8s %7s %7s %6s  %s" % (
        "target", "conns", "lookups/s", "p50_us", "p99_us", "xceiling", "xnative", "srv_us", "cli_us", "sql",
        "answers"))
    for n in conns:
        ceil, nat = cells["ceiling/%d" % n], cells["native/%d" % n]
        for t in order:
            c = cells["%s/%d" % (t, n)]
            bad = c["requests"] - c["ok"]
            answers = "all OK" if bad == 0 else "NOT OK: notfound=%d temp=%d perm=%d errors=%d" % (
                c["notfound"], c["temp"], c["perm"], c["errors"])
            per_op = 1e6 / max(c["requests"], 1)
            print("%-8s %5d %10.0f %9.1f %9.1f %8.2f %8.2f %7.1f %7.1f %6.2f  %s" % (
                t, n, c["rps"], c["p50_us"], c["p99_us"], c["rps"] / max(ceil["rps"], 1),
                c["rps"] / max(nat["rps"], 1), c["server_cpu_s"] * per_op, c["client_cpu_s"] * per_op,
                c["sql_statements"] / max(c["requests"], 1), answers))
    print("srv_us / cli_us: CPU microseconds per lookup used by the server side (lookupd + mariadbd;"
          " mariadbd for native) and by the client (loadgen / native_mysql threads); sql: MariaDB"
          " statements (Questions) per lookup")
    if "warm/%d" % conns[0] not in cells:
        print("\nlookupd was not built: no targets checked")
        return
    checks = []
    for n in (8, 32):
        if "warm/%d" % n not in cells:
            continue
        w, ceil, nat = cells["warm/%d" % n], cells["ceiling/%d" % n], cells["native/%d" % n]
        checks.append(("warm %d conns: lookups/s >= 0.90 x ceiling" % n, w["rps"] / ceil["rps"], 0.90))
        checks.append(("warm %d conns: lookups/s >= 1.3 x native" % n, w["rps"] / nat["rps"], 1.3))
    if "warm/8" in cells:
        w, ceil = cells["warm/8"], cells["ceiling/8"]
        checks.append(("warm 8 conns: p99 < 1000 us", 1000.0 / max(w["p99_us"], 0.001), 1.0 + 1e-9,
                       "%.1f us" % w["p99_us"]))
        checks.append(("warm 8 conns: p99 <= 1.5 x ceiling p99", 1.5 * ceil["p99_us"] / max(w["p99_us"], 0.001),
                       1.0, "%.2f x" % (w["p99_us"] / ceil["p99_us"])))
    for n in conns:
        c, nat = cells["nocache/%d" % n], cells["native/%d" % n]
        checks.append(("cache off %d conns: lookups/s >= 0.7 x native" % n, c["rps"] / nat["rps"], 0.7))
    print("\ntargets:")
    for chk in checks:
        name, value, want = chk[0], chk[1], chk[2]
        shown = chk[3] if len(chk) > 3 else "%.2f" % value
        print("  %-4s %-46s %s" % ("PASS" if value >= want else "MISS", name, shown))
    cs = results["com_select"]
    delta = cs["after"] - cs["before"]
    print("  %-4s %-46s Com_select %d -> %d (+%d) over %d re-asked keys (%d OK)" % (
        "PASS" if delta == 0 and cs["ok"] == cs["requests"] else "MISS", "warm: no MySQL query for cached keys",
        cs["before"], cs["after"], delta, cs["requests"], cs["ok"]))
    print("\nlookupd __stats (warm instance): %s" % results.get("lookupd_stats"))
    print("elapsed: %.0f s; 1-min load average before the build %.2f, at the end %.2f on %d CPUs%s" % (
        results["elapsed_s"], results["loadavg"][0], results["loadavg"][1], os.cpu_count(),
        " (other work was running: figures are noisy)" if results["loadavg"][0] > 1.0 else ""))


if __name__ == "__main__":
    try:
        main()
    except (RuntimeError, subprocess.CalledProcessError) as e:
        print("bench: failed: %s" % e, file=sys.stderr)
        sys.exit(1)
