"""Leaving a harness Stack running and stopping it later (demo --keep).

detach(stack, STATE) takes the stack's servers off the harness's
stop-at-exit lists and records in STATE (JSON) the Postfix config dir, the
PIDs with their executables, and the temp dirs; stop_detached(STATE), from
another process, stops Postfix, signals each PID only while /proc says it
still runs the recorded program, and removes the dirs and STATE.
Errors: OSError, TimeoutError. Not thread-safe.
"""

import json
import os
import shutil

from . import common, pfa
from . import dovecot as dovecot_mod
from . import lookupd as lookupd_mod
from . import postfix as postfix_mod
from . import saslcheck as saslcheck_mod
from .stack import policyd_binary as stack_policyd_binary


def detach(stack, state_file):
    """Leave STACK running after this process exits: take its servers off
    the harness's stop-at-exit lists and write STATE_FILE (JSON) for
    stop_detached()."""
    lookupd_mod._RUNNING.discard(stack.lookupd)
    saslcheck_mod._RUNNING.discard(stack.saslcheck)
    postfix_mod._RUNNING.discard(stack.pf)
    pfa._RUNNING.discard(stack.pfa)
    stack.sink.detach()
    pids = [(stack.pfa.db.pid, stack.pfa.db.mariadbd), (stack.lookupd.proc.pid, stack.lookupd.binary),
            (stack.saslcheck.proc.pid, stack.saslcheck.binary), (stack.sink.process.pid, stack.sink.binary)]
    if stack.policyd:
        stack.policyd.detach()
        pids.append((stack.policyd.pid, stack_policyd_binary()))
    if stack.dovecot:
        dovecot_mod._RUNNING.discard(stack.dovecot)
        pids.append((stack.dovecot.proc.pid, stack.dovecot.dovecot))
    dirs = [stack.dir, stack.pf.dir, stack.lookupd.dir, stack.saslcheck.dir, stack.sink.dir, stack.store.dir,
            stack.pfa.dir, stack.pfa.db.dir] + ([stack.dovecot.dir] if stack.dovecot else [])
    state = {"postfix_config": stack.pf.config_dir, "postfix_master_pid": stack.pf.master_pid(),
             "pids": pids, "dirs": [d for d in dirs if d]}
    with open(state_file, "w") as f:
        json.dump(state, f, indent=1)
    return state


def stop_detached(state_file):
    """Stop a stack left running by Stack.detach(); remove its dirs and STATE_FILE.
    Each PID is signalled only when /proc says it still runs the program recorded."""
    with open(state_file) as f:
        state = json.load(f)
    cfg = state.get("postfix_config")
    if cfg and os.path.isdir(cfg):
        common.run([common.require("postfix", "postfix"), "-c", cfg, "stop"])
        pid = state.get("postfix_master_pid")
        if pid:
            common.wait_for(lambda: not common.pid_alive(pid), 20, what="Postfix master to exit")
    for pid, exe in state.get("pids", []):
        try:
            running = os.path.realpath("/proc/%d/exe" % pid) == os.path.realpath(exe)
        except OSError:
            running = False
        if running:
            common.kill_pid(pid, timeout=20)
            common.wait_for(lambda: not common.pid_alive(pid), 20, what="pid %d to exit" % pid)
    for d in state.get("dirs", []):
        shutil.rmtree(d, ignore_errors=True)
    os.unlink(state_file)
