#!/usr/bin/python3
"""bench/stack/run.py - end-to-end delivery throughput of three Postfix stacks.

smtp-source sends MESSAGES messages of SIZE bytes over SESSIONS parallel SMTP
sessions into a private Postfix 3.7 on loopback; the clock stops when the
maillog shows every message delivered (status=sent), and the Maildir files
are counted afterwards. The stacks, measured in the same run, one after the
other, each with a fresh Postfix instance and an empty mail store:

  vmailkit  maps by socketmap to lookupd (Postfix Admin mysql_*.cf files),
            virtual_transport = the vdelivery pipe(8) entry of
            postfix-snippets/vdelivery-master.cf + vdelivery-main.cf;
            vdelivery's mailbox_maps and quota_maps also go to lookupd
  virtual   stock: proxy:mysql maps (smtpd, cleanup, trivial-rewrite) and
            virtual(8) (virtual_mailbox_maps = mysql:, as virtual(8) ignores
            proxy:), static uid/gid
  lda       stock proxy:mysql maps and a pipe(8) to dovecot-lda -d (a private
            Dovecot for the userdb, passwd-file: Dovecot asks MySQL nothing)

Recipients: smtp-source has no random-recipient mode; -N gives message k the
recipient <k>x@bench.test, so one run delivers to 2000 different mailboxes
out of the 10,000 in the database (<1..10000>x@bench.test). Caches are warm
for vmailkit: lookupd has looked up all 10,000 addresses before the first run
(lookupd_cache_ttl and lookupd_negative_ttl raised to 1h for the benchmark);
InnoDB has every row in memory for all stacks.
MySQL queries per message: the server's Com_select delta over the run,
divided by the messages delivered.

Usage: bench/stack/run.py [--runs 3] [--messages 2000] [--sessions 20]
Needs root, the packages of .ci/run, and a build (VMAILKIT_BUILD_DIR, default
build/). Prints one line per stack and run, then ratios and ranges.
"""

import argparse
import os
import pwd
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))

from harness import common, pfa  # noqa: E402
from harness.dovecot import Dovecot  # noqa: E402
from harness.lookupd import Lookupd  # noqa: E402
from harness.mariadb import MariaDB  # noqa: E402
from harness.postfix import Postfix  # noqa: E402

DOMAIN = "bench.test"
USER = "nobody"
QUOTA = 1 << 30  # bytes per mailbox: quota code runs, never refuses
LDA = "/usr/lib/dovecot/dovecot-lda"


def populate(db, n):
    """One domain, N mailboxes <i>x@bench.test with Postfix Admin's self-alias each."""
    db.sql("INSERT INTO domain (domain, description, transport) VALUES ('%s', 'bench', 'virtual');" % DOMAIN)
    step = 2000
    for lo in range(1, n + 1, step):
        ids = range(lo, min(n, lo + step - 1) + 1)
        db.sql("INSERT INTO mailbox (username, password, name, maildir, quota, local_part, domain) VALUES "
               + ",".join("('%dx@%s', '', '', '%s/%dx/', %d, '%dx', '%s')" % (i, DOMAIN, DOMAIN, i, QUOTA, i, DOMAIN)
                          for i in ids) + ";")
        db.sql("INSERT INTO alias (address, goto, domain) VALUES "
               + ",".join("('%dx@%s', '%dx@%s', '%s')" % (i, DOMAIN, i, DOMAIN, DOMAIN) for i in ids) + ";")


def com_select(db):
    out = db.sql("SHOW GLOBAL STATUS LIKE 'Com_select';", db=False)
    return int(out.split()[1])


def write_cf(path, db, query):
    with open(path, "w") as f:
        f.write(db.cf_text(hosts=db.hosts_inet) + "query = %s\n" % query)
    os.chmod(path, 0o644)
    return path


class Bench:
    def __init__(self, args):
        self.args = args
        self.work = tempfile.mkdtemp(prefix="vmk-stackbench-")
        os.chmod(self.work, 0o755)
        self.uid = pwd.getpwnam(USER).pw_uid
        self.gid = pwd.getpwnam(USER).pw_gid
        self.db = self.lookupd = self.dovecot = None

    # -- shared servers ----------------------------------------------------
    def start_servers(self):
        self.db = MariaDB(schema=pfa.SCHEMA, tmp_root=self.work)
        self.db.start()
        populate(self.db, self.args.mailboxes)
        self.cf = {}
        for name in ("domains", "alias", "alias_domain", "alias_domain_catchall", "mailbox", "alias_domain_mailbox"):
            path = os.path.join(self.work, pfa.TABLES[name][0])
            with open(path, "w") as f:
                f.write(pfa.cf_body(name, self.db, hosts=self.db.hosts_inet))
            os.chmod(path, 0o644)
            self.cf[name] = "mysql:" + path
        quota_cf = write_cf(os.path.join(self.work, "quota.cf"), self.db,
                            "SELECT quota FROM mailbox WHERE username='%s' AND active = '1'")
        maps = {
            "virtual_domains": [self.cf["domains"]],
            "virtual_mailbox": [self.cf["mailbox"], self.cf["alias_domain_mailbox"]],
            "virtual_alias": [self.cf["alias"], self.cf["alias_domain"], self.cf["alias_domain_catchall"]],
            "quota": ["mysql:" + quota_cf],
        }
        self.lookupd = Lookupd(maps=maps, address_maps=["virtual_alias", "virtual_mailbox"], tmp_root=self.work,
                               params={"lookupd_propagate_extension_maps": "virtual_alias",
                                       "lookupd_cache_ttl": "1h", "lookupd_negative_ttl": "1h",
                                       "lookupd_stats_interval": "0"})
        self.lookupd.start()
        self.warm_lookupd()
        if os.access(LDA, os.X_OK):
            users = {"%dx@%s" % (i, DOMAIN): (self.maildir_home(i), "*:storage=%dB" % QUOTA)
                     for i in range(1, self.args.mailboxes + 1)}
            self.dovecot = Dovecot(users=users, uid=self.uid, gid=self.gid)
            self.dovecot.start()
            os.chmod(self.dovecot.dir, 0o755)  # dovecot-lda runs as USER: reach run/auth-userdb
            self.lda_log = os.path.join(self.work, "lda.log")
            open(self.lda_log, "a").close()
            os.chown(self.lda_log, self.uid, self.gid)

    def maildir_home(self, i):
        # The store of the current run is a symlink, so Dovecot's fixed homes follow it.
        return os.path.join(self.work, "store", DOMAIN, "%dx" % i)

    def warm_lookupd(self):
        """Ask lookupd for every address once (and the domain) so the runs hit its cache."""
        keys = "".join("%dx@%s\n" % (i, DOMAIN) for i in range(1, self.args.mailboxes + 1))
        postmap = common.require("postmap", "postfix")
        conf = os.path.join(self.work, "postmap-conf")
        os.makedirs(conf, exist_ok=True)
        open(os.path.join(conf, "main.cf"), "w").close()
        for m in ("virtual_mailbox", "virtual_alias", "quota", "virtual_domains"):
            data = (DOMAIN + "\n") if m == "virtual_domains" else keys
            r = subprocess.run([postmap, "-c", conf, "-q", "-", self.lookupd.socketmap(m)],
                               input=data.encode(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            found = len(r.stdout.splitlines())
            if found != len(data.splitlines()):
                raise RuntimeError("warm-up %s: %d of %d found: %s" % (m, found, len(data.splitlines()), r.stderr))

    # -- one stack ---------------------------------------------------------
    def postfix_for(self, stack, store):
        """STACK is vmailkit, virtual or lda; vmailkit may carry diagnostic
        variants: vmailkit:maxproc=N (master.cf process limit of the pipe
        entry), vmailkit:conc=N (vdelivery_destination_concurrency_limit),
        vmailkit:nofsync (vdelivery_fsync = no), vmailkit:wrap (vdelivery
        started through /usr/bin/env: the cost of one more exec),
        vmailkit:nodirsync (through env with LD_PRELOAD=skip_dir_fsync.so:
        only the file is fsynced, as virtual(8) does), joined by '+'."""
        stack, _, variant = stack.partition(":")
        opts = dict(v.partition("=")[::2] for v in variant.split("+") if v)
        proxy = lambda names: ", ".join("proxy:" + self.cf[n] for n in names)  # noqa: E731
        main = {"virtual_alias_domains": "", "virtual_mailbox_base": store,
                "smtpd_client_connection_count_limit": "0", "smtpd_client_connection_rate_limit": "0"}
        extra = ""
        if stack == "vmailkit":
            ld = self.lookupd
            main.update({"virtual_mailbox_domains": ld.socketmap("virtual_domains"),
                         "virtual_mailbox_maps": ld.socketmap("virtual_mailbox"),
                         "virtual_alias_maps": ld.socketmap("virtual_alias")})
            snippet = os.path.join(REPO, "postfix-snippets", "vdelivery-main.cf")
            main.update(dict(re.findall(r"^(\w+)\s*=\s*(.*)$", open(snippet).read(), re.M)))
            etc = os.path.join(self.work, "vd-etc")
            os.makedirs(etc, exist_ok=True)
            with open(os.path.join(etc, "vmailkit.cf"), "w") as f:
                f.write("mailbox_base = %s\nmailbox_maps = %s\nquota_maps = %s\nrecipient_delimiter = +\n"
                        "maillog_file = %s\n" % (store, ld.socketmap("virtual_mailbox"), ld.socketmap("quota"),
                                                 os.path.join(self.work, "vdelivery.log")))
            log = os.path.join(self.work, "vdelivery.log")
            open(log, "a").close()
            os.chown(log, self.uid, self.gid)
            master = open(os.path.join(REPO, "postfix-snippets", "vdelivery-master.cf")).read()
            master = "".join(l + "\n" for l in master.splitlines() if l and not l.startswith("#"))
            vd = os.path.join(common.build_dir(), "vdelivery", "vdelivery")
            extra = master.replace("user=vmail", "user=" + USER).replace(
                "argv=/usr/local/bin/vdelivery", "argv=%s -c %s" % (vd, etc))
            if "wrap" in opts or "nodirsync" in opts:
                env = ["/usr/bin/env", "VMK_BENCH=1"]
                if "nodirsync" in opts:
                    env.append("LD_PRELOAD=" + self.shim())
                extra = extra.replace("argv=" + vd, "argv=%s %s" % (" ".join(env), vd))
            if "maxproc" in opts:
                extra = re.sub(r"^(vdelivery\s+unix(\s+\S+){4}\s+)-", r"\g<1>" + opts["maxproc"], extra)
                assert opts["maxproc"] in extra.split("\n")[0], extra
            if "conc" in opts:
                main["vdelivery_destination_concurrency_limit"] = opts["conc"]
            if "nofsync" in opts:
                with open(os.path.join(etc, "vmailkit.cf"), "a") as f:
                    f.write("vdelivery_fsync = no\n")
        else:
            main.update({"virtual_mailbox_domains": proxy(["domains"]),
                         "virtual_mailbox_maps": proxy(["mailbox", "alias_domain_mailbox"]),
                         "virtual_alias_maps": proxy(["alias", "alias_domain", "alias_domain_catchall"])})
            if stack == "virtual":
                main.update({"virtual_transport": "virtual", "virtual_uid_maps": "static:%d" % self.uid,
                             "virtual_gid_maps": "static:%d" % self.gid, "virtual_minimum_uid": "100"})
                extra = "virtual   unix  -       n       n       -       -       virtual\n"
            else:
                main.update({"virtual_transport": "dovecot", "dovecot_destination_recipient_limit": "1"})
                extra = ("dovecot   unix  -       n       n       -       -       pipe\n"
                         "  flags=DRhu user=%s argv=%s -c %s -o log_path=%s -o stats_writer_socket_path=\n"
                         "  -f ${sender} -a ${original_recipient} -d ${recipient}\n"
                         % (USER, LDA, self.dovecot.conf, self.lda_log))
        return Postfix(main=main, master_extra=extra, tmp_root=self.work)

    def shim(self):
        """Build bench/stack/skip_dir_fsync.c once (diagnostic variant only)."""
        so = os.path.join(self.work, "skip_dir_fsync.so")
        if not os.path.exists(so):
            subprocess.run(["cc", "-shared", "-fPIC", "-O2", "-o", so, os.path.join(HERE, "skip_dir_fsync.c"), "-ldl"],
                           check=True)
            os.chmod(so, 0o755)
        return so

    def run_stack(self, stack):
        a = self.args
        store = os.path.join(self.work, "store-" + re.sub(r"\W", "_", stack))
        shutil.rmtree(store, ignore_errors=True)
        os.makedirs(store)
        os.chown(store, self.uid, self.gid)
        link = os.path.join(self.work, "store")
        if os.path.lexists(link):
            os.unlink(link)
        os.symlink(store, link)
        pf = self.postfix_for(stack, link)
        pf.start()
        try:
            src = common.require("smtp-source", "postfix")
            q0 = com_select(self.db)
            t0 = time.monotonic()
            r = subprocess.run([src, "-s", str(a.sessions), "-m", str(a.messages), "-l", str(a.size), "-N",
                                "-f", "bench@client.test", "-t", "x@" + DOMAIN, "127.0.0.1:%d" % pf.port],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=900)
            t_inject = time.monotonic() - t0
            if r.returncode != 0:
                raise RuntimeError("smtp-source: %s" % r.stdout.decode(errors="replace"))
            sent = 0
            deadline = time.monotonic() + 900
            while time.monotonic() < deadline:
                text = pf.log_text()
                sent = len(re.findall(r" status=sent ", text))
                if sent >= a.messages:
                    break
                m = re.search(r".* status=(deferred|bounced) .*", text)
                if m:
                    raise RuntimeError("%s: a delivery failed: %s" % (stack, m.group(0)))
                time.sleep(0.05)
            t_all = time.monotonic() - t0
            q1 = com_select(self.db)
            text = pf.log_text()
            bad = len(re.findall(r" status=(deferred|bounced) ", text))
            files = sum(len(os.listdir(os.path.join(d, "new"))) for d, dirs, _ in os.walk(store) if "new" in dirs)
            if sent < a.messages or files != a.messages:
                raise RuntimeError("%s: %d sent in the log, %d Maildir files, %d deferred/bounced; log tail:\n%s"
                                   % (stack, sent, files, bad, text[-3000:]))
            # delays=a/b/c/d: d is the time inside the delivery agent (pipe: the command).
            d = [float(x) for x in re.findall(r" delays=[\d.]+/[\d.]+/[\d.]+/([\d.]+), dsn=2", text)]
            return {"rate": a.messages / t_all, "t_inject": t_inject, "t_all": t_all,
                    "qpm": (q1 - q0) / a.messages, "bad": bad, "d_ms": 1000 * statistics.mean(d) if d else 0}
        finally:
            pf.cleanup()

    def cleanup(self):
        for s in (self.dovecot, self.lookupd, self.db):
            if s is not None:
                try:
                    s.cleanup() if hasattr(s, "cleanup") else s.stop()
                except Exception as e:  # noqa: BLE001
                    print("cleanup: %s" % e, file=sys.stderr)
        if os.environ.get("VMAILKIT_KEEP_TMP") != "1":
            shutil.rmtree(self.work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--messages", type=int, default=2000)
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--size", type=int, default=4096)
    ap.add_argument("--mailboxes", type=int, default=10000)
    ap.add_argument("--stacks", default="vmailkit,virtual,lda")
    args = ap.parse_args()
    stacks = args.stacks.split(",")
    b = Bench(args)
    results = {s: [] for s in stacks}
    try:
        t = time.monotonic()
        b.start_servers()
        if b.dovecot is None and "lda" in stacks:
            stacks.remove("lda")
            print("dovecot-lda not installed: lda stack skipped")
        print("setup (MariaDB, %d mailboxes, lookupd warm-up, Dovecot): %.0f s; load average %s" % (
            args.mailboxes, time.monotonic() - t, open("/proc/loadavg").read().split()[0]))
        print("%-4s %-22s %8s %9s %8s %8s %9s" % ("run", "stack", "msgs/s", "inject_s", "total_s", "sql/msg",
                                                   "agent_ms"))
        for run in range(1, args.runs + 1):
            k = (run - 1) % len(stacks)  # rotate the order: load drifts over a run
            for s in stacks[k:] + stacks[:k]:
                r = b.run_stack(s)
                results[s].append(r)
                print("%-4d %-22s %8.1f %9.2f %8.2f %8.2f %9.1f%s" % (
                    run, s, r["rate"], r["t_inject"], r["t_all"], r["qpm"], r["d_ms"],
                    "  (%d deferred/bounced first)" % r["bad"] if r["bad"] else ""), flush=True)
            if "virtual" in stacks:
                ratios = ["%s %.2f" % (s, results[s][-1]["rate"] / results["virtual"][-1]["rate"])
                          for s in stacks if s != "virtual"]
                print("     run %d throughput / stock virtual(8): %s" % (run, ", ".join(ratios)), flush=True)
    finally:
        b.cleanup()
    summary(args, stacks, results)


def summary(args, stacks, results):
    """Ranges over the runs, ratios per run against the stock stack, the targets."""
    print("\nranges over %d runs (load average now %s):" % (args.runs, open("/proc/loadavg").read().split()[0]))
    for s in stacks:
        rates = [r["rate"] for r in results[s]]
        q = [r["qpm"] for r in results[s]]
        print("  %-22s msgs/s %6.1f-%6.1f (median %6.1f)   sql/msg %.2f-%.2f" % (
            s, min(rates), max(rates), statistics.median(rates), min(q), max(q)))
    n = args.runs
    for peer in ("virtual", "lda"):
        if peer not in stacks:
            continue
        for s in stacks:
            if s.startswith("vmailkit"):
                rs = [results[s][i]["rate"] / results[peer][i]["rate"] for i in range(n)]
                print("  %-22s / %-8s %.2f-%.2f" % (s, peer, min(rs), max(rs)))
    if "vmailkit" in stacks and "virtual" in stacks:
        q = max(r["qpm"] for r in results["vmailkit"])
        worst = min(results["vmailkit"][i]["rate"] / results["virtual"][i]["rate"] for i in range(n))
        print("targets:")
        print("  %s throughput >= stock virtual(8) stack: worst run ratio %.2f" % ("PASS" if worst >= 1.0 else "MISS", worst))
        print("  %s MySQL queries per message <= 0.2 (warm): worst run %.2f" % ("PASS" if q <= 0.2 else "MISS", q))


if __name__ == "__main__":
    main()
