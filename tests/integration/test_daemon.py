"""The daemon as a whole: privilege separation, what happens when one of
its processes dies, live reload of config files changed on disk (by the
CLI, as a Proxmox node or an admin's editor would change them), SIGHUP,
and the audit log."""
import json
import os
import signal
import socket
import subprocess
import time

import pytest

from conftest import (PASSWORDS, cli, error, new_config_dir, ok, seed,
                      start_server)


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


def kill_and_expect_shutdown(daemon, pick):
    kids = children(daemon.proc.pid)
    victim = pick(kids)
    os.kill(victim, signal.SIGKILL)
    rc = wait_exit(daemon.proc)
    assert rc != 0, "a process died, yet the daemon reports success"
    for p in kids:
        # every other process is gone too: no half daemon answers
        deadline = time.monotonic() + 5
        while os.path.exists("/proc/%d" % p) and time.monotonic() < deadline:
            try:
                with open("/proc/%d/status" % p) as f:
                    if "State:\tZ" in f.read():
                        break
            except FileNotFoundError:
                break
            time.sleep(0.05)
        assert not os.path.exists("/proc/%d/cmdline" % p) or \
            open("/proc/%d/cmdline" % p).read() == "", "process %d survived" % p
    with pytest.raises(Exception):
        daemon.anon().get("/access/domains")


@pytest.mark.skipif(os.geteuid() != 0, reason="needs the front to drop to another uid")
def test_killing_the_front_stops_the_daemon(daemon):
    kill_and_expect_shutdown(daemon, lambda kids: [p for p in kids if uid_of(p) != 0][0])


def test_killing_a_helper_stops_the_daemon(daemon):
    ok(daemon.anon().get("/access/domains"))
    kill_and_expect_shutdown(daemon, lambda kids: [p for p in kids if uid_of(p) == 0][-1])


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
