"""
First-factor lockouts (issue 10, item 5 beyond Proxmox; docs/lockout.md):
failed passwords counted per user and per client address in authd, with
the defaults (5 per user, 50 per address, within 15 min, locked 15 min).

127.0.0.1 is the tests' usual client; 127.0.0.2 and up are other clients
(strangers).  The daemon runs with REALMGATE_TEST_CLOCK_FILE, which debug
builds obey (src/common/testpoint.h), to move its lockout clock forward,
and with pam_wrapper for root@pam (test_hostile_peers.pam_env).
"""
import json
import os
import shutil
import threading
import time

import pytest

from conftest import (PASSWORDS, cli, cli_json, error, forbidden, new_config_dir,
                      ok, seed, session_from, stop_server)
from test_hostile_peers import ROOT_PW, light_seed, pam_env, start_gate  # noqa: F401

FAIL_DELAY = 3.0
AUTH_FAIL = "authentication failure"


def gate_env(d, pam_env):  # noqa: F811
    env = dict(pam_env)
    env["REALMGATE_TEST_CLOCK_FILE"] = os.path.join(d, "clock")
    return env


def set_clock(d, offset):
    with open(os.path.join(d, "clock"), "w") as f:
        f.write("%d\n" % offset)


@pytest.fixture(scope="module")
def gate(pam_env):  # noqa: F811
    """A seeded daemon with the lockout defaults, an audit log and the
    test clock."""
    d = new_config_dir()
    info = seed(d)
    set_clock(d, 0)
    api = start_gate(d, info["tokens"], gate_env(d, pam_env),
                     ["--max-conns-per-address", "200"])
    yield api
    stop_server(api)
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(autouse=True)
def clean(gate):
    """Each test starts with the defaults, no counters and the real clock;
    only the tests' own client 127.0.0.1 is trusted (the default trusts
    all of loopback, and the strangers here are 127.0.0.2 and up)."""
    d = gate.config_dir
    cli(d, "lockout", "options", "set", "--delete",
        "user-failures,address-failures", "--trusted", "127.0.0.1/32")
    set_clock(d, 0)
    try:
        os.unlink(os.path.join(d, "local", "lockout.state"))
    except FileNotFoundError:
        pass
    yield


@pytest.fixture(scope="module")
def admin(gate):
    return gate.session("alice@pve")


def login(api, user, password, source="127.0.0.1"):
    """(status, body text, seconds) of a login from source."""
    t0 = time.monotonic()
    r = session_from(source).post(api.url("/access/ticket"), verify=api.cert,
                                  timeout=60, data={"username": user,
                                                    "password": password})
    return r.status_code, r.text, time.monotonic() - t0


def in_parallel(calls):
    """Run each (fn, args) at once; their results in order."""
    out = [None] * len(calls)

    def run(i, fn, args):
        out[i] = fn(*args)
    threads = [threading.Thread(target=run, args=(i, fn, args))
               for i, (fn, args) in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return out


def lock_user(api, user, source="127.0.0.2", n=5):
    res = in_parallel([(login, (api, user, "wrong-%d" % i, source))
                       for i in range(n)])
    assert [r[0] for r in res] == [401] * n, res


def audit(api):
    with open(os.path.join(api.config_dir, "audit.jsonl")) as f:
        return [json.loads(line) for line in f if line.strip()]


def lockouts(session):
    return {(e["kind"], e["id"]): e for e in ok(session.get("/access/lockouts"))}


def test_five_wrong_passwords_lock_the_user(gate, admin):
    lock_user(gate, "carol@pve")
    # the right password is refused now, from any address
    for source in ("127.0.0.2", "127.0.0.3", "127.0.0.1"):
        status, _, _ = login(gate, "carol@pve", PASSWORDS["carol@pve"], source)
        assert status == 401, source
    e = lockouts(admin)[("user", "carol@pve")]
    assert e["failures"] == 5
    assert 850 < e["locked-until"] - time.time() <= 905, e
    events = [a for a in audit(gate) if a.get("event") == "lockout"
              and a.get("id") == "carol@pve"]
    assert any(a["action"] == "lock" for a in events), events
    assert sum(a["action"] == "refused" for a in events) >= 3, events
    refused = [a for a in audit(gate) if a.get("event") == "login" and
               a.get("user") == "carol@pve" and "locked out" in
               a.get("reason", "")]
    assert len(refused) >= 3, refused
    # other users are not affected
    assert login(gate, "frank@pve", PASSWORDS["frank@pve"], "127.0.0.2")[0] == 200


def test_a_locked_login_looks_like_a_wrong_password(gate):
    lock_user(gate, "carol@pve")
    locked, wrong = in_parallel([
        (login, (gate, "carol@pve", PASSWORDS["carol@pve"], "127.0.0.3")),
        (login, (gate, "frank@pve", "not-franks", "127.0.0.3"))])
    assert locked[0] == wrong[0] == 401
    assert locked[1] == wrong[1]
    assert json.loads(locked[1]) == {"data": None, "message": AUTH_FAIL}
    for took in (locked[2], wrong[2]):
        assert FAIL_DELAY - 0.05 <= took < FAIL_DELAY + 1.5, (locked, wrong)
    assert abs(locked[2] - wrong[2]) < 0.3, (locked, wrong)


def test_fifty_failures_lock_the_address(gate, admin):
    res = in_parallel([(login, (gate, "nobody%d@pve" % i, "whatever-1",
                                "127.0.0.4")) for i in range(50)])
    assert {r[0] for r in res} == {401}
    assert login(gate, "bob@pve", PASSWORDS["bob@pve"], "127.0.0.4")[0] == 401
    assert login(gate, "bob@pve", PASSWORDS["bob@pve"], "127.0.0.5")[0] == 200
    e = lockouts(admin)[("address", "127.0.0.4")]
    assert e["failures"] == 50 and e["locked-until"] > time.time()
    # bob's refusal was not counted against bob
    assert ("user", "bob@pve") not in lockouts(admin)
    assert ok(admin.delete("/access/lockouts/address/127.0.0.4")) == 1
    assert login(gate, "bob@pve", PASSWORDS["bob@pve"], "127.0.0.4")[0] == 200


def test_the_lock_ends_after_fifteen_minutes(gate):
    lock_user(gate, "carol@pve")
    set_clock(gate.config_dir, 14 * 60)
    assert login(gate, "carol@pve", PASSWORDS["carol@pve"], "127.0.0.2")[0] == 401
    set_clock(gate.config_dir, 15 * 60 + 5)
    assert login(gate, "carol@pve", PASSWORDS["carol@pve"], "127.0.0.2")[0] == 200


def test_unlock_through_the_api_and_the_cli(gate, admin):
    lock_user(gate, "carol@pve")
    assert ok(admin.delete("/access/lockouts/user/carol@pve")) == 1
    assert ("user", "carol@pve") not in lockouts(admin)
    assert login(gate, "carol@pve", PASSWORDS["carol@pve"], "127.0.0.2")[0] == 200
    assert ok(admin.delete("/access/lockouts/user/carol@pve")) == 0
    lock_user(gate, "carol@pve")
    listed = cli_json(gate.config_dir, "lockout", "list")
    assert {"kind": "user", "id": "carol@pve", "failures": 5} == {
        k: v for k, v in listed[0].items() if k != "locked-until"}, listed
    cli(gate.config_dir, "lockout", "unlock", "user", "carol@pve")
    assert login(gate, "carol@pve", PASSWORDS["carol@pve"], "127.0.0.2")[0] == 200
    events = [a for a in audit(gate) if a.get("event") == "lockout"
              and a.get("action") == "unlock"]
    assert any(a.get("actor") == "alice@pve" and a.get("id") == "carol@pve"
               for a in events), events


def test_permissions(gate, admin):
    erin = gate.session("erin@pve")    # PVEAuditor on /
    bob = gate.session("bob@pve")      # nothing
    dave = gate.session("dave@pve")    # user admin of group ops
    ok(erin.get("/access/lockouts"))
    assert ok(erin.get("/access/lockouts/options"))["user-failures"] == 5
    forbidden(bob.get("/access/lockouts"), "/access, Sys.Audit")
    forbidden(bob.get("/access/lockouts/options"), "/access, Sys.Audit")
    forbidden(erin.delete("/access/lockouts/address/127.0.0.9"),
              "/access, Sys.Modify")
    forbidden(erin.put("/access/lockouts/options", {"user-failures": 3}),
              "/access, Sys.Modify")
    assert erin.delete("/access/lockouts/user/frank@pve").status_code == 403
    # unlock-tfa's rule: User.Modify on a group of the user
    ok(dave.delete("/access/lockouts/user/frank@pve"))
    assert dave.delete("/access/lockouts/user/bob@pve").status_code == 403
    ok(admin.delete("/access/lockouts/user/bob@pve"))
    error(admin.delete("/access/lockouts/address/not-an-ip"), 400)
    # a token needs the same privileges
    forbidden(gate.token_session("alice@pve!sep").delete(
        "/access/lockouts/address/127.0.0.9"), "/access, Sys.Modify")


def test_options(gate, admin):
    ok(admin.put("/access/lockouts/options", {"user-failures": 3,
                                              "trusted": "10.0.0.0/8, ::1"}))
    o = ok(admin.get("/access/lockouts/options"))
    assert o == {"user-failures": 3, "user-window": 900, "user-lock": 900,
                 "address-failures": 50, "address-window": 900,
                 "address-lock": 900, "trusted": "10.0.0.0/8,::1/128"}
    r = admin.put("/access/lockouts/options", {"trusted": "10.0.0.1/8"})
    error(r, 400, "Parameter verification failed.")
    assert "trusted" in r.json()["errors"]
    error(admin.put("/access/lockouts/options", {"user-lock": 0}), 400)
    error(admin.put("/access/lockouts/options", {"user-failures": 1001}), 400)
    lock_user(gate, "carol@pve", n=3)
    assert login(gate, "carol@pve", PASSWORDS["carol@pve"], "127.0.0.2")[0] == 401
    ok(admin.put("/access/lockouts/options", {"delete": "user-failures"}))
    assert ok(admin.get("/access/lockouts/options"))["user-failures"] == 5
    with open(os.path.join(gate.config_dir, "realmgate", "lockout.cfg")) as f:
        assert "user-failures: 5\n" in f.read()
    shown = cli(gate.config_dir, "lockout", "options").stdout
    assert "10.0.0.0/8,::1/128" in shown


def test_root_logs_in_from_the_console_while_locked_for_strangers(gate, admin):
    assert ok(admin.get("/access/lockouts/options"))["trusted"] == \
        "127.0.0.1/32"
    lock_user(gate, "root@pam", "127.0.0.2")
    assert login(gate, "root@pam", ROOT_PW, "127.0.0.2")[0] == 401
    assert login(gate, "root@pam", ROOT_PW, "127.0.0.1")[0] == 200
    # strangers' guesses do not lock the console, nor do its own mistakes
    lock_user(gate, "root@pam", "127.0.0.1", n=6)
    assert login(gate, "root@pam", ROOT_PW, "127.0.0.1")[0] == 200
    assert ("address", "127.0.0.1") not in lockouts(admin)


def test_a_hundred_guesses_at_once_check_five_passwords(gate):
    before = len(audit(gate))
    res = in_parallel([(login, (gate, "carol@pve", "guess-%d" % i,
                                "127.0.0.%d" % (10 + i % 10)))
                       for i in range(100)])
    assert {r[0] for r in res} == {401}
    time.sleep(0.5)
    mine = [a for a in audit(gate)[before:] if a.get("event") == "login"
            and a.get("user") == "carol@pve"]
    assert len(mine) == 100
    checked = [a for a in mine if a.get("reason") == "invalid credentials"]
    assert len(checked) == 5, [a.get("reason") for a in mine]
    print("\n100 concurrent guesses at carol@pve from 10 addresses: "
          "%d passwords checked" % len(checked))


def test_locks_survive_a_restart(pam_env):  # noqa: F811
    d = new_config_dir()
    light_seed(d)
    cli(d, "user", "add", "pat@pve", "--password", "pat-secret-12")
    set_clock(d, 0)
    api = start_gate(d, {}, gate_env(d, pam_env))
    try:
        lock_user(api, "pat@pve")
        stop_server(api)
        api = start_gate(d, {}, gate_env(d, pam_env))
        assert login(api, "pat@pve", "pat-secret-12", "127.0.0.3")[0] == 401
        e = lockouts(api.session("alice@pve"))[("user", "pat@pve")]
        assert e["failures"] == 5
        st = os.stat(os.path.join(d, "local", "lockout.state"))
        assert st.st_mode & 0o777 == 0o600 and st.st_uid == 0
        set_clock(d, 901)
        assert login(api, "pat@pve", "pat-secret-12", "127.0.0.3")[0] == 200
    finally:
        stop_server(api)
        shutil.rmtree(d, ignore_errors=True)
