"""/pools (spec 8.7)."""
from conftest import bad_params, error, forbidden, ok


def test_pool_index(admin):
    pools = {p["poolid"]: p for p in ok(admin.get("/pools"))}
    assert pools["dev"] == {"poolid": "dev", "comment": "Development"}


def test_pool_index_visibility(server):
    # Pool.Audit on /pool/<id> needed to see a pool in the list
    assert ok(server.session("bob@pve").get("/pools")) == []
    assert "dev" in [p["poolid"] for p in ok(server.session("erin@pve").get("/pools"))]


def test_pool_lifecycle(admin, uniq):
    p = uniq("pool")
    assert ok(admin.post("/pools", data={"poolid": p, "comment": "first"})) is None
    ok(admin.post("/pools", data={"poolid": p + "/child"}))
    assert ok(admin.get("/pools", params={"poolid": p})) == [
        {"poolid": p, "comment": "first", "members": []}]
    assert ok(admin.put("/pools", data={"poolid": p, "comment": "second",
                                        "vms": "101,102", "storage": "local"})) is None
    d = ok(admin.get("/pools", params={"poolid": p}))
    assert len(d) == 1 and d[0]["comment"] == "second"
    members = sorted(d[0]["members"], key=lambda m: m["id"])
    assert members == [
        {"id": "storage/local", "type": "storage", "storage": "local"},
        {"id": "vm/101", "type": "vm", "vmid": 101},
        {"id": "vm/102", "type": "vm", "vmid": 102}]
    only = ok(admin.get("/pools", params={"poolid": p, "type": "storage"}))
    assert only[0]["members"] == [{"id": "storage/local", "type": "storage",
                                   "storage": "local"}]
    # not empty: refused
    r = admin.delete("/pools", params={"poolid": p})
    error(r, 500)
    ok(admin.put("/pools", data={"poolid": p, "vms": "101,102", "storage": "local",
                                 "delete": 1}))
    assert ok(admin.get("/pools", params={"poolid": p}))[0]["members"] == []
    r = admin.delete("/pools", params={"poolid": p})
    error(r, 500)  # has a child pool
    ok(admin.delete("/pools", params={"poolid": p + "/child"}))
    assert ok(admin.delete("/pools", params={"poolid": p})) is None
    assert p not in [x["poolid"] for x in ok(admin.get("/pools"))]


def test_pool_vm_in_one_pool_only(admin, uniq):
    a, b = uniq("pa"), uniq("pb")
    ok(admin.post("/pools", data={"poolid": a}))
    ok(admin.post("/pools", data={"poolid": b}))
    ok(admin.put("/pools", data={"poolid": a, "vms": "555"}))
    r = admin.put("/pools", data={"poolid": b, "vms": "555"})
    error(r, 500)
    ok(admin.put("/pools", data={"poolid": b, "vms": "555", "allow-move": 1}))
    assert ok(admin.get("/pools", params={"poolid": a}))[0]["members"] == []
    ok(admin.put("/pools", data={"poolid": b, "vms": "555", "delete": 1}))
    ok(admin.delete("/pools", params={"poolid": a}))
    ok(admin.delete("/pools", params={"poolid": b}))


def test_pool_failures(admin):
    r = admin.post("/pools", data={"poolid": "dev"})
    error(r, 500)
    assert "dev" in r.json()["message"]
    r = admin.post("/pools", data={"poolid": "nosuchparent/child"})
    error(r, 500)
    assert "parent 'nosuchparent' does not exist" in r.json()["message"]


def test_pool_bad_parameters(admin):
    errs = bad_params(admin.post("/pools", data={"poolid": "1abc"}), "poolid")
    assert errs["poolid"] == "invalid format - pool name '1abc' must start with a letter"
    bad_params(admin.post("/pools", data={}), "poolid")
    bad_params(admin.put("/pools", data={"poolid": "dev", "vms": "notanumber"}), "vms")
    bad_params(admin.delete("/pools"), "poolid")


def test_pool_permissions(server):
    bob = server.session("bob@pve")
    forbidden(bob.post("/pools", data={"poolid": "bobpool"}),
              "/pool/bobpool, Pool.Allocate")
    forbidden(bob.put("/pools", data={"poolid": "dev", "comment": "x"}),
              "/pool/dev, Pool.Allocate")
    forbidden(bob.delete("/pools", params={"poolid": "dev"}),
              "/pool/dev, Pool.Allocate")
    # adding a VM needs check_perm_modify on the VM (erin: auditor only)
    ok(server.session("alice@pve").put("/access/acl", data={
        "path": "/pool/dev", "roles": "PVEPoolAdmin", "users": "bob@pve"}))
    try:
        r = bob.put("/pools", data={"poolid": "dev", "vms": "888"})
        # Proxmox checks inside lock_user_config(..., "update pools failed"),
        # so the message carries that prefix (and Perl answers 500 there)
        error(r, r.status_code if r.status_code in (403, 500) else 403,
              "update pools failed: Permission check failed "
              "(/vms/888, Permissions.Modify|VM.Allocate)")
        ok(bob.put("/pools", data={"poolid": "dev", "comment": "Development"}))
    finally:
        ok(server.session("alice@pve").put("/access/acl", data={
            "path": "/pool/dev", "roles": "PVEPoolAdmin", "users": "bob@pve",
            "delete": 1}))
