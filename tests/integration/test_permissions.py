"""GET /access/permissions (spec 3.6, 8.1) and the /access/permissions/why extension."""
import json

from conftest import cli, forbidden, ok

PVEVMUSER = {"VM.Audit", "VM.Backup", "VM.Config.CDROM", "VM.Config.Cloudinit",
             "VM.Console", "VM.GuestAgent.Audit", "VM.GuestAgent.FileRead",
             "VM.GuestAgent.FileSystemMgmt", "VM.GuestAgent.FileWrite",
             "VM.PowerMgmt"}


def oracle(server, authid, path=None):
    """The CLI's answer on the same config dir (the permission engine is
    checked against Proxmox; the daemon must say the same)."""
    args = ["user", "permissions", authid, "--output-format", "json"]
    if path is not None:
        args += ["--path", path]
    return json.loads(cli(server.config_dir, *args).stdout)


def test_own_permissions(server):
    d = ok(server.session("carol@pve").get("/access/permissions"))
    assert set(d["/vms"]) == PVEVMUSER
    assert all(v == 1 for v in d["/vms"].values())
    assert "/" not in d and "/access" not in d
    assert d == oracle(server, "carol@pve")


def test_own_permissions_with_path(server):
    carol = server.session("carol@pve")
    d = ok(carol.get("/access/permissions", params={"path": "/vms/100"}))
    assert list(d) == ["/vms/100"] and set(d["/vms/100"]) == PVEVMUSER
    assert ok(carol.get("/access/permissions", params={"path": "/nodes"})) == {"/nodes": {}}


def test_unprivileged_user_has_empty_dump(server):
    assert ok(server.session("bob@pve").get("/access/permissions")) == \
        oracle(server, "bob@pve")


def test_admin_dump_matches_engine(server, admin):
    assert ok(admin.get("/access/permissions")) == oracle(server, "alice@pve")
    assert ok(admin.get("/access/permissions", params={"userid": "carol@pve"})) == \
        oracle(server, "carol@pve")
    assert ok(admin.get("/access/permissions", params={"userid": "carol@pve!sep",
                                                       "path": "/vms"})) == \
        oracle(server, "carol@pve!sep", "/vms")


def test_other_users_need_sys_audit(server):
    forbidden(server.session("bob@pve").get("/access/permissions",
                                            params={"userid": "carol@pve"}),
              "/access, Sys.Audit")
    forbidden(server.session("carol@pve").get("/access/permissions",
                                              params={"userid": "alice@pve!full"}),
              "/access, Sys.Audit")
    d = ok(server.session("erin@pve").get("/access/permissions",
                                          params={"userid": "carol@pve"}))
    assert set(d["/vms"]) == PVEVMUSER
    # own token without Sys.Audit
    ok(server.session("bob@pve").get("/access/permissions",
                                     params={"userid": "bob@pve!mine"}))


def test_why_group_grant(server):
    d = ok(server.session("carol@pve").get("/access/permissions/why",
                                           params={"path": "/vms/100"}))
    assert set(d) == PVEVMUSER, d
    for priv, grants in d.items():
        assert grants == [{"role": "PVEVMUser", "path": "/vms", "kind": "group",
                           "subject": "ops", "propagate": 1}], (priv, grants)


def test_why_user_grant_and_other_user(server, admin):
    d = ok(admin.get("/access/permissions/why", params={"path": "/storage/x"}))
    assert d["Datastore.Allocate"] == [{"role": "Administrator", "path": "/",
                                        "kind": "user", "subject": "alice@pve",
                                        "propagate": 1}]
    d = ok(admin.get("/access/permissions/why", params={"path": "/vms/1",
                                                         "userid": "carol@pve"}))
    assert set(d) == PVEVMUSER


def test_why_token_grant(server):
    d = ok(server.token_session("carol@pve!sep").get("/access/permissions/why",
                                                      params={"path": "/vms/5"}))
    # limited by the owner's privileges, granted by the token's own entry
    assert set(d) == PVEVMUSER
    assert d["VM.Audit"] == [{"role": "Administrator", "path": "/vms", "kind": "token",
                              "subject": "carol@pve!sep", "propagate": 1}]


def test_why_pool_grant(server, admin, uniq):
    pool = uniq("whyp")
    vmid = "9%d" % (int(uniq("")) % 100000)
    ok(admin.post("/pools", data={"poolid": pool}))
    ok(admin.put("/pools", data={"poolid": pool, "vms": vmid}))
    ok(admin.put("/access/acl", data={"path": "/pool/" + pool, "roles": "Tester",
                                      "users": "bob@pve"}))
    bob = server.session("bob@pve")
    d = ok(bob.get("/access/permissions/why", params={"path": "/vms/" + vmid}))
    assert set(d) == {"Sys.Audit", "VM.Audit"}
    assert d["VM.Audit"] == [{"role": "Tester", "path": "/pool/" + pool,
                              "kind": "user", "subject": "bob@pve",
                              "propagate": 0, "pool": pool}] or \
        d["VM.Audit"] == [{"role": "Tester", "path": "/pool/" + pool,
                           "kind": "user", "subject": "bob@pve",
                           "propagate": 1, "pool": pool}], d
    perms = ok(bob.get("/access/permissions", params={"path": "/vms/" + vmid}))
    assert perms == {"/vms/" + vmid: {"Sys.Audit": 0, "VM.Audit": 0}}
    ok(admin.put("/access/acl", data={"path": "/pool/" + pool, "roles": "Tester",
                                      "users": "bob@pve", "delete": 1}))
    ok(admin.put("/pools", data={"poolid": pool, "vms": vmid, "delete": 1}))
    ok(admin.delete("/pools", params={"poolid": pool}))


def test_why_needs_sys_audit_for_others(server):
    forbidden(server.session("bob@pve").get("/access/permissions/why",
                                            params={"path": "/", "userid": "alice@pve"}),
              "/access, Sys.Audit")
    assert ok(server.session("bob@pve").get("/access/permissions/why",
                                            params={"path": "/vms"})) == {}


def test_why_without_auth_is_401(server):
    assert server.raw("GET", "/access/permissions/why",
                      params={"path": "/"}).status_code == 401
