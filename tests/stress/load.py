#!/usr/bin/python3
"""
Mixed load on `realmgate serve` for a set time (issue 9, item 12).

Closed-loop clients (a fixed number of threads per kind, each sending its
next request when the last was answered) log in to every realm type this
machine can run - pve, pam through pam_wrapper (scripts/pamwrap-env.sh),
ldap against a private slapd (tests/peers/slapd.sh), openid against the
oidc-provider peer (tests/oidc) - and ask permissions, read with API
tokens, send deliberately wrong passwords (401 expected, counted apart),
edit with the CLI and run a realm sync every --sync-every seconds.  Every
second it samples each daemon process: RSS, open files, threads.

It prints, and writes to --out/summary.txt: requests, p50/p99/max latency
and error answers per kind (an error is any answer but 200, and any 401
that was not asked for), and whether RSS, open files and threads stayed
flat (the first minute against the last).  Exit status 0 when there was no
error answer, the daemon stayed up and everything stayed flat.

    tests/stress/load.py [--bin build/realmgate] [--seconds 300] [--out DIR]
"""
import argparse
import collections
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from rglib import (REPO, Client, Daemon, cli, cli_ok, fd_count, fmt_ms,  # noqa: E402
                   free_port, new_config_dir, percentile, proc_status)

PEERS = os.path.join(REPO, "tests", "peers")
ADMIN, ADMIN_PW = "loadadmin@pve", "load-admin-pw-1"
NUSERS = 20


def pve_user(i):
    return "load%d@pve" % i, "load-pw-%d-secret" % i


class Load:
    def __init__(self, args):
        self.args = args
        self.bin = os.path.abspath(args.bin)
        self.lock = threading.Lock()
        self.lat = collections.defaultdict(list)
        self.errors = collections.defaultdict(collections.Counter)
        self.expected = collections.Counter()
        self.samples = []      # (t, role, pid, rss_kib, fds, threads)
        self.stop = threading.Event()
        self.notes = []
        self.cleanups = []

    # --- bookkeeping ----------------------------------------------------
    def rec(self, kind, seconds, ok, err=None, expected=False):
        with self.lock:
            if expected:
                self.expected[kind] += 1
                self.lat[kind].append(seconds)
            elif ok:
                self.lat[kind].append(seconds)
            else:
                self.errors[kind][str(err)[:200]] += 1

    def answer(self, kind, a, want=200):
        ok = a.status == want
        self.rec(kind, a.seconds, ok, "HTTP %d %s" % (a.status, a.message),
                 expected=ok and want != 200)
        return ok

    # --- peers ----------------------------------------------------------
    def run(self, *cmd, **kw):
        return subprocess.run(list(cmd), check=True, capture_output=True,
                              text=True, **kw)

    def setup_pam(self):
        """pam_wrapper's private PAM world; returns the daemon's env."""
        env = dict(os.environ)
        preload = "libpam_wrapper.so"
        ldd = self.run("ldd", self.bin).stdout
        asan = [l.split("=>")[1].split()[0] for l in ldd.splitlines()
                if "libasan" in l and "=>" in l]
        if asan:
            preload = asan[0] + ":" + preload
            env["PAM_WRAPPER_DISABLE_DEEPBIND"] = "1"
        out = self.run(os.path.join(REPO, "scripts", "pamwrap-env.sh"), "--print",
                       env=dict(env, PAMWRAP_PRELOAD=preload)).stdout
        # export LD_PRELOAD='...' PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR='...' ...
        for word in out.split()[1:]:
            k, _, v = word.partition("=")
            env[k] = v.strip("'")
        self.cleanups.append(lambda: shutil.rmtree(env["PAMWRAP_DIR"], True))
        env["REALMGATE_PAM_SERVICE"] = env["PAMWRAP_SERVICE"]
        env["PAM_WRAPPER_DEBUGLEVEL"] = "0"
        for u in ("alice@pam", "bob@pam"):
            cli_ok(self.bin, self.cfg, "user", "add", u)
        return env

    def setup_ldap(self):
        d = os.path.join(self.tmp, "slapd")
        self.run(os.path.join(PEERS, "slapd.sh"), "conf", d)
        ldif = self.run(os.path.join(PEERS, "ldap-data.sh"), "200", "10", "20").stdout
        with open(os.path.join(d, "data.ldif"), "w") as f:
            f.write(ldif)
        self.run("slapadd", "-q", "-f", os.path.join(d, "slapd.conf"), "-l",
                 os.path.join(d, "data.ldif"))
        port = free_port()
        self.run(os.path.join(PEERS, "slapd.sh"), "start", d, str(port),
                 str(free_port()))
        self.cleanups.append(lambda: subprocess.run(
            [os.path.join(PEERS, "slapd.sh"), "stop", d], capture_output=True))
        cli_ok(self.bin, self.cfg, "realm", "add", "corp", "--type", "ldap",
               "--server1", "127.0.0.1", "--port", str(port), "--base_dn",
               "dc=example,dc=org", "--user_attr", "uid", "--bind_dn",
               "cn=svc,ou=services,dc=example,dc=org", "--password", "svcpw")
        cli_ok(self.bin, self.cfg, "realm", "sync", "corp", "--scope", "both",
               "--enable-new", "1")

    def setup_openid(self):
        sys.path.insert(0, os.path.join(REPO, "tests", "integration"))
        try:
            import peers_oidc
        except ImportError as e:
            self.notes.append("openid: not run (%s)" % e)
            return None
        op = peers_oidc.OidcProvider(os.path.join(self.tmp, "oidc"))
        try:
            op.start()
        except BaseException as e:   # pytest.fail raises BaseException
            self.notes.append("openid: provider did not start (%s)" % e)
            return None
        self.cleanups.append(op.stop)
        cli_ok(self.bin, self.cfg, "realm", "add", "sso", "--type", "openid",
               "--issuer-url", op.issuer, "--client-id", op.client_id,
               "--client-key", op.client_secret, "--username-claim", "username",
               "--autocreate", "1", "--scopes", "email profile groups")
        return op

    def setup(self):
        self.tmp = tempfile.mkdtemp(prefix="realmgate-load-")
        self.cfg = new_config_dir(self.tmp)
        c = lambda *a: cli_ok(self.bin, self.cfg, *a)
        c("user", "add", ADMIN, "--password", ADMIN_PW)
        c("acl", "modify", "/", "--roles", "Administrator", "--users", ADMIN)
        c("group", "add", "loadops")
        for i in range(NUSERS):
            u, pw = pve_user(i)
            c("user", "add", u, "--password", pw, "--groups", "loadops")
        c("acl", "modify", "/vms", "--roles", "PVEVMUser", "--groups", "loadops")
        c("acl", "modify", "/storage", "--roles", "PVEAuditor", "--users",
          pve_user(1)[0])
        c("user", "add", "loadcli@pve")
        self.token = "%s!load" % pve_user(0)[0]
        self.token_secret = json.loads(c("user", "token", "add", pve_user(0)[0],
                                         "load", "--output-format", "json"))["value"]
        c("acl", "modify", "/", "--roles", "PVEAuditor", "--tokens", self.token)
        env = self.setup_pam() if not self.args.no_pam else None
        if not self.args.no_ldap:
            self.setup_ldap()
        self.op = self.setup_openid() if not self.args.no_openid else None
        os.makedirs(self.args.out, exist_ok=True)
        log = os.path.join(self.args.out, "daemon.log")
        open(log, "wb").close()
        self.daemon = Daemon(self.bin, self.cfg, log, https=self.args.https,
                             workers=self.args.workers, env=env)
        self.daemon.start()
        self.redirect = "%s://127.0.0.1:%d/" % (
            "https" if self.args.https else "http", self.daemon.port)
        if self.op is not None:
            self.op.allow_redirect(self.redirect)

    # --- clients --------------------------------------------------------
    def loop(self, fn, think=0.0):
        rnd = random.Random()
        while not self.stop.is_set():
            fn(rnd)
            if think:
                self.stop.wait(rnd.uniform(0.5 * think, 1.5 * think))

    def login_client(self, kind, users):
        def fn(rnd):
            c = Client(self.daemon)
            user, pw = rnd.choice(users)
            self.answer(kind, c.login(user, pw))
            c.close()
        return fn

    def wrong_client(self):
        def fn(rnd):
            c = Client(self.daemon, timeout=60)
            user, _ = pve_user(rnd.randrange(NUSERS))
            self.answer("login-pve-wrong-pw (401 expected)",
                        c.login(user, "wrong-%d" % rnd.randrange(10**6)), want=401)
            c.close()
        return fn

    def perm_client(self):
        state = {}

        def fn(rnd):
            c = state.get("c")
            if c is None:
                c = state["c"] = Client(self.daemon)
                user, pw = pve_user(rnd.randrange(NUSERS))
                if not self.answer("login-pve", c.login(user, pw)):
                    state.clear()
                    self.stop.wait(0.5)
                    return
            if rnd.random() < 0.7:
                self.answer("permissions (own)", c.request("GET", "/access/permissions"))
            else:
                self.answer("permissions (path)", c.request(
                    "GET", "/access/permissions", {"path": "/vms/%d" % rnd.randrange(100, 200)}))
        return fn

    def admin_client(self):
        state = {}

        def fn(rnd):
            c = state.get("c")
            if c is None:
                c = state["c"] = Client(self.daemon)
                if not self.answer("login-pve", c.login(ADMIN, ADMIN_PW)):
                    state.clear()
                    self.stop.wait(0.5)
                    return
            user, _ = pve_user(rnd.randrange(NUSERS))
            self.answer("permissions (other user)", c.request(
                "GET", "/access/permissions", {"userid": user, "path": "/vms"}))
        return fn

    def token_client(self):
        c = Client(self.daemon)
        c.token = "%s=%s" % (self.token, self.token_secret)

        def fn(rnd):
            if rnd.random() < 0.5:
                self.answer("token: users list", c.request("GET", "/access/users"))
            else:
                self.answer("token: permissions", c.request("GET", "/access/permissions"))
        return fn

    def cli_client(self):
        n = [0]

        def fn(rnd):
            n[0] += 1
            k = n[0] % 3
            if k == 0:
                args = ["user", "modify", "loadcli@pve", "--comment", "c%d" % n[0]]
            elif k == 1:
                args = ["acl", "modify", "/pool/load%d" % (n[0] % 10), "--roles",
                        "PVEAuditor", "--users", "loadcli@pve"]
            else:
                args = ["group", "modify", "loadops", "--comment", "c%d" % n[0]]
            rc, out, err, dt = cli(self.bin, self.cfg, *args)
            self.rec("cli edit", dt, rc == 0, "exit %d: %s" % (rc, (err or out)[:150]))
        return fn

    def sync_client(self):
        state = {}

        def fn(rnd):
            c = state.get("c")
            if c is None:
                c = state["c"] = Client(self.daemon, timeout=120)
                if not self.answer("login-pve", c.login(ADMIN, ADMIN_PW)):
                    state.clear()
                    return
            self.answer("realm sync (ldap)", c.request(
                "POST", "/access/domains/corp/sync",
                {"scope": "both", "enable-new": "1"}))
        return fn

    def openid_client(self):
        import requests
        sess = requests.Session()
        accounts = sorted(self.op.accounts.items())

        def fn(rnd):
            c = Client(self.daemon)
            t0 = time.monotonic()
            a = c.request("POST", "/access/openid/auth-url",
                          {"realm": "sso", "redirect-url": self.redirect}, auth=False)
            if not self.answer("openid: auth-url", a):
                return
            user, pw = rnd.choice(accounts)
            try:
                red = self.op.login(a.data, user, pw, session=sess)
            except Exception as e:  # the provider, not realmgate
                self.notes.append("openid provider error: %s" % str(e)[:200])
                return
            if red is None or "code" not in red:
                self.rec("openid: login", 0, False, "provider refused: %r" % (red,))
                return
            a = c.request("POST", "/access/openid/login",
                          {"code": red["code"], "state": red["state"],
                           "redirect-url": self.redirect}, auth=False)
            if self.answer("openid: login", a):
                self.rec("login-openid (whole flow, provider included)",
                         time.monotonic() - t0, True)
            c.close()
        return fn

    # --- sampling -------------------------------------------------------
    def sampler(self):
        roles = {}
        p = self.daemon.procs()
        roles[self.daemon.proc.pid] = "supervisor"
        for role in ("front", "scheduler"):
            for pid in p[role]:
                roles[pid] = role
        for i, pid in enumerate(p["worker"]):
            roles[pid] = "worker%d" % i
        self.roles = roles
        t0 = time.monotonic()
        while not self.stop.is_set():
            t = time.monotonic() - t0
            for pid, role in roles.items():
                st = proc_status(pid)
                fds = fd_count(pid)
                if st is None or fds is None:
                    self.notes.append("%s (pid %d) vanished at t=%.0f s" % (role, pid, t))
                    roles = {k: v for k, v in roles.items() if k != pid}
                    continue
                self.samples.append((t, role, pid, st.get("rss_kib", 0), fds,
                                     st.get("threads", 0)))
            self.stop.wait(max(0, 1.0 - (time.monotonic() - t0 - t)))

    # --- run ------------------------------------------------------------
    def start_threads(self):
        a = self.args
        plan = [("perm", self.perm_client, a.perm_clients, 0),
                ("admin", self.admin_client, a.admin_clients, 0),
                ("token", self.token_client, a.token_clients, 0),
                ("login-pve", lambda: self.login_client(
                    "login-pve", [pve_user(i) for i in range(NUSERS)]),
                 a.login_clients, a.login_think),
                ("wrong", self.wrong_client, a.wrong_clients, 0),
                ("cli", self.cli_client, 1, a.cli_every)]
        if not a.no_pam:
            plan.append(("login-pam", lambda: self.login_client(
                "login-pam", [("alice@pam", "secret"), ("bob@pam", "bobpw")]),
                a.login_clients, a.login_think))
        if not a.no_ldap:
            plan.append(("login-ldap", lambda: self.login_client(
                "login-ldap", [("user%d@corp" % i, "Passw0rd") for i in range(1, 201)]),
                a.login_clients, a.login_think))
            plan.append(("sync", self.sync_client, 1, a.sync_every))
        if self.op is not None:
            plan.append(("openid", self.openid_client, 1, a.openid_think))
        threads = []
        for name, make, n, think in plan:
            for _ in range(n):
                t = threading.Thread(target=self.loop, args=(make(), think),
                                     name=name, daemon=True)
                t.start()
                threads.append(t)
        return threads

    def main(self):
        a = self.args
        try:
            self.setup()
            sampler = threading.Thread(target=self.sampler, daemon=True)
            sampler.start()
            threads = self.start_threads()
            self.t0 = time.monotonic()
            self.stop.wait(a.seconds)
            self.elapsed = time.monotonic() - self.t0
            self.stop.set()
            for t in threads:
                t.join(70)
            sampler.join(5)
            self.alive = self.daemon.running()
            self.stop_rc = self.daemon.stop()
        finally:
            self.stop.set()
            if getattr(self, "daemon", None) is not None and self.daemon.running():
                self.daemon.stop()
            for fn in reversed(self.cleanups):
                try:
                    fn()
                except Exception:
                    pass
        rc = self.report()
        shutil.rmtree(self.tmp, ignore_errors=True)
        return rc

    # --- report ---------------------------------------------------------
    def flatness(self):
        """Per process, the first window (after a warm-up) against the last.
        A leak raises the floor: RSS grew if the last window's minimum is
        more than max(1 MiB, 5 %) above the first window's minimum; open
        files and threads grew if the last window's minimum exceeds the
        first window's maximum.  Peaks (a sync, an LDAP connection) do not
        count, they come and go."""
        T = max(s[0] for s in self.samples) if self.samples else 0
        win = min(60.0, T / 4) if T else 0
        warm = min(10.0, T / 10)
        out = []
        flat = True
        for role in sorted(set(s[1] for s in self.samples)):
            ss = [s for s in self.samples if s[1] == role]
            first = [s for s in ss if warm <= s[0] < warm + win] or ss[:1]
            last = [s for s in ss if s[0] >= T - win] or ss[-1:]
            r1 = min(s[3] for s in first)
            r2 = min(s[3] for s in last)
            f1, f2 = max(s[4] for s in first), min(s[4] for s in last)
            t1, t2 = max(s[5] for s in first), min(s[5] for s in last)
            ok_rss = r2 - r1 <= max(1024, 0.05 * r1)
            ok_fd = f2 <= f1
            ok_thr = t2 <= t1
            flat = flat and ok_rss and ok_fd and ok_thr
            out.append((role, r1, r2, max(s[3] for s in ss), f1, f2,
                        max(s[4] for s in ss), t1, t2, ok_rss, ok_fd, ok_thr))
        return warm, win, flat, out

    def report(self):
        a = self.args
        lines = []
        p = lines.append
        p("== load: %.0f s of mixed load on %s (%d authd workers, %s, %d CPUs, "
          "load average at the end %s)" % (
              self.elapsed, os.path.basename(self.bin), a.workers,
              "HTTPS" if a.https else "plain HTTP", os.cpu_count(),
              open("/proc/loadavg").read().split()[0]))
        p("%-46s %8s %7s %8s %8s %8s %6s" % ("kind", "requests", "per s", "p50 ms",
                                           "p99 ms", "max ms", "errors"))
        kinds = sorted(set(self.lat) | set(self.errors))
        nerr = 0
        for k in kinds:
            v = self.lat[k]
            e = sum(self.errors[k].values())
            nerr += e
            p("%-46s %8d %7.1f %8s %8s %8s %6d" % (
                k, len(v) + e, (len(v) + e) / self.elapsed, fmt_ms(percentile(v, 50)),
                fmt_ms(percentile(v, 99)), fmt_ms(max(v) if v else None), e))
        total = sum(len(v) for v in self.lat.values()) + nerr
        p("total: %d requests (%.0f/s); error answers: %d; expected 401s "
          "(wrong passwords): %d" % (total, total / self.elapsed, nerr,
                                     sum(self.expected.values())))
        for k in kinds:
            for msg, n in self.errors[k].most_common(5):
                p("  error %s: %dx %s" % (k, n, msg))
        warm, win, flat, rows = self.flatness()
        p("per process, t %.0f-%.0f s against the last %.0f s: RSS floor (min) "
          "KiB, open files (max first, min last), threads (same)" % (
              warm, warm + win, win))
        p("%-11s %9s %9s %9s  %5s %5s %5s  %4s %4s  %s" % (
            "process", "RSS first", "RSS last", "RSS max", "fd 1st", "fd last",
            "fd max", "thr1", "thrN", "verdict"))
        for (role, r1, r2, rm, f1, f2, fm, t1, t2, okr, okf, okt) in rows:
            bad = [w for w, ok in (("RSS grew", okr), ("fds grew", okf),
                                   ("threads grew", okt)) if not ok]
            p("%-11s %9d %9d %9d  %5d %5d %5d  %4d %4d  %s" % (
                role, r1, r2, rm, f1, f2, fm, t1, t2, ", ".join(bad) or "flat"))
        for n in sorted(set(self.notes))[:20]:
            p("note: %s" % n)
        if not self.alive:
            p("the daemon was not running at the end")
        if self.stop_rc not in (0, None):
            p("the daemon exited with %s on SIGTERM" % self.stop_rc)
        good = nerr == 0 and flat and self.alive and self.stop_rc == 0 and not any(
            "vanished" in n for n in self.notes)
        p("RESULT: %s" % ("PASS" if good else "FAIL"))
        text = "\n".join(lines) + "\n"
        sys.stdout.write(text)
        with open(os.path.join(a.out, "summary.txt"), "w") as f:
            f.write(text)
        with open(os.path.join(a.out, "samples.tsv"), "w") as f:
            f.write("t\trole\tpid\trss_kib\tfds\tthreads\n")
            for s in self.samples:
                f.write("%.1f\t%s\t%d\t%d\t%d\t%d\n" % s)
        return 0 if good else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.environ.get(
        "REALMGATE_BIN", os.path.join(REPO, "build", "realmgate")))
    ap.add_argument("--seconds", type=float,
                    default=float(os.environ.get("STRESS_SECONDS", 300)))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--https", action="store_true")
    ap.add_argument("--perm-clients", type=int, default=3)
    ap.add_argument("--admin-clients", type=int, default=1)
    ap.add_argument("--token-clients", type=int, default=2)
    ap.add_argument("--login-clients", type=int, default=1,
                    help="per realm type")
    ap.add_argument("--login-think", type=float, default=0.1)
    ap.add_argument("--wrong-clients", type=int, default=2)
    ap.add_argument("--cli-every", type=float, default=0.5)
    ap.add_argument("--sync-every", type=float, default=20)
    ap.add_argument("--openid-think", type=float, default=0.5)
    ap.add_argument("--no-pam", action="store_true")
    ap.add_argument("--no-ldap", action="store_true")
    ap.add_argument("--no-openid", action="store_true")
    ap.add_argument("--out", default=os.path.join(REPO, "build", "stress", "load"))
    sys.exit(Load(ap.parse_args()).main())


if __name__ == "__main__":
    main()
