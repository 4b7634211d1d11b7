#!/usr/bin/python3
"""
Crash safety of realmgate's writes (issue 9, item 10).

A daemon (`realmgate serve`, plain HTTP on 127.0.0.1) and several CLI
processes write users, passwords, groups, ACL entries, API tokens and
realms into one config directory at the same time, while this harness
sends SIGKILL at random moments to the daemon's authd workers, its HTTP
front, its job scheduler and the CLI writers.  Every acknowledged write
(HTTP 200, CLI exit 0) is recorded in a model (model.py).  Every
--check-every kills the writers are paused and the harness checks:

  * every file parses (cfgread.py, strictly) and `realmgate check-config`
    is clean;
  * no acknowledged change is missing (a later acknowledged change to the
    same object may supersede it; an interrupted one may or may not have
    happened);
  * no lock blocks the next write: one write per lock (user.cfg,
    domains.cfg, shadow.cfg, token.cfg) by the CLI and one through the
    daemon each succeed within --lock-bound seconds;
  * no temp file is left anywhere in the config directory.

A kill that took the daemon down is followed by a restart.  At the end it
prints the figures (kills by process kind, writes acknowledged, checks
passed, failures with details) and writes them to --out.  Exit status 0
when nothing failed.

    tests/stress/crash.py [--bin build/realmgate] [--kills 1000] [--out DIR]
"""
import argparse
import collections
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cfgread  # noqa: E402
import model  # noqa: E402
from rglib import REPO, Client, Daemon, cli, cli_ok, new_config_dir, reap_gone  # noqa: E402

ADMIN = "stressadmin@pve"
ADMIN_PW = "stress-admin-pw-1"
LOCK_RE = re.compile(r"lock request timeout|cfs-lock|unable to (acquire|get) lock", re.I)
STATE_RE = re.compile(r"already exists|does not exist|no such", re.I)
KINDS = ("worker", "front", "scheduler", "cli")


class Gate:
    """Writers pass through enter()/leave(); close() waits until none is
    inside and keeps new ones out until open()."""

    def __init__(self):
        self.cond = threading.Condition()
        self.closed = False
        self.inside = 0

    def enter(self, stop):
        with self.cond:
            while self.closed and not stop.is_set():
                self.cond.wait(0.1)
            self.inside += 1

    def leave(self):
        with self.cond:
            self.inside -= 1
            self.cond.notify_all()

    def close(self):
        with self.cond:
            self.closed = True
            while self.inside > 0:
                self.cond.wait(0.1)

    def open(self):
        with self.cond:
            self.closed = False
            self.cond.notify_all()


def proc_age(pid):
    """Seconds since pid started (/proc/PID/stat field 22 against
    /proc/uptime); -1 if it is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            stat = f.read()
        with open("/proc/uptime") as f:
            uptime = float(f.read().split()[0])
    except OSError:
        return -1
    # fields after the command name (which may hold spaces or parentheses)
    rest = stat[stat.rindex(")") + 2:].split()
    start = int(rest[22 - 3]) / os.sysconf("SC_CLK_TCK")
    return uptime - start


class Harness:
    def __init__(self, args):
        self.args = args
        self.bin = os.path.abspath(args.bin)
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.gate = Gate()
        self.failures = []
        self.counts = collections.Counter()
        self.kills = collections.Counter()
        self.kill_misses = collections.Counter()
        self.kill_times = []          # monotonic times of daemon kills
        self.down_incarnations = set()  # Daemon.starts values that went down
        self.settling = threading.Event()  # a daemon kill is being handled
        self.daemon_down = collections.Counter()
        self.daemon_survived = collections.Counter()
        self.too_young = collections.Counter()  # daemon kills skipped: no process old enough
        self.cli_children = {}        # pid -> pidfd of running CLI writers
        self.cli_kill_asked = set()
        self.seen_temps = set()
        self.seen_other = set()
        self.orphans = set()
        self.checks = 0
        self.checks_passed = 0
        self.probe_times = collections.defaultdict(list)
        self.tag_n = 0
        self.objects = []
        self.writers = []

    # --- bookkeeping ----------------------------------------------------
    def fail(self, category, **detail):
        with self.lock:
            detail = dict(detail, category=category,
                          t=round(time.monotonic() - self.t0, 2),
                          kills_so_far=sum(self.kills.values()))
            self.failures.append(detail)
        if self.args.verbose:
            print("FAIL %s: %s" % (category, json.dumps(detail, default=str)[:600]),
                  flush=True)

    def count(self, what, n=1):
        with self.lock:
            self.counts[what] += n

    def tag(self, w):
        with self.lock:
            self.tag_n += 1
            return "w%dn%d" % (w, self.tag_n)

    def interrupted(self, inc, t0, t1):
        """Could a daemon kill explain a failed request sent at t0 to daemon
        incarnation inc and answered at t1?  Yes if that incarnation went
        down (it may answer 500 or drop connections while it shuts down),
        or if a process of the daemon was killed just before or during the
        request (a daemon that survives a kill)."""
        deadline = time.monotonic() + 30
        while self.settling.is_set() and time.monotonic() < deadline:
            time.sleep(0.01)     # the killer has not decided yet
        with self.lock:
            return inc in self.down_incarnations or any(
                t0 - 2.0 <= k <= t1 + 0.05 for k in self.kill_times)

    # --- setup ----------------------------------------------------------
    def setup(self):
        self.tmp = tempfile.mkdtemp(prefix="realmgate-crash-")
        self.cfg = new_config_dir(self.tmp)
        c = lambda *a: cli_ok(self.bin, self.cfg, *a)
        c("user", "add", ADMIN, "--password", ADMIN_PW)
        c("acl", "modify", "/", "--roles", "Administrator", "--users", ADMIN)
        for u in (model.ACL_USER, model.TOKEN_USER, "stressprobe@pve"):
            c("user", "add", u)
        c("group", "add", "stressprobe")
        c("realm", "add", "stressprobe", "--type", "ldap", *model.REALM_BASE)
        os.makedirs(self.args.out, exist_ok=True)
        self.daemon_log = os.path.join(self.args.out, "daemon.log")
        open(self.daemon_log, "wb").close()
        self.daemon = Daemon(self.bin, self.cfg, self.daemon_log,
                             workers=self.args.workers)
        self.daemon.start()
        n = self.args.http_writers + self.args.cli_writers
        for w in range(n):
            objs = model.objects_for(w, self.args.objects)
            self.objects += objs
            self.writers.append((w, "http" if w < self.args.http_writers
                                 else "cli", objs))

    # --- writers --------------------------------------------------------
    def outcome(self, op, ok, message, killed, interrupted, secret=None,
                channel=""):
        """Turn one write's result into the model's outcome."""
        obj = op.obj
        what = "%s %s via %s" % (op.kind, op.name, channel)
        if ok:
            self.count("acked")
            self.count("acked %s" % what)
            if not obj.applied(op, "ack", secret):
                self.fail("acknowledged write impossible in the model "
                          "(an earlier change was lost?)", op=op.label(),
                          channel=channel, states=sorted(map(str, obj.states)),
                          history=obj.history[-8:])
                obj.lost = True     # the next check decides
            return
        if killed or interrupted:
            self.count("interrupted (%s)" % ("CLI killed" if killed
                                             else "daemon killed"))
            obj.applied(op, "maybe", secret)
            return
        if LOCK_RE.search(message):
            self.fail("write refused: lock", op=op.label(), channel=channel,
                      message=message)
            obj.applied(op, "maybe")
            return
        if STATE_RE.search(message) and obj.could_refuse(op):
            self.count("refused (object state unknown after a kill)")
            obj.applied(op, "refused")
            return
        self.fail("write failed without a kill", op=op.label(), channel=channel,
                  message=message, states=sorted(map(str, obj.states)),
                  history=obj.history[-8:])
        obj.applied(op, "maybe")

    def http_writer(self, w, objs):
        c = Client(self.daemon, timeout=30, keepalive=False)
        rnd = random.Random(self.args.seed * 1000 + w)
        while not self.stop.is_set():
            self.gate.enter(self.stop)
            try:
                if self.stop.is_set():
                    return
                if c.ticket is None:
                    a = c.login(ADMIN, ADMIN_PW)
                    if a.status != 200:
                        time.sleep(0.05)
                        continue
                obj = rnd.choice(objs)
                op = obj.ops(self.tag(w))
                method, path, params = op.http
                if op.name == "passwd":
                    params = dict(params)
                    params["confirmation-password"] = ADMIN_PW
                inc = self.daemon.starts
                t0 = time.monotonic()
                a = c.request(method, path, params)
                t1 = time.monotonic()
                if a.status == 0 and not a.sent:
                    self.count("http: daemon not answering (not a write)")
                    time.sleep(0.02)
                    continue
                if a.status == 401:
                    c.ticket = None
                secret = None
                if a.status == 200 and op.secret_from_answer and \
                        isinstance(a.data, dict):
                    secret = a.data.get("value")
                self.outcome(op, a.status == 200,
                             "HTTP %d %s" % (a.status, a.message), False,
                             a.status != 200 and self.interrupted(inc, t0, t1),
                             secret, "http")
            finally:
                self.gate.leave()
            time.sleep(rnd.uniform(0, self.args.pace))

    def cli_writer(self, w, objs):
        rnd = random.Random(self.args.seed * 1000 + w)
        while not self.stop.is_set():
            self.gate.enter(self.stop)
            try:
                if self.stop.is_set():
                    return
                obj = rnd.choice(objs)
                op = obj.ops(self.tag(w))
                p = subprocess.Popen([self.bin, "--config-dir", self.cfg] + op.cli,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
                fd = os.pidfd_open(p.pid)
                with self.lock:
                    self.cli_children[p.pid] = fd
                try:
                    out, err = p.communicate(op.stdin, timeout=60)
                except subprocess.TimeoutExpired:
                    p.kill()
                    out, err = p.communicate()
                    self.fail("CLI writer hung > 60 s", op=op.label())
                with self.lock:
                    del self.cli_children[p.pid]
                    os.close(fd)
                    asked = p.pid in self.cli_kill_asked
                    self.cli_kill_asked.discard(p.pid)
                killed = p.returncode == -signal.SIGKILL
                if asked:
                    with self.lock:
                        if killed:
                            self.kills["cli"] += 1
                        else:
                            self.kill_misses["cli"] += 1
                secret = None
                if p.returncode == 0 and op.secret_from_answer:
                    try:
                        secret = json.loads(out)["value"]
                    except (ValueError, KeyError, TypeError):
                        pass
                self.outcome(op, p.returncode == 0,
                             "exit %s: %s" % (p.returncode, (err or out).strip()[:300]),
                             killed and asked, False, secret, "cli")
            finally:
                self.gate.leave()
            time.sleep(rnd.uniform(0, self.args.pace))

    # --- kills ----------------------------------------------------------
    def kill_cli(self, rnd):
        with self.lock:
            pids = [p for p in self.cli_children if p not in self.cli_kill_asked]
            if not pids:
                return False
            pid = rnd.choice(pids)
            try:
                signal.pidfd_send_signal(self.cli_children[pid], signal.SIGKILL)
            except ProcessLookupError:
                return False
            self.cli_kill_asked.add(pid)
        return True

    def kill_daemon(self, kind, rnd):
        # only processes that lived --min-age s: the supervisor restarts
        # those at once (the contract --settle checks); one that dies
        # younger is taken for a crash loop and restarted after a delay
        # (1 s doubling to 30 s, serve.c schedule_restart)
        pids = [p for p in self.daemon.procs()[kind]
                if proc_age(p) >= self.args.min_age]
        if not pids:
            self.too_young[kind] += 1
            return False
        pid = rnd.choice(pids)
        try:
            fd = os.pidfd_open(pid)
        except OSError:
            return False
        try:
            # still the supervisor's child (not a reused pid)?
            old = self.daemon.all_pids()
            if pid not in old:
                return False
            inc = self.daemon.starts
            self.settling.set()
            signal.pidfd_send_signal(fd, signal.SIGKILL)
        except ProcessLookupError:
            self.settling.clear()
            return False
        finally:
            os.close(fd)
        with self.lock:
            self.kills[kind] += 1
            self.kill_times.append(time.monotonic())
        try:
            self.after_daemon_kill(kind, pid, old, inc)
        finally:
            self.settling.clear()
        return True

    def after_daemon_kill(self, kind, pid, old, inc):
        """Today any process's death stops the daemon: restart it.  A daemon
        that survives must be whole again (the process restarted) soon."""
        if self.daemon.wait_exit(self.args.settle):
            with self.lock:
                self.down_incarnations.add(inc)
            self.daemon_down[kind] += 1
            self.restart(old)
            return
        deadline = time.monotonic() + self.args.settle
        while time.monotonic() < deadline:
            p = self.daemon.procs()
            if pid not in sum(p.values(), []) and p["front"] and p["scheduler"] \
                    and len(p["worker"]) >= self.args.workers:
                self.daemon_survived[kind] += 1
                return
            time.sleep(0.02)
        self.fail("daemon neither exited nor recovered after a kill",
                  kind=kind, pid=pid, procs=self.daemon.procs())
        with self.lock:
            self.down_incarnations.add(inc)
        self.daemon.stop()
        self.restart(old)

    def restart(self, old):
        left = reap_gone(old, 10)
        if left:
            self.fail("daemon processes still alive 10 s after the daemon "
                      "exited (killed by the harness)", pids=left)
        try:
            self.daemon.start()
        except RuntimeError as e:
            self.fail("daemon restart failed", error=str(e))
            time.sleep(1)
            self.daemon.start()
        self.count("daemon restarts")

    # --- checks ---------------------------------------------------------
    def probe(self, name, fn):
        t = time.monotonic()
        ok, msg = fn()
        dt = time.monotonic() - t
        self.probe_times[name].append(dt)
        if not ok or dt > self.args.lock_bound:
            self.fail("next write blocked or failed", probe=name,
                      seconds=round(dt, 2), message=msg,
                      lock_dirs=self.lock_info())
            return False
        return True

    def lock_info(self):
        out = {}
        ld = os.path.join(self.cfg, "priv", "lock")
        for n in cfgread.lock_dirs(self.cfg):
            try:
                st = os.stat(os.path.join(ld, n))
                age = round(time.time() - st.st_mtime, 1)
                with open(os.path.join(ld, ".%s.flock" % n)) as f:
                    rec = f.read().strip()
                out[n] = {"age_s": age, "inode": st.st_ino, "flock_record": rec}
            except OSError as e:
                out[n] = str(e)
        return out

    def cli_probe(self, *args, stdin=None):
        def run():
            rc, out, err, _ = cli(self.bin, self.cfg, *args, stdin=stdin)
            return rc == 0, (err or out).strip()[:300]
        return run

    def check(self, final=False):
        self.gate.close()
        try:
            self._check(final)
        finally:
            self.gate.open()

    def _check(self, final):
        self.checks += 1
        nfail = len(self.failures)
        if not self.daemon.running():
            self.restart(self.daemon.all_pids())
        # 1. every file parses
        try:
            files = cfgread.read_dir(self.cfg)
        except cfgread.ParseError as e:
            self.fail("file does not parse", error=str(e))
            files = None
        rc, out, err, _ = cli(self.bin, self.cfg, "check-config")
        if rc != 0:
            self.fail("check-config reports problems", output=(out + err)[:2000])
        # 2. no acknowledged change missing
        if files is not None:
            for obj in self.objects:
                if obj.lost:
                    obj.resync(files)
                    continue
                ok, actual = obj.check(files)
                if not ok:
                    # with an interrupted write since the last check the
                    # object holds a state no whole write explains: torn
                    torn = any(h[0] == "maybe" for h in obj.history)
                    self.fail(obj.diagnose(actual) or (
                              "interrupted write left a half-applied state "
                              "(neither before nor after)" if torn else
                              "acknowledged change missing or wrong"),
                              object="%s %s" % (obj.kind, obj.key),
                              expected_one_of=sorted(map(str, obj.states)),
                              found=str(actual), history=obj.history[-10:])
                    obj.resync(files)
            self.note_orphans(files)
        # 3. no lock blocks the next write
        self.probe_n = getattr(self, "probe_n", 0) + 1
        n = self.probe_n
        blocked = not all([
            self.probe("user.cfg (CLI)", self.cli_probe(
                "group", "modify", "stressprobe", "--comment", "p%d" % n)),
            self.probe("domains.cfg (CLI)", self.cli_probe(
                "realm", "modify", "stressprobe", "--comment", "p%d" % n)),
            self.probe("shadow.cfg (CLI)", self.cli_probe(
                "passwd", "stressprobe@pve", stdin="probe-pw-%d\nprobe-pw-%d\n" % (n, n))),
            self.probe("token.cfg (CLI)", self.cli_probe(
                "user", "token", "remove" if self.probe_token_exists(files)
                else "add", "stressprobe@pve", "probe")),
            self.probe("user.cfg (HTTP)", self.http_probe(n)),
        ])
        if blocked:
            # unblock the rest of the run; the failure is recorded
            for d in cfgread.lock_dirs(self.cfg):
                try:
                    os.rmdir(os.path.join(self.cfg, "priv", "lock", d))
                    self.count("stale lock dirs removed by the harness")
                except OSError:
                    pass
        # 4. no temp file left (the writers are quiescent)
        temps, other = cfgread.stray_files(self.cfg)
        new = [t for t in temps if t not in self.seen_temps]
        if new:
            self.fail("temp file left in the config directory", files=new)
            self.seen_temps.update(new)
        newo = [t for t in other if t not in self.seen_other]
        if newo:
            self.count("unexpected files (not temp)", len(newo))
            self.seen_other.update(newo)
        # 5. no daemon process aborted (the kills are SIGKILLs, never aborts)
        self.scan_daemon_log()
        if len(self.failures) == nfail:
            self.checks_passed += 1
        if self.args.verbose or final:
            print("check %d%s: %s, kills %s, acked %d, failures %d" % (
                self.checks, " (final)" if final else "",
                "passed" if len(self.failures) == nfail else "FAILED",
                dict(self.kills), self.counts["acked"], len(self.failures)),
                flush=True)

    LOG_RE = re.compile(r"Fatal error|Assertion|AddressSanitizer|LeakSanitizer|"
                        r"runtime error|Aborted|core dumped|SIGSEGV|abort", re.I)

    def scan_daemon_log(self):
        with open(self.daemon_log, "rb") as f:
            f.seek(getattr(self, "log_offset", 0))
            text = f.read()
            self.log_offset = f.tell()
        for line in text.decode(errors="replace").splitlines():
            if self.LOG_RE.search(line):
                self.fail("daemon process aborted (daemon log)", line=line[:300])

    def probe_token_exists(self, files):
        if files is None:
            try:
                files = cfgread.read_dir(self.cfg)
            except cfgread.ParseError:
                return False
        return "stressprobe@pve!probe" in files["user"]["tokens"]

    def http_probe(self, n):
        def run():
            c = Client(self.daemon, timeout=30, keepalive=False)
            a = c.login(ADMIN, ADMIN_PW)
            if a.status != 200:
                return False, "login: %d %s" % (a.status, a.message)
            a = c.request("PUT", "/access/groups/stressprobe", {"comment": "h%d" % n})
            return a.status == 200, "%d %s" % (a.status, a.message)
        return run

    def note_orphans(self, files):
        users = files["user"]["users"]
        for name in files["shadow"]:
            if name + "@pve" not in users:
                self.orphans.add("shadow.cfg: " + name)
        for tok in files["token"]:
            if tok not in files["user"]["tokens"]:
                self.orphans.add("token.cfg: " + tok)
        for realm in files["realm_pw"]:
            if realm not in files["domains"]:
                self.orphans.add("priv/realm: " + realm)

    # --- run ------------------------------------------------------------
    def run(self):
        a = self.args
        self.t0 = time.monotonic()
        self.setup()
        threads = []
        for w, channel, objs in self.writers:
            t = threading.Thread(target=self.http_writer if channel == "http"
                                 else self.cli_writer, args=(w, objs), daemon=True)
            t.start()
            threads.append(t)
        rnd = random.Random(a.seed)
        weights = [a.w_worker, a.w_front, a.w_scheduler, a.w_cli]
        next_check = a.check_every
        deadline = self.t0 + a.max_seconds
        try:
            while sum(self.kills.values()) < a.kills and time.monotonic() < deadline:
                time.sleep(rnd.uniform(0, 2 * a.interval))
                kind = rnd.choices(KINDS, weights)[0]
                if kind == "cli":
                    self.kill_cli(rnd)
                else:
                    self.kill_daemon(kind, rnd)
                if sum(self.kills.values()) >= next_check:
                    next_check += a.check_every
                    self.check()
            self.stop.set()
            self.gate.open()
            for t in threads:
                t.join(60)
            self.check(final=True)
        finally:
            self.stop.set()
            rc = self.daemon.stop()
            self.elapsed = time.monotonic() - self.t0
        if rc not in (0, None):
            self.fail("daemon did not stop cleanly on SIGTERM", status=rc)
        return self.report()

    def report(self):
        a = self.args
        lines = []
        p = lines.append
        total = sum(self.kills.values())
        p("== crash safety: %d SIGKILLs in %.0f s (%s, %d HTTP + %d CLI writers, "
          "%d workers)" % (total, self.elapsed, os.path.basename(self.bin),
                           a.http_writers, a.cli_writers, a.workers))
        p("kills by process kind:")
        for k in KINDS:
            extra = ""
            if k != "cli":
                extra = "  (daemon went down: %d, survived: %d; none " \
                    "older than %.1f s: %d)" % (
                    self.daemon_down[k], self.daemon_survived[k],
                    a.min_age, self.too_young[k])
            elif self.kill_misses["cli"]:
                extra = "  (+%d sent after the process had finished)" % \
                    self.kill_misses["cli"]
            p("  %-10s %5d%s" % (k, self.kills[k], extra))
        p("daemon restarts: %d" % self.counts["daemon restarts"])
        p("writes acknowledged: %d" % self.counts["acked"])
        for k in sorted(self.counts):
            if k.startswith("acked "):
                p("  %-34s %5d" % (k[6:], self.counts[k]))
        for k in sorted(self.counts):
            if not k.startswith("acked") and k != "daemon restarts":
                p("%s: %d" % (k, self.counts[k]))
        p("checks: %d, passed: %d" % (self.checks, self.checks_passed))
        for name, ts in sorted(self.probe_times.items()):
            ts = sorted(ts)
            p("  next write %-18s max %.2f s, median %.3f s (bound %.1f s)" % (
                name, ts[-1], ts[len(ts) // 2], a.lock_bound))
        p("orphan secrets (hash/secret/bind password of an absent object): %d%s" % (
            len(self.orphans), (" " + ", ".join(sorted(self.orphans)[:8]))
            if self.orphans else ""))
        if self.seen_other:
            p("unexpected (non-temp) files: %s" % ", ".join(sorted(self.seen_other)))
        by = collections.Counter(f["category"] for f in self.failures)
        p("failures: %d" % len(self.failures))
        for cat, n in by.most_common():
            p("  %5d  %s" % (n, cat))
        shown = {}
        for f in self.failures:
            if shown.get(f["category"], 0) >= 3:
                continue
            shown[f["category"]] = shown.get(f["category"], 0) + 1
            p("  - " + json.dumps(f, default=str, sort_keys=True)[:1500])
        p("RESULT: %s" % ("PASS" if not self.failures else "FAIL"))
        text = "\n".join(lines) + "\n"
        sys.stdout.write(text)
        with open(os.path.join(a.out, "summary.txt"), "w") as f:
            f.write(text)
        with open(os.path.join(a.out, "failures.json"), "w") as f:
            json.dump(self.failures, f, default=str, indent=1)
        if not self.failures and not a.keep:
            shutil.rmtree(self.tmp, ignore_errors=True)
        else:
            p2 = "config directory kept: %s" % self.tmp
            print(p2)
        return 0 if not self.failures else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.environ.get(
        "REALMGATE_BIN", os.path.join(REPO, "build", "realmgate")))
    ap.add_argument("--kills", type=int, default=1000)
    ap.add_argument("--max-seconds", type=float, default=3600,
                    help="stop earlier than --kills after this long")
    ap.add_argument("--check-every", type=int, default=10)
    ap.add_argument("--interval", type=float, default=0.1,
                    help="mean seconds between kills")
    ap.add_argument("--http-writers", type=int, default=3)
    ap.add_argument("--cli-writers", type=int, default=3)
    ap.add_argument("--objects", type=int, default=3,
                    help="objects of each kind per writer")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--pace", type=float, default=0.01,
                    help="max random pause between a writer's writes")
    ap.add_argument("--settle", type=float, default=3.0,
                    help="seconds a daemon gets to exit or recover after a kill")
    ap.add_argument("--min-age", type=float, default=1.5,
                    help="kill only daemon processes that lived this long "
                    "(the supervisor restarts those at once)")
    ap.add_argument("--lock-bound", type=float, default=3.0,
                    help="seconds within which the next write must succeed")
    ap.add_argument("--w-worker", type=float, default=35)
    ap.add_argument("--w-front", type=float, default=12)
    ap.add_argument("--w-scheduler", type=float, default=5)
    ap.add_argument("--w-cli", type=float, default=48)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--out", default=os.path.join(REPO, "build", "stress", "crash"))
    ap.add_argument("--keep", action="store_true", help="keep the config directory")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    print("crash.py: seed %d" % args.seed, flush=True)
    random.seed(args.seed)
    sys.exit(Harness(args).run())


if __name__ == "__main__":
    main()
