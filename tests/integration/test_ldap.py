"""
LDAP realms against a real slapd (tests/peers, started on 127.0.0.1):
realm options and the bind password file, `realmgate realm check`, TLS
(ldaps and StartTLS, right and wrong CA), logins through the daemon with
RFC 4515 escaping and failover between servers, and realm sync with its
options, guard, legacy flags and transaction.
"""
import json
import os
import shutil
import socket
import stat
import subprocess
import time

import pytest

from conftest import (BIN, cli, cli_json, new_config_dir, seed, start_server,
                      stop_server)
from faultproxy import FaultProxy

REALM = "corp"


def add_realm(d, peer, realm=REALM, mode="ldaps", extra=()):
    port = peer.tls_port if mode == "ldaps" else peer.port
    cli(d, "realm", "add", realm, "--type", "ldap", "--server1", "127.0.0.1",
        "--port", str(port), "--mode", mode, "--base_dn", peer.base_dn,
        "--user_attr", "uid", "--bind_dn", peer.bind_dn,
        "--password", peer.bind_pw, "--capath", peer.ca_file,
        "--sync_attributes", "email=mail,firstname=givenName,lastname=sn",
        *extra)


@pytest.fixture
def cfg(slapd):
    d = new_config_dir()
    add_realm(d, slapd)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def read(path):
    with open(path) as f:
        return f.read()


def cli_ticket(d, user, password):
    """`pveum ticket USER`, the password on stdin."""
    return subprocess.run([BIN, "--config-dir", d, "ticket", user],
                          input=password + "\n", capture_output=True,
                          text=True, timeout=60)


def user_cfg(d):
    p = os.path.join(d, "user.cfg")
    return read(p) if os.path.exists(p) else ""


# realm options ---------------------------------------------------------

def test_bind_password_lives_in_priv_realm_and_verify_is_written(cfg, slapd):
    domains = read(os.path.join(cfg, "domains.cfg"))
    assert "ldap: corp" in domains
    assert "\tverify 1\n" in domains            # realmgate writes it out
    assert slapd.bind_pw not in domains
    pw = os.path.join(cfg, "priv", "realm", "corp.pw")
    assert read(pw).strip() == slapd.bind_pw
    assert stat.S_IMODE(os.stat(pw).st_mode) == 0o600


def test_realm_check_reports_each_step(cfg, slapd):
    p = cli(cfg, "realm", "check", REALM)
    assert "(ldaps): connected, certificate verified" in p.stdout
    assert "bind as %s: ok" % slapd.bind_dn in p.stdout
    assert "base_dn %s: found" % slapd.base_dn in p.stdout
    cli(cfg, "realm", "modify", REALM, "--password", "wrong-one")
    p = cli(cfg, "realm", "check", REALM, check=False)
    assert p.returncode != 0
    assert "bind as %s: FAILED" % slapd.bind_dn in p.stdout
    assert "Invalid credentials" in p.stdout
    cli(cfg, "realm", "modify", REALM, "--password", slapd.bind_pw,
        "--base_dn", "ou=nowhere," + slapd.base_dn)
    p = cli(cfg, "realm", "check", REALM, check=False)
    assert p.returncode != 0 and "base_dn: FAILED" in p.stdout


@pytest.mark.parametrize("mode", ["ldaps", "ldap+starttls"])
def test_tls_right_ca_passes_wrong_ca_fails(slapd, mode):
    d = new_config_dir()
    add_realm(d, slapd, mode=mode)
    assert "realm corp: ok" in cli(d, "realm", "check", REALM).stdout
    cli(d, "realm", "modify", REALM, "--capath", slapd.wrong_ca_file)
    p = cli(d, "realm", "check", REALM, check=False)
    assert p.returncode != 0
    assert "TLS handshake" in p.stdout, p.stdout
    # verification off connects even with the wrong CA (Proxmox's verify 0)
    cli(d, "realm", "modify", REALM, "--verify", "0")
    p = cli(d, "realm", "check", REALM)
    assert "NOT verified" in p.stdout
    shutil.rmtree(d, ignore_errors=True)


def test_check_connection_refuses_bad_settings_and_changes_nothing(slapd):
    d = new_config_dir()
    before = read(os.path.join(d, "domains.cfg")) if os.path.exists(
        os.path.join(d, "domains.cfg")) else None
    p = cli(d, "realm", "add", "bad", "--type", "ldap", "--server1",
            "127.0.0.1", "--port", str(slapd.tls_port), "--mode", "ldaps",
            "--base_dn", slapd.base_dn, "--user_attr", "uid", "--bind_dn",
            slapd.bind_dn, "--password", "not-it", "--capath", slapd.ca_file,
            "--check-connection", "1", check=False)
    assert p.returncode != 0 and "Invalid credentials" in p.stderr
    after = read(os.path.join(d, "domains.cfg")) if os.path.exists(
        os.path.join(d, "domains.cfg")) else None
    assert before == after
    assert not os.path.exists(os.path.join(d, "priv", "realm", "bad.pw"))
    shutil.rmtree(d, ignore_errors=True)


# logins through the daemon --------------------------------------------

@pytest.fixture
def daemon(slapd):
    d = new_config_dir()
    info = seed(d)
    add_realm(d, slapd)
    for u in ("user1", "user2", slapd.weird_uid, "*", "nobody-in-ldap"):
        cli(d, "user", "add", "%s@%s" % (u, REALM))
    api = start_server(d, info["tokens"],
                       ["--audit-log", os.path.join(d, "audit.jsonl")])
    yield api
    stop_server(api)
    shutil.rmtree(d, ignore_errors=True)


def failed_logins(api):
    with open(os.path.join(api.config_dir, "audit.jsonl")) as f:
        lines = [json.loads(l) for l in f if l.strip()]
    return [l for l in lines if l.get("event") == "login"
            and l.get("result") == "failure"]


def test_ldap_login(daemon, slapd):
    ticket, csrf = daemon.login("user1@corp", slapd.user_password)
    assert ticket.startswith("PVE:user1@corp:")
    # the realm may also come as a separate parameter, as the login page does
    daemon.login("user2", slapd.user_password, realm=REALM)
    # filter metacharacters in a user name are escaped, and work
    daemon.login("%s@corp" % slapd.weird_uid, slapd.user_password)


def test_ldap_login_failures_look_alike_but_are_logged_apart(daemon, slapd):
    cases = [("user1@corp", "wrong"), ("user1@corp", ""),
             ("nobody-in-ldap@corp", slapd.user_password),
             # "*" must not match every entry: it is escaped to \2a
             ("*@corp", slapd.user_password)]
    bodies = set()
    for user, pw in cases:
        r = daemon.ticket_request(user, pw)
        assert r.status_code == 401, (user, r.text)
        bodies.add(r.text)
    assert len(bodies) == 1
    text = json.dumps(failed_logins(daemon))
    assert "Invalid credentials" in text
    assert "user dn is empty" in text
    assert "(uid=\\\\2a)" in text or "uid=\\\\2a" in text


def test_directory_down_is_logged_as_such(slapd_factory):
    peer = slapd_factory(nusers=3, ngroups=0, special=False)
    d = new_config_dir()
    info = seed(d)
    add_realm(d, peer)
    cli(d, "user", "add", "user1@corp")
    api = start_server(d, info["tokens"],
                       ["--audit-log", os.path.join(d, "audit.jsonl")])
    try:
        api.login("user1@corp", peer.user_password)
        peer.stop()
        r = api.ticket_request("user1@corp", peer.user_password)
        assert r.status_code == 401
        text = json.dumps(failed_logins(api))
        assert "cannot connect to the directory" in text, text
        assert "Invalid credentials" not in text
    finally:
        stop_server(api)
        shutil.rmtree(d, ignore_errors=True)


def test_failover_first_server_down_second_answers(slapd, tmp_path):
    """server1 (127.0.0.2) refuses, the `servers` list goes on in order."""
    d = new_config_dir()
    add_realm(d, slapd, mode="ldap", extra=(
        "--server1", "127.0.0.2", "--server2", "127.0.0.3",
        "--servers", "127.0.0.4,127.0.0.1"))
    cli(d, "user", "add", "user3@corp")
    t0 = time.monotonic()
    p = cli(d, "realm", "check", REALM)
    assert "server 127.0.0.2 port %d (ldap): FAILED" % slapd.port in p.stdout
    assert "server 127.0.0.1 port %d (ldap): connected" % slapd.port in p.stdout
    p = cli_ticket(d, "user3@corp", slapd.user_password)
    assert p.returncode == 0 and p.stdout.startswith("PVE:user3@corp:"), \
        p.stderr
    assert time.monotonic() - t0 < 5
    shutil.rmtree(d, ignore_errors=True)


def test_connect_timeout_bounds_a_silent_server(slapd):
    """A server that accepts nothing costs connect-timeout, not 10 s."""
    black = socket.socket()
    black.bind(("127.0.0.1", 0))
    black.listen(0)
    # fill the backlog so further connects hang
    fillers = []
    for _ in range(8):
        s = socket.socket()
        s.setblocking(False)
        try:
            s.connect(("127.0.0.1", black.getsockname()[1]))
        except BlockingIOError:
            pass
        fillers.append(s)
    d = new_config_dir()
    add_realm(d, slapd, mode="ldap", extra=("--connect-timeout", "1"))
    cli(d, "realm", "modify", REALM, "--port", str(black.getsockname()[1]))
    t0 = time.monotonic()
    p = cli(d, "realm", "check", REALM, check=False)
    took = time.monotonic() - t0
    assert p.returncode != 0
    assert took < 8, took
    for s in fillers:
        s.close()
    black.close()
    shutil.rmtree(d, ignore_errors=True)


# sync -------------------------------------------------------------------

def ok_json(r):
    assert r.status_code == 200, r.text
    return r.json()["data"]


def sync(d, *args, check=True):
    return cli(d, "realm", "sync", REALM, *args, check=check)


def test_sync_users_and_groups(cfg, slapd):
    p = sync(cfg, "--scope", "both")
    assert p.stdout.startswith("starting sync for realm corp\n")
    assert "got data from server, updating users and groups\n" in p.stdout
    assert "adding user 'user1@corp'\n" in p.stdout
    assert "adding group 'group1-corp'\n" in p.stdout
    assert p.stdout.endswith("successfully updated users and groups "
                             "configuration\n")
    users = cli_json(cfg, "user", "list")
    ids = {u["userid"] for u in users}
    assert {"user%d@corp" % i for i in range(1, 51)} <= ids
    u7 = [u for u in users if u["userid"] == "user7@corp"][0]
    assert u7["email"] == "user7@example.org"
    assert u7["firstname"] == "User" and u7["lastname"] == "Number7"
    assert u7["enable"] == 1
    groups = {g["groupid"]: g for g in cli_json(cfg, "group", "list")}
    assert "group1-corp" in groups
    members = set(groups["group1-corp"]["users"].split(","))
    assert members == {"user%d@corp" % i for i in range(1, 11)}
    # "Ops Team" cannot be a group id: it is mapped, not dropped
    assert "Ops-Team-corp" in groups
    assert "group 'Ops Team' is stored as 'Ops-Team-corp'" in p.stdout


def test_sync_dry_run_prints_the_diff_and_writes_nothing(cfg, slapd):
    before = user_cfg(cfg)
    p = sync(cfg, "--scope", "both", "--dry-run", "1")
    assert p.stdout.startswith("(dry test run) starting sync for realm corp")
    assert "+ user user1@corp\n" in p.stdout
    assert "+ group group1-corp (10 members)\n" in p.stdout
    assert p.stdout.rstrip().endswith(
        "NOTE: Dry test run, changes were NOT written to the configuration.")
    assert user_cfg(cfg) == before


def test_sync_enable_new_and_remove_vanished(slapd_factory):
    peer = slapd_factory(nusers=10, ngroups=2, members=5, special=False)
    d = new_config_dir()
    add_realm(d, peer)
    sync(d, "--scope", "both", "--enable-new", "0")
    users = {u["userid"]: u for u in cli_json(d, "user", "list")}
    assert users["user1@corp"].get("enable", 0) == 0
    cli(d, "user", "modify", "user2@corp", "--enable", "1", "--comment",
        "local note")
    cli(d, "acl", "modify", "/vms", "--users", "user2@corp", "--roles",
        "PVEVMUser")
    cli(d, "acl", "modify", "/vms", "--groups", "group2-corp", "--roles",
        "PVEAuditor")
    cli(d, "user", "token", "add", "user2@corp", "ci")
    tokens = os.path.join(d, "priv", "token.cfg")
    assert "user2@corp!ci" in read(tokens)
    # user2 and group2 leave the directory
    peer.ldapdelete(peer.user_dn(2), peer.group_dn("group2"))
    p = sync(d, "--scope", "both", "--remove-vanished", "acl;entry",
             "--dry-run", "1")
    assert "- acl /vms user2@corp PVEVMUser\n" in p.stdout
    p = sync(d, "--scope", "both", "--remove-vanished", "acl;entry")
    assert "syncing users (remove-vanished opts: acl;entry)\n" in p.stdout
    assert "remove user 'user2@corp'\n" in p.stdout
    assert "purge users 'user2@corp' ACL entries\n" in p.stdout
    assert "remove group 'group2-corp'\n" in p.stdout
    text = user_cfg(d)
    assert "user2@corp" not in text.replace("user2@corp,", "") or \
        "user:user2@corp" not in text
    assert "user:user2@corp:" not in text
    assert "group2-corp" not in text
    # beyond Proxmox: the removed user's token secret went with it
    assert "user2@corp!ci" not in read(tokens)
    # without `properties` an existing user keeps its local fields
    cli(d, "user", "modify", "user3@corp", "--comment", "keep me")
    sync(d, "--scope", "users")
    u3 = [u for u in cli_json(d, "user", "list") if u["userid"] == "user3@corp"][0]
    assert u3["comment"] == "keep me"
    # with it the record is replaced from the directory (enable stays)
    cli(d, "user", "modify", "user3@corp", "--enable", "1")
    p = sync(d, "--scope", "users", "--remove-vanished", "properties")
    assert "overwriting user 'user3@corp'\n" in p.stdout
    u3 = [u for u in cli_json(d, "user", "list") if u["userid"] == "user3@corp"][0]
    assert "comment" not in u3 and u3["enable"] == 1
    shutil.rmtree(d, ignore_errors=True)


def test_sync_defaults_and_legacy_flags(slapd_factory):
    peer = slapd_factory(nusers=5, ngroups=1, members=5, special=False)
    d = new_config_dir()
    add_realm(d, peer)
    p = sync(d, check=False)
    assert p.returncode != 0
    assert "Not passed as parameter and not defined in realm default sync " \
        "options" in p.stderr
    cli(d, "realm", "modify", REALM, "--sync-defaults-options",
        "scope=users,enable-new=1")
    sync(d)
    cli(d, "user", "add", "gone@corp")
    cli(d, "acl", "modify", "/", "--users", "gone@corp", "--roles",
        "PVEAuditor")
    # the published cron recipe: --purge true removes vanished users
    p = sync(d, "--purge", "1")
    assert "NOTE: the deprecated option 'purge' is applied as " \
        "remove-vanished 'acl;entry'" in p.stdout
    assert "remove user 'gone@corp'\n" in p.stdout
    assert "gone@corp" not in user_cfg(d)
    shutil.rmtree(d, ignore_errors=True)


def test_sync_guard_refuses_empty_and_mass_removal(slapd_factory):
    peer = slapd_factory(nusers=20, ngroups=0, special=False)
    d = new_config_dir()
    add_realm(d, peer)
    sync(d, "--scope", "users")
    before = user_cfg(d)
    # a filter that matches nothing looks like an empty directory
    cli(d, "realm", "modify", REALM, "--filter", "(uid=nosuchuser)")
    p = sync(d, "--scope", "users", "--remove-vanished", "entry",
             check=False)
    assert p.returncode != 0
    assert "returned no users" in p.stderr and "nothing was changed" in p.stderr
    assert user_cfg(d) == before
    # 5 of 20 left: removing 75% is over the default 20%
    cli(d, "realm", "modify", REALM, "--filter",
        "(|(uid=user1)(uid=user2)(uid=user3)(uid=user4)(uid=user5))")
    p = sync(d, "--scope", "users", "--remove-vanished", "entry",
             check=False)
    assert p.returncode != 0
    assert "would remove 15 of the 20 users" in p.stderr
    assert user_cfg(d) == before
    # a dry run shows it with a warning; an explicit override applies it
    p = sync(d, "--scope", "users", "--remove-vanished", "entry",
             "--dry-run", "1")
    assert "WARNING: the sync would remove 15" in p.stdout
    cli(d, "realm", "modify", REALM, "--sync-max-remove", "80")
    sync(d, "--scope", "users", "--remove-vanished", "entry")
    assert len([u for u in cli_json(d, "user", "list")
                if u["userid"].endswith("@corp")]) == 5
    shutil.rmtree(d, ignore_errors=True)


def test_directory_killed_mid_sync_changes_nothing(slapd_factory):
    peer = slapd_factory(nusers=3000, ngroups=10, members=50, special=False)
    d = new_config_dir()
    add_realm(d, peer, mode="ldap")
    sync(d, "--scope", "users")
    cli(d, "user", "add", "local@pve")
    before = user_cfg(d)
    # kill -9 once 150 kB of answers passed: well into page 1 of 4, at a
    # point that does not depend on timing
    proxy = FaultProxy(peer.port).set(after=150000, action="kill",
                                      kill=peer.kill)
    cli(d, "realm", "modify", REALM, "--port", str(proxy.port))
    try:
        p = sync(d, "--scope", "both", "--remove-vanished",
                 "acl;entry;properties", check=False)
    finally:
        proxy.close()
    assert proxy.fired.is_set()
    assert p.returncode != 0
    assert "sync of realm 'corp' aborted, nothing was changed" in p.stderr
    assert "Can't contact LDAP server" in p.stderr
    assert "successfully updated" not in p.stdout
    assert user_cfg(d) == before
    shutil.rmtree(d, ignore_errors=True)


def test_sync_through_the_api_returns_a_upid(daemon, slapd):
    s = daemon.session("alice@pve")
    r = s.post("/access/domains/corp/sync", data={"scope": "users",
                                                  "dry-run": 1})
    assert r.status_code == 200, r.text
    upid = r.json()["data"]
    assert upid.startswith("UPID:") and ":auth-realm-sync-test:corp:" \
        "alice@pve:" in upid
    node = upid.split(":")[1]
    st = ok_json(s.get("/nodes/%s/tasks/%s/status" % (node, upid)))
    assert st["status"] == "stopped" and st["exitstatus"] == "OK"
    assert st["type"] == "auth-realm-sync-test" and st["user"] == "alice@pve"
    lines = [l["t"] for l in ok_json(s.get("/nodes/%s/tasks/%s/log" %
                                           (node, upid),
                                           params={"limit": 0}))]
    assert lines[0] == "(dry test run) starting sync for realm corp"
    assert "+ user user10@corp" in lines and lines[-1] == "TASK OK"
    # someone else's task needs Sys.Audit on /nodes/{node}
    r = daemon.session("bob@pve").get("/nodes/%s/tasks/%s/log" % (node, upid))
    assert r.status_code == 403
    r = daemon.session("erin@pve").get("/nodes/%s/tasks/%s/log" %
                                       (node, upid))
    assert r.status_code == 200
    r = s.get("/nodes/%s/tasks/%s/log" % (node, "UPID:../../etc:passwd"))
    assert r.status_code == 400
    # bob has no Realm.AllocateUser
    r = daemon.session("bob@pve").post("/access/domains/corp/sync",
                                       data={"scope": "users"})
    assert r.status_code == 403
    r = s.post("/access/domains/pve/sync", data={"scope": "users"})
    assert r.status_code >= 400
    assert "Only LDAP/AD realms can be synced" in r.text


def test_login_refreshes_group_memberships(slapd_factory):
    """login-groups 1: a membership change applies at the next login."""
    peer = slapd_factory(nusers=6, ngroups=3, members=2, special=False)
    d = new_config_dir()
    add_realm(d, peer, extra=("--login-groups", "1", "--nested-groups", "1"))
    sync(d, "--scope", "both")

    def groups_of(user):
        return sorted(g["groupid"] for g in cli_json(d, "group", "list")
                      if user in (g.get("users") or "").split(","))
    assert groups_of("user1@corp") == ["group1-corp"]
    # user1 leaves group1 and joins group3; group2 is nested in group3
    peer.ldapmodify(
        "dn: %s\nchangetype: modify\ndelete: member\nmember: %s\n\n"
        "dn: %s\nchangetype: modify\nadd: member\nmember: %s\n"
        "member: %s\n" % (peer.group_dn("group1"), peer.user_dn(1),
                          peer.group_dn("group3"), peer.user_dn(1),
                          peer.group_dn("group2")))
    assert groups_of("user1@corp") == ["group1-corp"]    # not yet
    p = cli_ticket(d, "user1@corp", peer.user_password)
    assert p.returncode == 0, p.stderr
    assert groups_of("user1@corp") == ["group3-corp"]
    # user3 is in group2, and so (nested) in group3
    p = cli_ticket(d, "user3@corp", peer.user_password)
    assert p.returncode == 0, p.stderr
    assert groups_of("user3@corp") == ["group2-corp", "group3-corp"]
    shutil.rmtree(d, ignore_errors=True)


def test_scheduled_sync_job_runs_in_the_daemon(daemon, slapd):
    s = daemon.session("alice@pve")
    r = s.post("/cluster/jobs/realm-sync/every-2s",
               data={"realm": REALM, "schedule": "*:*:0/2",
                     "scope": "users", "enable-new": 1,
                     "comment": "test job"})
    assert r.status_code == 200, r.text
    text = read(os.path.join(daemon.config_dir, "jobs.cfg"))
    assert text.startswith("realm-sync: every-2s\n"), text
    assert "\trealm corp\n\tschedule *:*:0/2\n\tscope users\n" in text
    # bad input is refused with Proxmox-like messages
    r = s.post("/cluster/jobs/realm-sync/bad",
               data={"realm": "pve", "schedule": "02:30", "scope": "users"})
    assert r.status_code == 500 and "Only LDAP/AD realms" in r.text
    r = s.post("/cluster/jobs/realm-sync/bad2",
               data={"realm": REALM, "schedule": "25:99:99", "scope": "users"})
    assert r.status_code == 400 and "schedule" in r.json()["errors"], r.text
    state = os.path.join(daemon.config_dir, "priv", "jobs",
                         "realm-sync-every-2s.json")
    deadline = time.monotonic() + 30
    st = {}
    while time.monotonic() < deadline:
        if os.path.exists(state):
            st = json.loads(read(state))
            if "upid" in st:
                break
        time.sleep(0.3)
    assert "upid" in st, st
    assert ":auth-realm-sync:corp:root@pam:" in st["upid"]
    assert "user:user42@corp:" in read(os.path.join(daemon.config_dir,
                                                     "user.cfg"))
    jobs = s.get("/cluster/jobs/realm-sync").json()["data"]
    job = [j for j in jobs if j["id"] == "every-2s"][0]
    assert job["last-run"] > 0 and job["next-run"] >= job["last-run"]
    assert job["comment"] == "test job" and job["enabled"] == 1
    r = s.put("/cluster/jobs/realm-sync/every-2s", data={"enabled": 0})
    assert r.status_code == 200, r.text
    r = s.delete("/cluster/jobs/realm-sync/every-2s")
    assert r.status_code == 200, r.text
    assert not os.path.exists(state)
    assert "every-2s" not in read(os.path.join(daemon.config_dir,
                                               "jobs.cfg"))


def test_capath_may_be_a_directory(slapd, tmp_path):
    d = new_config_dir()
    cadir = tmp_path / "cas"
    cadir.mkdir()
    shutil.copy(slapd.ca_file, cadir / "test-ca.crt")
    add_realm(d, slapd, extra=("--capath", str(cadir)))
    assert "certificate verified" in cli(d, "realm", "check", REALM).stdout
    # without capath the system's store decides: our test CA is not in it
    cli(d, "realm", "modify", REALM, "--delete", "capath")
    p = cli(d, "realm", "check", REALM, check=False)
    assert p.returncode != 0 and "system's store" in p.stdout
    shutil.rmtree(d, ignore_errors=True)


def test_case_insensitive_realm_logs_in_with_the_stored_spelling(slapd):
    d = new_config_dir()
    add_realm(d, slapd, extra=("--case-sensitive", "0"))
    cli(d, "user", "add", "user9@corp")
    p = cli_ticket(d, "USER9@corp", slapd.user_password)
    assert p.returncode == 0 and p.stdout.startswith("PVE:user9@corp:"), \
        p.stderr
    # case-sensitive (the default): USER9 is not user9
    cli(d, "realm", "modify", REALM, "--case-sensitive", "1")
    assert cli_ticket(d, "USER9@corp", slapd.user_password).returncode != 0
    shutil.rmtree(d, ignore_errors=True)


def test_check_config_warns_about_tls_without_verify(slapd):
    d = new_config_dir()
    with open(os.path.join(d, "domains.cfg"), "w") as f:
        f.write("ldap: px\n\tbase_dn dc=example,dc=org\n\tserver1 127.0.0.1\n"
                "\tuser_attr uid\n\tmode ldaps\n\n")
    p = cli(d, "check-config", check=False)
    assert p.returncode == 1
    assert "realm 'px' uses TLS without 'verify'" in p.stdout
    shutil.rmtree(d, ignore_errors=True)


def test_client_certificate(slapd_factory, tmp_path):
    """A directory that demands a client certificate gets the realm's
    cert/certkey (used, as in Proxmox, when verify is on)."""
    peer = slapd_factory(nusers=3, ngroups=0, special=False)
    peer.stop()
    conf = os.path.join(peer.dir, "slapd.conf")
    text = read(conf).replace("TLSCertificateKeyFile",
                              "TLSVerifyClient demand\nTLSCertificateKeyFile", 1)
    with open(conf, "w") as f:
        f.write(text)
    peer.start()
    ca_key = os.path.join(os.path.dirname(peer.ca_file), "ca.key")
    key, csr, crt = (str(tmp_path / n) for n in ("c.key", "c.csr", "c.crt"))
    subprocess.run(["openssl", "req", "-newkey", "rsa:2048", "-nodes",
                    "-subj", "/CN=realmgate client", "-keyout", key,
                    "-out", csr], check=True, capture_output=True)
    subprocess.run(["openssl", "x509", "-req", "-in", csr, "-CA",
                    peer.ca_file, "-CAkey", ca_key, "-CAcreateserial",
                    "-days", "2", "-out", crt], check=True,
                   capture_output=True)
    d = new_config_dir()
    add_realm(d, peer)
    p = cli(d, "realm", "check", REALM, check=False)
    assert p.returncode != 0 and "client certificate" in p.stdout, p.stdout
    cli(d, "realm", "modify", REALM, "--cert", crt, "--certkey", key)
    p = cli(d, "realm", "check", REALM)
    assert "certificate verified" in p.stdout and "realm corp: ok" in p.stdout
    shutil.rmtree(d, ignore_errors=True)
