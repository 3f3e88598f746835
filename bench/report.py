"""bench/report.py - the figures table, the target checks and the optional perf profile for run.py.

report() prints one row per target and connection count (lookups/s, p50/p99,
ratios to the ceiling and to native, CPU per lookup, SQL statements per
lookup, answer counts) and PASS/MISS per target from the issue. It only
prints; run.py never fails on a MISS. profile() needs perf (linux-perf).
"""

import os
import shutil
import subprocess
import time


def profile(label, pid, tmp, duration, run_loadgen):
    """perf record (cpu-clock) of PID while RUN_LOADGEN() runs; print the hottest symbols."""
    perf = shutil.which("perf")
    if not perf:
        print("\nprofile: perf not installed (apt-get install linux-perf)")
        return
    data = os.path.join(tmp, "perf-%s.data" % label)
    rec = subprocess.Popen([perf, "record", "-q", "-e", "cpu-clock", "-g", "-p", str(pid), "-o", data, "--",
                            "sleep", "%g" % (duration + 0.5)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(0.3)
    r = run_loadgen()
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
    print("\nlookupd socketmap benchmark: %d mailboxes, %s of %d runs per cell, one machine, same run"
          % (results["mailboxes"], results["pick"], results["repeat"]))
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
    print("elapsed: %.0f s; 1-min load average before the build %.2f, at the end %.2f on %d CPUs%s" % (
        results["elapsed_s"], results["loadavg"][0], results["loadavg"][1], os.cpu_count(),
        " (other work was running: figures are noisy)" if results["loadavg"][0] > 1.0 else ""))
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
