"""
Issue 9, Part A items 1-4 and the realm half of 9, attacked through the
HTTP API (and the CLI) of a real daemon: list separators in ids, the pam
password of another user, requests that used to abort authd, values that
corrupted user.cfg or vanished, and the built-in realms.

The daemon of this module is its own (the attacks change rights), seeded
as conftest.seed does: dave@pve manages the users of group ops.
"""
import json
import os
import shutil
import subprocess

import pytest

from conftest import (BIN, PASSWORDS, bad_params, cli, error, forbidden,
                      new_config_dir, ok, seed, start_server, stop_server)


@pytest.fixture(scope="module")
def srv():
    d = new_config_dir()
    info = seed(d)
    api = start_server(d, info["tokens"])
    yield api
    stop_server(api)
    shutil.rmtree(d, ignore_errors=True)


def read_cfg(api, name="user.cfg"):
    """The file's bytes (None while it does not exist)."""
    try:
        with open(os.path.join(api.config_dir, name), "rb") as f:
            return f.read()
    except FileNotFoundError:
        return None


def alive(api):
    """The daemon still answers and none of its processes died."""
    assert api.proc.poll() is None, bytes(api.proc.stderr_log).decode(
        errors="replace")
    assert ok(api.anon().get("/access/domains"))


def cli_bytes(config_dir, *args):
    """The CLI with raw byte arguments (not UTF-8 on purpose)."""
    argv = [BIN.encode(), b"--config-dir", config_dir.encode()] + [
        a if isinstance(a, bytes) else a.encode() for a in args]
    return subprocess.run(argv, capture_output=True, timeout=60)


# 1. list separators in identifiers ---------------------------------------
SEPARATED_IDS = ["x@pve,alice@pve", "x@pve;alice@pve", "x!y@pve",
                 "x=y@pve", "@ops@pve", "x\x01y@pve", "x\x7fy@pve"]


@pytest.mark.parametrize("userid", SEPARATED_IDS)
def test_user_ids_with_separators_are_refused(srv, userid):
    dave = srv.session("dave@pve")
    before = read_cfg(srv)
    r = dave.post("/access/users", data={"userid": userid, "groups": "ops",
                                         "password": "pw-pw-pw-pw"})
    errs = bad_params(r, "userid")
    assert "user name" in errs["userid"] and "may not" in errs["userid"], errs
    assert read_cfg(srv) == before
    # root through the CLI: the same grammar, Proxmox's 400 form
    p = cli(srv.config_dir, "user", "add", userid, check=False)
    assert p.returncode == 255, p
    assert p.stderr.startswith("400 Parameter verification failed.\n"), p.stderr
    assert "userid: " in p.stderr and "may not" in p.stderr
    assert read_cfg(srv) == before


def test_separator_attack_end_to_end(srv):
    """dave (user admin of ops) tries to make alice (Administrator) a
    member of ops, then a token for alice, then Administrator for himself."""
    dave = srv.session("dave@pve")
    r = dave.post("/access/users", data={"userid": "x@pve,alice@pve",
                                         "groups": "ops"})
    bad_params(r, "userid")
    assert "ops" not in ok(srv.session("alice@pve").get(
        "/access/users/alice@pve"))["groups"]
    forbidden(dave.post("/access/users/alice@pve/token/esc",
                        data={"privsep": 0}))
    r = dave.put("/access/acl", data={"path": "/", "roles": "Administrator",
                                      "users": "dave@pve"})
    assert r.status_code in (400, 403), r.text
    perms = ok(dave.get("/access/permissions", params={"path": "/"}))
    assert "Permissions.Modify" not in perms.get("/", {})
    assert b"x@pve" not in read_cfg(srv)
    alive(srv)


def test_poisoned_user_cfg_never_reads_as_two(server_factory):
    """A user.cfg that already holds 'x@pve,alice@pve' (a Proxmox node may
    have written it): the id is never split into alice's memberships."""
    api = server_factory()
    path = os.path.join(api.config_dir, "user.cfg")
    with open(path) as f:
        text = f.read()
    text = text.replace("user:alice@pve:",
                        "user:x@pve,alice@pve:1:0::::::\n"
                        "user:x@pve,dave@pve:1:0::::::\n"
                        "user:alice@pve:", 1)
    text = text.replace("group:ops:carol@pve,frank@pve:",
                        "group:ops:carol@pve,frank@pve,x@pve,alice@pve:", 1)
    text += "acl:1:/:x@pve,dave@pve:Administrator:\n"
    with open(path + ".new", "w") as f:
        f.write(text)
    os.rename(path + ".new", path)

    alice = api.session("alice@pve")
    assert "ops" not in ok(alice.get("/access/users/alice@pve"))["groups"]
    dave = api.session("dave@pve")
    perms = ok(dave.get("/access/permissions", params={"path": "/"}))
    assert perms.get("/", {}) == {}, perms
    forbidden(dave.post("/access/users/alice@pve/token/esc",
                        data={"privsep": 0}))
    # check-config names the id; the user can be cleaned up via the API
    p = cli(api.config_dir, "check-config", check=False)
    assert p.returncode == 1 and "'x@pve,dave@pve'" in p.stderr, p
    assert "'x@pve,alice@pve'" in p.stderr, p
    # a poisoned user gets no token and no new group either
    bad_params(alice.post("/access/users/x@pve,dave@pve/token/t2"), "userid")
    r = alice.put("/access/users/x@pve,dave@pve", data={"groups": "ops"})
    bad_params(r, "userid")
    ok(alice.delete("/access/users/x@pve,dave@pve"))
    ok(alice.delete("/access/users/x@pve,alice@pve"))
    text = read_cfg(api).decode()
    assert "x@pve" not in text and "dave@pve:Administrator" not in text, text
    assert "group:ops:carol@pve,frank@pve:" in text, text
    alive(api)


def test_acl_and_token_ids_with_separators(srv):
    alice = srv.session("alice@pve")
    bad_params(alice.put("/access/acl", data={
        "path": "/", "roles": "PVEAuditor", "users": "x!y@pve"}), "users")
    bad_params(alice.put("/access/acl", data={
        "path": "/", "roles": "PVEAuditor", "tokens": "a=b@pve!tok"}),
        "tokens")
    bad_params(alice.post("/access/users/bob@pve/token/a,b"), "tokenid")


# 2. the system password of a pam user ------------------------------------
def test_pam_password_only_root_or_self(server_factory):
    api = server_factory()
    d = api.config_dir
    cli(d, "user", "add", "rgnosuchsys@pam", "--groups", "ops")
    # dave: User.Modify on ops and Realm.AllocateUser on the pam realm too
    cli(d, "acl", "modify", "/access/realm/pam", "--roles", "PVEUserAdmin",
        "--users", "dave@pve")
    dave = api.session("dave@pve")
    r = dave.put("/access/password", data={
        "userid": "rgnosuchsys@pam", "password": "new-password-1",
        "confirmation-password": PASSWORDS["dave@pve"]})
    forbidden(r)
    r = dave.put("/access/password", data={
        "userid": "root@pam", "password": "new-password-1",
        "confirmation-password": PASSWORDS["dave@pve"]})
    forbidden(r)
    # the pve realm is unchanged: dave may set frank's password
    ok(dave.put("/access/password", data={
        "userid": "frank@pve", "password": "frank-new-pass1",
        "confirmation-password": PASSWORDS["dave@pve"]}))
    api.login("frank@pve", "frank-new-pass1")
    alive(api)


# 3. requests that aborted authd ------------------------------------------
@pytest.fixture
def pool_admin(srv):
    d = srv.config_dir
    cli(d, "user", "add", "pooladm@pve", "--password", "pooladm-secret")
    cli(d, "acl", "modify", "/pool/dev", "--roles", "PVEPoolAdmin",
        "--users", "pooladm@pve")
    cli(d, "acl", "modify", "/storage", "--roles", "PVEDatastoreAdmin",
        "--users", "pooladm@pve")
    yield srv.session("pooladm@pve", "pooladm-secret")
    cli(d, "pool", "modify", "dev", "--storage", "st1,st2,st3", "--delete", "1")
    cli(d, "user", "delete", "pooladm@pve")


def pool_storage(api):
    members = ok(api.session("alice@pve").get(
        "/pools", params={"poolid": "dev"}))[0]["members"]
    return sorted(m["storage"] for m in members if m["type"] == "storage")


def test_pool_admin_two_storages(srv, pool_admin):
    ok(pool_admin.put("/pools/dev", data={"storage": "st1,st2"}))
    alive(srv)
    assert pool_storage(srv) == ["st1", "st2"]


def test_pool_admin_delete_storages(srv, pool_admin):
    ok(pool_admin.put("/pools/dev", data={"storage": "st1,st2"}))
    ok(pool_admin.put("/pools/dev", data={"storage": "st1,st2", "delete": 1}))
    alive(srv)
    assert pool_storage(srv) == []


def test_pool_admin_put_pools(srv, pool_admin):
    ok(pool_admin.put("/pools", data={"poolid": "dev",
                                      "storage": "st1,st2,st3"}))
    ok(pool_admin.put("/pools", data={"poolid": "dev", "storage": "st3",
                                      "delete": 1}))
    alive(srv)
    assert pool_storage(srv) == ["st1", "st2"]


def test_pool_refusal_changes_nothing(srv, pool_admin):
    """A VM the pool admin may not add: nothing of the request is kept,
    not even the storages listed before it."""
    before = read_cfg(srv)
    r = pool_admin.put("/pools/dev", data={"storage": "st1", "vms": "4711"})
    assert r.status_code in (403, 500), r.text
    assert "Permission check failed" in r.json()["message"]
    assert read_cfg(srv) == before
    alive(srv)


# 4. values that corrupted files or vanished -------------------------------
def test_pool_storage_id_format(srv):
    alice = srv.session("alice@pve")
    before = read_cfg(srv)
    for bad in ("a:b", "1st", "a", "st-", "a\nb", "caf\u00e9"):
        errs = bad_params(alice.put("/pools", data={"poolid": "dev",
                                                    "storage": bad}),
                          "storage")
        assert errs["storage"].startswith("invalid format - storage ID"), errs
    assert read_cfg(srv) == before
    # and later writes still work
    ok(alice.put("/pools", data={"poolid": "dev", "comment": "Development"}))
    p = cli(srv.config_dir, "pool", "modify", "dev", "--storage", "x:y",
            check=False)
    assert p.returncode == 255 and "storage: invalid format" in p.stderr, p


def test_vmid_format(srv):
    alice = srv.session("alice@pve")
    for bad in ("99", "0100", "1:2", "1e3"):
        bad_params(alice.put("/pools", data={"poolid": "dev", "vms": bad}),
                   "vms")


NOT_UTF8 = b"caf\xe9"


def test_not_utf8_form_body(srv):
    alice = srv.session("alice@pve")
    before = read_cfg(srv)
    r = alice.put("/access/users/bob@pve", data={"comment": NOT_UTF8})
    errs = bad_params(r, "comment")
    assert "UTF-8" in errs["comment"], errs
    assert read_cfg(srv) == before


def test_not_utf8_query_string(srv):
    alice = srv.session("alice@pve")
    before = read_cfg(srv)
    r = alice.request("PUT", "/access/users/bob@pve",
                      params={"firstname": NOT_UTF8})
    errs = bad_params(r, "firstname")
    assert "UTF-8" in errs["firstname"], errs
    r = alice.get("/access/permissions", params={"path": NOT_UTF8})
    bad_params(r, "path")
    assert read_cfg(srv) == before


def test_not_utf8_parameter_name(srv):
    alice = srv.session("alice@pve")
    r = alice.put("/access/users/bob@pve", data={NOT_UTF8: "x"})
    errs = error(r, 400, "Parameter verification failed.")["errors"]
    assert len(errs) == 1, errs
    assert "not defined in schema" in list(errs.values())[0]


def test_nul_in_a_query_value(srv):
    """A %00 in a query-string value cut the value off there (the comment
    became "ab", answered 200): refused whole, naming the field, in the
    query as in a form body; a name holding one names no parameter."""
    alice = srv.session("alice@pve")
    before = read_cfg(srv)
    r = alice.request("PUT", "/access/users/bob@pve?comment=ab%00cd")
    errs = bad_params(r, "comment")
    assert errs["comment"] == "value contains a NUL byte", errs
    r = alice.put("/access/users/bob@pve", data="comment=ab%00cd",
                  headers={"Content-Type":
                           "application/x-www-form-urlencoded"})
    errs = bad_params(r, "comment")
    assert errs["comment"] == "value contains a NUL byte", errs
    r = alice.request("PUT", "/access/users/bob@pve?comment%00x=y")
    errs = bad_params(r, "comment\\x00x")
    assert "not defined in schema" in errs["comment\\x00x"], errs
    bad_params(alice.get("/access/permissions?path=/vms%00x"), "path")
    assert read_cfg(srv) == before


def test_bad_bytes_in_a_path_segment(srv):
    """A path segment that is not UTF-8 vanished ("property is missing");
    one holding a %00 was cut off there (bob@pve%00x read and changed
    bob@pve).  Both are refused naming the parameter."""
    alice = srv.session("alice@pve")
    before = read_cfg(srv)
    errs = bad_params(alice.get("/access/users/%FF@pve"), "userid")
    assert errs["userid"] == "value is not valid UTF-8", errs
    errs = bad_params(alice.put("/access/users/caf%E9@pve",
                                data={"comment": "c"}), "userid")
    assert errs["userid"] == "value is not valid UTF-8", errs
    errs = bad_params(alice.get("/access/users/bob@pve%00x"), "userid")
    assert errs["userid"] == "value contains a NUL byte", errs
    errs = bad_params(alice.put("/access/users/bob@pve%00x",
                                data={"comment": "c"}), "userid")
    assert errs["userid"] == "value contains a NUL byte", errs
    assert read_cfg(srv) == before


def test_not_utf8_json_body(srv):
    alice = srv.session("alice@pve")
    before = read_cfg(srv)
    r = alice.request("PUT", "/access/users/bob@pve",
                      data=b'{"comment": "caf\xe9"}',
                      headers={"Content-Type": "application/json"})
    assert r.status_code == 400, r.text
    assert read_cfg(srv) == before


def test_not_utf8_cli(srv):
    before = read_cfg(srv)
    p = cli_bytes(srv.config_dir, "user", "modify", "bob@pve", "--comment",
                  NOT_UTF8)
    assert p.returncode == 255, p
    err = p.stderr.decode(errors="replace")
    assert err.startswith("400 Parameter verification failed.\n"), err
    assert "comment: " in err and "UTF-8" in err
    p = cli_bytes(srv.config_dir, "user", "add", b"caf\xe9@pve")
    assert p.returncode == 255 and b"userid: " in p.stderr, p
    assert read_cfg(srv) == before


def test_realm_property_values(srv):
    alice = srv.session("alice@pve")
    before = read_cfg(srv, "domains.cfg")
    bad_params(alice.put("/access/domains/pve", data={"comment": "a\nb"}),
               "comment")
    errs = bad_params(alice.put("/access/domains/pve",
                                data={"comment": NOT_UTF8}), "comment")
    assert "UTF-8" in errs["comment"]
    assert read_cfg(srv, "domains.cfg") == before


def test_realm_sync_job_parameters(srv):
    alice = srv.session("alice@pve")
    r = alice.post("/cluster/jobs/realm-sync/j1",
                   data={"realm": "pve", "schedule": "daily"})
    errs = bad_params(r, "scope")
    assert errs["scope"] == "property is missing and it is not optional"
    r = alice.post("/cluster/jobs/realm-sync/j1",
                   data={"realm": "pve", "scope": "users"})
    bad_params(r, "schedule")
    for bad in ("1job", "a", "a:b", "a.b"):
        r = alice.post("/cluster/jobs/realm-sync/" + bad,
                       data={"realm": "pve", "schedule": "daily",
                             "scope": "users"})
        errs = bad_params(r, "id")
        assert errs["id"] == "invalid format - invalid configuration ID " \
            "'%s'" % bad, errs
    bad_params(alice.put("/cluster/jobs/realm-sync/1job",
                         data={"enabled": 1}), "id")
    bad_params(alice.delete("/cluster/jobs/realm-sync/1job"), "id")
    bad_params(alice.post("/cluster/jobs/realm-sync/j2", data={
        "realm": "pve", "schedule": "daily", "scope": "users",
        "comment": "a\nb"}), "comment")
    assert not os.path.exists(os.path.join(srv.config_dir, "jobs.cfg")) or \
        b"j1" not in read_cfg(srv, "jobs.cfg")


# 9. the built-in realms ----------------------------------------------------
def test_pam_realm_cannot_be_disabled(srv):
    d = srv.config_dir
    cli(d, "role", "add", "RealmAdm", "--privs", "Realm.Allocate")
    cli(d, "acl", "modify", "/access/realm", "--roles", "RealmAdm",
        "--users", "bob@pve")
    try:
        bob = srv.session("bob@pve")
        errs = bad_params(bob.put("/access/domains/pam", data={"disable": 1}),
                          "disable")
        assert "pam" in errs["disable"], errs
        assert "disable" not in ok(srv.session("alice@pve").get(
            "/access/domains/pam"))
        p = cli(d, "realm", "modify", "pam", "--disable", "1", check=False)
        assert p.returncode == 255 and "disable: " in p.stderr, p
        # disabling another realm stays possible, and so does "disable 0"
        ok(bob.put("/access/domains/pam", data={"disable": 0}))
        ok(bob.put("/access/domains/pve", data={"comment": "pve users"}))
    finally:
        cli(d, "acl", "delete", "/access/realm", "--roles", "RealmAdm",
            "--users", "bob@pve")
        cli(d, "role", "delete", "RealmAdm")


@pytest.mark.parametrize("realm", ["pam", "pve"])
def test_builtin_realms_cannot_be_deleted(srv, realm):
    alice = srv.session("alice@pve")
    before = read_cfg(srv, "domains.cfg")
    errs = bad_params(alice.delete("/access/domains/" + realm), "realm")
    assert errs["realm"] == "cannot delete built-in realm '%s'" % realm
    assert read_cfg(srv, "domains.cfg") == before
    p = cli(srv.config_dir, "realm", "delete", realm, check=False)
    assert p.returncode == 255 and "realm: cannot delete" in p.stderr, p
    alive(srv)
