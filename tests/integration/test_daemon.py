"""The daemon as a whole: privilege separation, what happens when one of
its processes dies (it is restarted; only a request in flight on it
fails), live reload of config files changed on disk (by the
CLI, as a Proxmox node or an admin's editor would change them), SIGHUP,
and the audit log."""
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time

import pytest

from conftest import (PASSWORDS, REQ_TIMEOUT, cli, error, new_config_dir, ok,
                      seed, start_server, stop_server)


def children(pid):
    with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
        return [int(p) for p in f.read().split()]


def uid_of(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("Uid:"):
                return int(line.split()[1])
    raise AssertionError("no Uid line")


def cmdline_env_free(pid):
    return os.path.exists("/proc/%d" % pid)


def wait_exit(proc, seconds=10):
    try:
        return proc.wait(seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        pytest.fail("daemon still running %ds after one of its processes died"
                    % seconds)


@pytest.fixture
def daemon():
    d = new_config_dir()
    info = seed(d)
    api = start_server(d, info["tokens"],
                       ["--audit-log", os.path.join(d, "audit.jsonl")])
    yield api
    if api.proc.poll() is None:
        api.proc.send_signal(signal.SIGTERM)
        wait_exit(api.proc)


@pytest.mark.skipif(os.geteuid() != 0, reason="privilege separation needs root")
def test_front_is_unprivileged_and_helpers_are_root(daemon):
    kids = children(daemon.proc.pid)
    uids = sorted(uid_of(p) for p in kids)
    assert uid_of(daemon.proc.pid) == 0
    # one front (not root) and at least one root helper
    assert uids[0] == 0 and uids[-1] != 0, uids
    front = [p for p in kids if uid_of(p) != 0]
    assert len(front) == 1
    # the front cannot read priv/ (the signing key, hashes, token secrets)
    priv = os.path.join(daemon.config_dir, "priv")
    st = os.stat(priv)
    assert st.st_uid == 0 and st.st_mode & 0o077 == 0


def comm(pid):
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip()
    except FileNotFoundError:
        return ""


def procs(daemon, name):
    """The daemon's children with this process name, oldest first."""
    return sorted(p for p in children(daemon.proc.pid) if comm(p) == name)


def wait_for(what, cond, seconds=15):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(0.05)
    pytest.fail("no %s within %ds" % (what, seconds))


def stderr_text(daemon):
    return bytes(daemon.proc.stderr_log).decode(errors="replace")


def test_processes_are_named(daemon):
    names = sorted(comm(p) for p in children(daemon.proc.pid))
    assert names.count("realmgate-front") == 1, names
    assert names.count("realmgate-sched") == 1, names
    assert names.count("realmgate-authd") >= 1, names


@pytest.fixture
def one_worker():
    """A daemon with a single authd worker."""
    d = new_config_dir()
    info = seed(d)
    api = start_server(d, info["tokens"], ["--workers", "1"])
    yield api
    stop_server(api)
    shutil.rmtree(d, ignore_errors=True)


def test_request_on_a_killed_worker_fails_alone(one_worker, uniq):
    """The request in flight on a worker that dies gets a 500; the worker
    is restarted and the next write works."""
    api = one_worker
    s = api.session("alice@pve")
    worker, = procs(api, "realmgate-authd")
    # hold the worker still, so that the request is surely in flight on it
    os.kill(worker, signal.SIGSTOP)
    result = {}

    def write():
        result["r"] = s.post("/access/groups", data={"groupid": uniq("k")})
    t = threading.Thread(target=write)
    t.start()
    time.sleep(0.5)
    assert t.is_alive()
    os.kill(worker, signal.SIGKILL)
    t.join(REQ_TIMEOUT)
    error(result["r"], 500, "internal error")
    assert api.proc.poll() is None
    wait_for("new worker", lambda: [p for p in procs(api, "realmgate-authd")
                                    if p != worker])
    g = uniq("after")
    ok(s.post("/access/groups", data={"groupid": g}))
    assert g in [x["groupid"] for x in ok(s.get("/access/groups"))]
    assert "authd worker %d ended (signal 9); restarting" % worker in \
        stderr_text(api)


def test_killing_a_worker_under_load_keeps_the_daemon_serving(daemon, uniq):
    """SIGKILL an authd worker while writes and reads run: every other
    request is served, at most the one in flight on it fails."""
    s = daemon.session("alice@pve")
    victim = procs(daemon, "realmgate-authd")[0]
    results, stop = [], threading.Event()

    def load(n):
        i = 0
        while not stop.is_set() and i < 200:
            i += 1
            try:
                if i % 2:
                    r = s.post("/access/groups",
                               data={"groupid": uniq("l%d" % n)})
                else:
                    r = s.get("/access/users")
                results.append((r.status_code, r.text))
            except Exception as e:  # a refused connection would fail here
                results.append((0, repr(e)))
    threads = [threading.Thread(target=load, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    time.sleep(1)
    os.kill(victim, signal.SIGKILL)
    time.sleep(2)
    stop.set()
    for t in threads:
        t.join(REQ_TIMEOUT)
    bad = [r for r in results if r[0] != 200]
    assert len(results) > 20, results
    assert len(bad) <= 1, bad
    assert all(r[0] == 500 and "internal error" in r[1] for r in bad), bad
    assert daemon.proc.poll() is None
    wait_for("restarted worker", lambda: victim not in
             procs(daemon, "realmgate-authd") and
             len(procs(daemon, "realmgate-authd")) >= 1)
    ok(s.post("/access/groups", data={"groupid": uniq("next")}))


def test_killing_the_scheduler_restarts_it(daemon, uniq):
    sched, = procs(daemon, "realmgate-sched")
    os.kill(sched, signal.SIGKILL)
    new = wait_for("new scheduler", lambda: [
        p for p in procs(daemon, "realmgate-sched") if p != sched])
    assert len(new) == 1
    assert daemon.proc.poll() is None
    s = daemon.session("alice@pve")
    ok(s.post("/access/groups", data={"groupid": uniq("s")}))
    assert "the job scheduler %d ended (signal 9); restarting" % sched in \
        stderr_text(daemon)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs the front to drop to another uid")
def test_killing_the_front_restarts_it(daemon, uniq):
    """A new front (and new workers) on the same listening socket; tickets
    issued before stay valid."""
    s = daemon.session("alice@pve")
    front, = procs(daemon, "realmgate-front")
    workers = procs(daemon, "realmgate-authd")
    os.kill(front, signal.SIGKILL)
    wait_for("new front", lambda: [p for p in procs(daemon, "realmgate-front")
                                   if p != front])
    assert uid_of(procs(daemon, "realmgate-front")[0]) != 0

    def answers():
        try:
            return s.get("/access/users").status_code == 200
        except Exception:
            return False
    wait_for("answer from the new front", answers)
    ok(s.post("/access/groups", data={"groupid": uniq("f")}))
    wait_for("old workers gone", lambda: not set(workers) &
             set(procs(daemon, "realmgate-authd")))
    assert daemon.proc.poll() is None


def test_a_crash_loop_is_slowed_down(one_worker):
    """A worker that keeps dying is restarted later and later, each
    restart logged."""
    api = one_worker
    seen = []
    for _ in range(3):
        w = wait_for("worker", lambda: [p for p in procs(api, "realmgate-authd")
                                        if p not in seen])
        seen.append(w[0])
        os.kill(w[0], signal.SIGKILL)
        wait_for("reaped", lambda: seen[-1] not in children(api.proc.pid))
    wait_for("three restarts", lambda: stderr_text(api).count(
        "authd worker 0 restarted as") == 3)
    log = stderr_text(api)
    # it lived less than 1 s each time: 1 s, then 2 s, then 4 s
    for delay in (1, 2, 4):
        assert "restarting it in %d s" % delay in log, log
    assert api.proc.poll() is None
    ok(api.anon().get("/access/domains"))


def test_changes_on_disk_are_seen_at_once(daemon):
    s = daemon.session("bob@pve")
    before = ok(s.get("/access/permissions", params={"path": "/vms/4242"}))
    assert before == {"/vms/4242": {}}
    # another process (the CLI here; a Proxmox node or an editor alike)
    cli(daemon.config_dir, "acl", "modify", "/vms/4242", "--users", "bob@pve",
        "--roles", "PVEVMUser")
    after = ok(s.get("/access/permissions", params={"path": "/vms/4242"}))
    assert "VM.Console" in after["/vms/4242"]
    # a user removed on disk loses access with the next request
    cli(daemon.config_dir, "user", "modify", "bob@pve", "--enable", "0")
    error(s.get("/access/permissions"), 401)


def test_sighup_keeps_serving(daemon):
    s = daemon.session("alice@pve")
    daemon.proc.send_signal(signal.SIGHUP)
    time.sleep(0.3)
    assert daemon.proc.poll() is None
    ok(s.get("/access/users"))


def audit_lines(daemon):
    with open(os.path.join(daemon.config_dir, "audit.jsonl")) as f:
        return [json.loads(line) for line in f if line.strip()]


def test_audit_log_records_logins_and_changes(daemon):
    daemon.login("alice@pve")
    r = daemon.ticket_request("alice@pve", "wrong-password")
    assert r.status_code == 401
    r = daemon.ticket_request("nobody-here@pve", "whatever-1")
    assert r.status_code == 401
    s = daemon.session("alice@pve")
    ok(s.post("/access/groups", data={"groupid": "audited"}))
    lines = audit_lines(daemon)
    text = json.dumps(lines)
    logins = [l for l in lines if l.get("event") == "login"]
    assert any(l.get("user") == "alice@pve" and l.get("result") == "success"
               for l in logins), lines
    failed = [l for l in logins if l.get("result") == "failure"]
    # the real reason and the client address are logged, never a password
    assert any("invalid credentials" in json.dumps(l) for l in failed), failed
    assert any("nobody-here@pve" in json.dumps(l) for l in failed), failed
    assert all("127.0.0.1" in json.dumps(l) for l in failed), failed
    assert "wrong-password" not in text and PASSWORDS["alice@pve"] not in text
    changes = [l for l in lines if l.get("event") == "change"]
    assert any("alice@pve" in json.dumps(l) and "/access/groups" in json.dumps(l)
               for l in changes), changes
    st = os.stat(os.path.join(daemon.config_dir, "audit.jsonl"))
    assert st.st_mode & 0o077 == 0


def test_listens_on_ipv6_and_ipv4_at_once(server_factory):
    """--listen is repeatable; an IPv6 address is written in brackets."""
    s = socket.socket(socket.AF_INET6)
    s.bind(("::1", 0))
    port6 = s.getsockname()[1]
    s.close()
    api = server_factory(["--listen", "[::1]:%d" % port6])
    # the generated certificate names ::1, so verification stays on
    r = api.raw("GET", "https://[::1]:%d/api2/json/access/ticket" % port6)
    assert ok(r) is None
    t, _ = api.login("alice@pve")
    r = api.raw("GET", "https://[::1]:%d/api2/json/access/users" % port6,
                cookies={"PVEAuthCookie": t})
    assert any(u["userid"] == "alice@pve" for u in ok(r))
    # and the IPv4 listener still answers
    assert ok(api.raw("GET", "/access/ticket")) is None


def test_sigterm_under_load_ends_cleanly(daemon):
    """SIGTERM while failed logins wait out their delay, writes wait for
    authd and kept-alive connections keep sending: every connection is let
    go before libmicrohttpd stops (it aborts the process if one is still
    suspended), and the daemon exits 0."""
    import requests
    ticket, csrf = daemon.login("alice@pve")
    stop = threading.Event()

    def loop(send):
        s = requests.Session()      # kept alive between requests
        i = 0
        while not stop.is_set() and i < 300:
            i += 1
            try:
                send(s, i)
            except Exception:
                return

    def guess(s, i):
        s.post(daemon.url("/access/ticket"), verify=daemon.cert, timeout=10,
               data={"username": "bob@pve", "password": "wrong%d" % i})

    def write(s, i):
        s.put(daemon.url("/access/users/bob@pve"), verify=daemon.cert,
              timeout=10, data={"comment": "c%d" % i},
              cookies={"PVEAuthCookie": ticket},
              headers={"CSRFPreventionToken": csrf})

    threads = [threading.Thread(target=loop, args=(guess,)) for _ in range(6)]
    threads += [threading.Thread(target=loop, args=(write,)) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(1.5)     # guesses are now waiting out their 3 s
    daemon.proc.send_signal(signal.SIGTERM)
    rc = wait_exit(daemon.proc, 15)
    stop.set()
    for t in threads:
        t.join(REQ_TIMEOUT)
    log = stderr_text(daemon)
    assert "suspended connections" not in log, log
    assert rc == 0, log
