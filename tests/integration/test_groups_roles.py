"""/access/groups and /access/roles (spec 8.3)."""
from conftest import bad_params, error, forbidden, ok


# groups -----------------------------------------------------------------
def test_group_index(admin):
    groups = {g["groupid"]: g for g in ok(admin.get("/access/groups"))}
    assert groups["ops"]["comment"] == "Operators"
    users = groups["ops"]["users"].split(",")
    assert users == sorted(users)
    assert {"carol@pve", "frank@pve"} <= set(users)
    assert groups["auditors"]["users"] == "erin@pve"
    assert "comment" not in groups["auditors"]
    for g in groups.values():
        assert set(g) <= {"groupid", "comment", "users"}, g


def test_group_index_visibility(server):
    assert ok(server.session("bob@pve").get("/access/groups")) == []
    dave = [g["groupid"] for g in ok(server.session("dave@pve").get("/access/groups"))]
    assert dave == ["ops"]
    erin = {g["groupid"] for g in ok(server.session("erin@pve").get("/access/groups"))}
    assert {"ops", "auditors"} <= erin


def test_group_read(admin):
    d = ok(admin.get("/access/groups/ops"))
    assert set(d) <= {"members", "comment"}
    assert d["comment"] == "Operators"
    assert {"carol@pve", "frank@pve"} <= set(d["members"])
    d = ok(admin.get("/access/groups/auditors"))
    assert d["members"] == ["erin@pve"] and "comment" not in d


def test_group_crud(admin, uniq):
    g = uniq("grp")
    assert ok(admin.post("/access/groups", data={"groupid": g, "comment": "c1"})) is None
    assert ok(admin.get("/access/groups/" + g)) == {"members": [], "comment": "c1"}
    assert ok(admin.put("/access/groups/" + g, data={"comment": "c2"})) is None
    assert ok(admin.get("/access/groups/" + g))["comment"] == "c2"
    error(admin.post("/access/groups", data={"groupid": g}), 500,
          "create group failed: group '%s' already exists" % g)
    assert ok(admin.delete("/access/groups/" + g)) is None
    assert g not in [x["groupid"] for x in ok(admin.get("/access/groups"))]
    r = admin.get("/access/groups/" + g)
    assert r.status_code in (404, 500) and r.json()["data"] is None, r.text


def test_group_delete_removes_its_acls(admin, uniq):
    g = uniq("gacl")
    ok(admin.post("/access/groups", data={"groupid": g}))
    ok(admin.put("/access/acl", data={"path": "/vms/4711", "roles": "PVEVMUser",
                                      "groups": g}))
    assert any(e["ugid"] == g for e in ok(admin.get("/access/acl")))
    ok(admin.delete("/access/groups/" + g))
    assert not any(e["ugid"] == g for e in ok(admin.get("/access/acl")))


def test_group_bad_parameters(admin):
    bad_params(admin.post("/access/groups", data={"groupid": "a b"}), "groupid")
    bad_params(admin.post("/access/groups", data={}), "groupid")
    bad_params(admin.post("/access/groups", data={"groupid": "okname",
                                                   "comment": "x" * 5000}), "comment")


def test_group_permissions(server):
    bob = server.session("bob@pve")
    forbidden(bob.post("/access/groups", data={"groupid": "bobs"}),
              "/access/groups, Group.Allocate")
    forbidden(bob.get("/access/groups/ops"), "/access/groups, Sys.Audit|Group.Allocate")
    forbidden(bob.put("/access/groups/ops", data={"comment": "x"}),
              "/access/groups, Group.Allocate")
    forbidden(bob.delete("/access/groups/ops"), "/access/groups, Group.Allocate")
    erin = server.session("erin@pve")
    ok(erin.get("/access/groups/ops"))
    forbidden(erin.post("/access/groups", data={"groupid": "erins"}),
              "/access/groups, Group.Allocate")
    assert ok(server.session("alice@pve").get("/access/groups/ops"))["comment"] == "Operators"


# roles ------------------------------------------------------------------
def test_role_index(server):
    roles = {r["roleid"]: r for r in ok(server.session("bob@pve").get("/access/roles"))}
    assert roles["Tester"] == {"roleid": "Tester", "privs": "Sys.Audit,VM.Audit",
                               "special": 0}
    assert roles["Administrator"]["special"] == 1
    assert roles["NoAccess"]["special"] == 1 and roles["NoAccess"]["privs"] == ""
    assert roles["PVEVMUser"]["privs"] == (
        "VM.Audit,VM.Backup,VM.Config.CDROM,VM.Config.Cloudinit,VM.Console,"
        "VM.GuestAgent.Audit,VM.GuestAgent.FileRead,VM.GuestAgent.FileSystemMgmt,"
        "VM.GuestAgent.FileWrite,VM.PowerMgmt")
    for r in roles.values():
        p = r["privs"].split(",") if r["privs"] else []
        assert p == sorted(p), r


def test_role_read(server):
    assert ok(server.session("bob@pve").get("/access/roles/Tester")) == {
        "Sys.Audit": 1, "VM.Audit": 1}
    assert ok(server.session("bob@pve").get("/access/roles/NoAccess")) == {}


def test_role_crud(admin, uniq):
    r = uniq("Role")
    assert ok(admin.post("/access/roles", data={"roleid": r, "privs": "VM.Audit"})) is None
    assert ok(admin.get("/access/roles/" + r)) == {"VM.Audit": 1}
    ok(admin.put("/access/roles/" + r, data={"privs": "VM.Console,Sys.Audit",
                                             "append": 1}))
    assert ok(admin.get("/access/roles/" + r)) == {
        "VM.Audit": 1, "VM.Console": 1, "Sys.Audit": 1}
    ok(admin.put("/access/roles/" + r, data={"privs": "Datastore.Audit"}))
    assert ok(admin.get("/access/roles/" + r)) == {"Datastore.Audit": 1}
    ok(admin.put("/access/roles/" + r, data={}))
    assert ok(admin.get("/access/roles/" + r)) == {}
    idx = {x["roleid"]: x for x in ok(admin.get("/access/roles"))}
    assert idx[r] == {"roleid": r, "privs": "", "special": 0}
    assert ok(admin.delete("/access/roles/" + r)) is None
    assert r not in [x["roleid"] for x in ok(admin.get("/access/roles"))]


def test_role_without_privs(admin, uniq):
    r = uniq("Empty")
    ok(admin.post("/access/roles", data={"roleid": r}))
    assert ok(admin.get("/access/roles/" + r)) == {}
    ok(admin.delete("/access/roles/" + r))


def test_role_bad_parameters(admin):
    errs = bad_params(admin.post("/access/roles", data={"roleid": "PVEMine"}), "roleid")
    assert errs["roleid"] == "cannot use role ID starting with 'PVE'"
    bad_params(admin.post("/access/roles", data={"roleid": "Weird",
                                                  "privs": "No.Such.Priv"}), "privs")
    bad_params(admin.put("/access/roles/Tester", data={"append": 1}), "privs")
    assert ok(admin.get("/access/roles/Tester")) == {"Sys.Audit": 1, "VM.Audit": 1}


def test_role_permissions(server):
    for who in ("bob@pve", "erin@pve"):
        s = server.session(who)
        forbidden(s.post("/access/roles", data={"roleid": "Mine"}),
                  "/access, Sys.Modify")
        forbidden(s.put("/access/roles/Tester", data={"privs": "VM.Audit"}),
                  "/access, Sys.Modify")
        forbidden(s.delete("/access/roles/Tester"), "/access, Sys.Modify")
    assert ok(server.session("alice@pve").get("/access/roles/Tester")) == {
        "Sys.Audit": 1, "VM.Audit": 1}
