"""/access/acl (spec 8.3)."""
from conftest import bad_params, error, forbidden, ok

ACL_KEYS = {"path", "type", "ugid", "roleid", "propagate"}


def entries(s):
    return ok(s.get("/access/acl"))


def test_acl_index_admin(admin):
    acl = entries(admin)
    for e in acl:
        assert set(e) == ACL_KEYS, e
        assert e["type"] in ("user", "group", "token")
        assert e["propagate"] in (0, 1)
    assert {"path": "/", "type": "user", "ugid": "alice@pve",
            "roleid": "Administrator", "propagate": 1} in acl
    assert {"path": "/vms", "type": "group", "ugid": "ops",
            "roleid": "PVEVMUser", "propagate": 1} in acl
    assert {"path": "/vms", "type": "token", "ugid": "carol@pve!sep",
            "roleid": "Administrator", "propagate": 1} in acl


def test_acl_index_visibility(server, admin):
    assert entries(server.session("bob@pve")) == []
    # erin has Sys.Audit on /access: sees everything
    assert sorted(map(str, entries(server.session("erin@pve")))) == \
        sorted(map(str, entries(admin)))


def test_acl_add_and_delete(admin, uniq):
    g = uniq("aclg")
    ok(admin.post("/access/groups", data={"groupid": g}))
    assert ok(admin.put("/access/acl", data={
        "path": "/vms/123", "roles": "PVEVMUser,Tester", "users": "bob@pve",
        "groups": g, "propagate": 0})) is None
    acl = entries(admin)
    for role in ("PVEVMUser", "Tester"):
        assert {"path": "/vms/123", "type": "user", "ugid": "bob@pve",
                "roleid": role, "propagate": 0} in acl
        assert {"path": "/vms/123", "type": "group", "ugid": g,
                "roleid": role, "propagate": 0} in acl
    ok(admin.put("/access/acl", data={"path": "/vms/123", "roles": "PVEVMUser",
                                      "tokens": "bob@pve!mine"}))
    assert {"path": "/vms/123", "type": "token", "ugid": "bob@pve!mine",
            "roleid": "PVEVMUser", "propagate": 1} in entries(admin)
    # bob now sees VM.Audit on /vms/123 through the API
    ok(admin.put("/access/acl", data={"path": "/vms/123", "roles": "PVEVMUser,Tester",
                                      "users": "bob@pve", "groups": g,
                                      "tokens": "bob@pve!mine", "delete": 1}))
    assert not [e for e in entries(admin) if e["path"] == "/vms/123"]
    # deleting again is fine
    ok(admin.put("/access/acl", data={"path": "/vms/123", "roles": "PVEVMUser",
                                      "users": "bob@pve", "delete": 1}))
    ok(admin.delete("/access/groups/" + g))


def test_acl_path_is_normalised(admin):
    ok(admin.put("/access/acl", data={"path": "//storage//local/", "roles": "Tester",
                                      "users": "bob@pve"}))
    assert {"path": "/storage/local", "type": "user", "ugid": "bob@pve",
            "roleid": "Tester", "propagate": 1} in entries(admin)
    ok(admin.put("/access/acl", data={"path": "/storage/local", "roles": "Tester",
                                      "users": "bob@pve", "delete": 1}))


def test_acl_bad_parameters(admin):
    bad_params(admin.put("/access/acl", data={"path": "/vms", "users": "bob@pve"}),
               "roles")
    bad_params(admin.put("/access/acl", data={"roles": "Tester", "users": "bob@pve"}),
               "path")
    bad_params(admin.put("/access/acl", data={"path": "/vms", "roles": "Tester",
                                              "users": "bob@pve", "propagate": "x"}),
               "propagate")
    bad_params(admin.put("/access/acl", data={"path": "/no/such/root",
                                              "roles": "Tester", "users": "bob@pve"}),
               "path")


def test_acl_failures(admin):
    r = admin.put("/access/acl", data={"path": "/vms", "roles": "Tester"})
    body = error(r, 500)
    assert "'users', 'groups' or 'tokens' is required" in body["message"], body
    r = admin.put("/access/acl", data={"path": "/vms", "roles": "Tester",
                                       "users": "ghost@pve"})
    body = error(r, 500)
    assert "ghost@pve" in body["message"], body
    assert not [e for e in entries(admin) if e["ugid"] == "ghost@pve"]


def test_acl_unknown_role(admin):
    # Proxmox: a plain die inside lock_user_config(..., "ACL update failed") -> 500
    error(admin.put("/access/acl", data={"path": "/vms", "roles": "NoSuchRole",
                                         "users": "bob@pve"}),
          500, "ACL update failed: role 'NoSuchRole' does not exist")


def test_acl_permission_refusals(server):
    bob = server.session("bob@pve")
    forbidden(bob.put("/access/acl", data={"path": "/vms/100", "roles": "PVEVMUser",
                                           "users": "bob@pve"}),
              "/vms/100, Permissions.Modify|VM.Allocate")
    forbidden(bob.put("/access/acl", data={"path": "/storage/local",
                                           "roles": "Tester", "users": "bob@pve"}),
              "/storage/local, Permissions.Modify|Datastore.Allocate")
    forbidden(bob.put("/access/acl", data={"path": "/pool/dev", "roles": "Tester",
                                           "users": "bob@pve"}),
              "/pool/dev, Permissions.Modify|Pool.Allocate")
    forbidden(bob.put("/access/acl", data={"path": "/access", "roles": "Tester",
                                           "users": "bob@pve"}),
              "/access, Permissions.Modify")
    # carol (PVEVMUser on /vms) has neither VM.Allocate nor Permissions.Modify
    forbidden(server.session("carol@pve").put("/access/acl", data={
        "path": "/vms/100", "roles": "PVEVMUser", "users": "bob@pve"}),
        "/vms/100, Permissions.Modify|VM.Allocate")
    assert not [e for e in entries(server.session("alice@pve"))
                if e["ugid"] == "bob@pve" and e["path"] in ("/vms/100", "/access")]


def test_acl_no_privilege_escalation(server, admin, uniq):
    """VM.Allocate without Permissions.Modify: only roles within one's privileges."""
    u = uniq("vmadm") + "@pve"
    ok(admin.post("/access/users", data={"userid": u, "password": "vm-admin-pw1"}))
    ok(admin.put("/access/acl", data={"path": "/vms/300", "roles": "PVEVMAdmin",
                                      "users": u, "propagate": 0}))
    s = server.session(u, "vm-admin-pw1")

    def refused(r, msg):
        # Proxmox raises these as parameter errors on "role"
        errs = bad_params(r, "role")
        assert errs["role"] == msg, errs
    refused(s.put("/access/acl", data={"path": "/vms/300", "roles": "Administrator",
                                       "users": "bob@pve"}),
            "Cannot add role 'Administrator' - requires "
            "'Permissions.Modify' or superset of privileges.")
    refused(s.put("/access/acl", data={"path": "/vms/300", "roles": "PVEVMUser",
                                       "users": "bob@pve"}),
            "Cannot add role 'PVEVMUser' with propagation - "
            "requires 'Permissions.Modify' or propagated superset of privileges.")
    ok(s.put("/access/acl", data={"path": "/vms/300", "roles": "PVEVMUser",
                                  "users": "bob@pve", "propagate": 0}))
    r = s.put("/access/acl", data={"path": "/vms/300", "roles": "NoAccess",
                                   "users": "bob@pve", "propagate": 0})
    assert r.status_code in (400, 403, 500) and r.json()["data"] is None, r.text
    assert not [e for e in entries(admin) if e["roleid"] == "NoAccess"]
    ok(admin.put("/access/acl", data={"path": "/vms/300", "roles": "PVEVMUser",
                                      "users": "bob@pve", "delete": 1}))
    ok(admin.delete("/access/users/" + u))
