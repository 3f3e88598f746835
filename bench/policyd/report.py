"""bench/policyd/report.py - the figures table, the ratios and PASS/MISS checks, and the optional
perf profile for bench/policyd/run.py. Only prints; run.py never fails on a MISS. profile() needs
perf (linux-perf).
"""

import os
import shutil
import subprocess
import time


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


def profile(label, pid, tmp, duration, run_loadgen):
    """perf record (cpu-clock, with call graphs) of PID while RUN_LOADGEN() runs; print the hottest symbols."""
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
    for mode in (["--no-children", "-g", "none", "--percent-limit", "1.5", "-F", "overhead,dso,sym"],
                 ["--children", "--sort", "sym", "-g", "none", "--percent-limit", "5"]):
        out = subprocess.run([perf, "report", "-i", data, "--stdio"] + mode, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL).stdout.decode(errors="replace")
        lines = [ln for ln in out.splitlines() if ln.strip() and not ln.startswith("#")]
        print("\nprofile of %s (8 connections, %.0f requests/s during the profile): %s" % (
            label, r["rps"], "self time by symbol" if "--no-children" in mode else "inclusive time (children)"))
        for ln in lines[:25]:
            print("  " + ln.rstrip()[:150])
