"""/access/users (spec 8.2): index, create, read, update, delete."""
from conftest import PASSWORDS, bad_params, error, forbidden, ok

USER_INDEX_KEYS = {"userid", "enable", "expire", "firstname", "lastname", "email",
                   "comment", "keys", "realm-type", "totp-locked",
                   "tfa-locked-until", "groups", "tokens"}
USER_READ_KEYS = {"enable", "expire", "firstname", "lastname", "email",
                  "comment", "keys", "groups", "tokens"}


def test_index_admin_sees_all_sorted(admin):
    users = ok(admin.get("/access/users"))
    ids = [u["userid"] for u in users]
    assert ids == sorted(ids), ids
    for u in PASSWORDS:
        assert u in ids
    assert "root@pam" in ids
    alice = next(u for u in users if u["userid"] == "alice@pve")
    assert alice["enable"] == 1 and alice["expire"] == 0
    assert alice["firstname"] == "Alice"
    assert alice["email"] == "alice@example.com"
    assert alice["realm-type"] == "pve"
    assert "groups" not in alice and "tokens" not in alice
    for u in users:
        assert set(u) <= USER_INDEX_KEYS, u
        assert isinstance(u["enable"], int) and not isinstance(u["enable"], bool)


def test_index_full(admin):
    users = ok(admin.get("/access/users", params={"full": 1}))
    carol = next(u for u in users if u["userid"] == "carol@pve")
    assert carol["groups"] == "ops"
    toks = {t["tokenid"]: t for t in carol["tokens"]}
    assert toks["sep"]["privsep"] == 1
    alice = next(u for u in users if u["userid"] == "alice@pve")
    toks = {t["tokenid"]: t for t in alice["tokens"]}
    assert toks["full"]["privsep"] == 0 and toks["sep"]["privsep"] == 1


def test_index_enabled_filter(server, admin, uniq):
    u = uniq("off") + "@pve"
    ok(admin.post("/access/users", data={"userid": u, "enable": 0}))
    on = [x["userid"] for x in ok(admin.get("/access/users", params={"enabled": 1}))]
    off = [x["userid"] for x in ok(admin.get("/access/users", params={"enabled": 0}))]
    assert u in off and u not in on
    assert "alice@pve" in on and "alice@pve" not in off


def test_index_visibility(server):
    bob = [u["userid"] for u in ok(server.session("bob@pve").get("/access/users"))]
    assert bob == ["bob@pve"], bob
    dave = {u["userid"] for u in ok(server.session("dave@pve").get("/access/users"))}
    assert {"dave@pve", "carol@pve", "frank@pve"} <= dave
    assert "alice@pve" not in dave and "erin@pve" not in dave
    # erin: Sys.Audit on / (auditors) sees everyone
    erin = {u["userid"] for u in ok(server.session("erin@pve").get("/access/users"))}
    assert set(PASSWORDS) <= erin


def test_read_user(admin):
    d = ok(admin.get("/access/users/carol@pve"))
    assert set(d) <= USER_READ_KEYS, d
    assert d["enable"] == 1 and d["expire"] == 0
    assert d["firstname"] == "Carol" and d["email"] == "carol@example.com"
    assert d["groups"] == ["ops"]
    assert d["tokens"] == {"sep": {"privsep": 1}} or \
        d["tokens"] == {"sep": {"privsep": 1, "expire": 0}}, d["tokens"]


def test_read_user_permissions(server):
    forbidden(server.session("bob@pve").get("/access/users/alice@pve"))
    # bob may not read even himself (no self rule on this method)
    forbidden(server.session("bob@pve").get("/access/users/bob@pve"))
    dave = server.session("dave@pve")
    assert ok(dave.get("/access/users/frank@pve"))["groups"] == ["ops"]
    forbidden(dave.get("/access/users/erin@pve"))
    ok(server.session("erin@pve").get("/access/users/alice@pve"))


def test_read_unknown_user(admin):
    error(admin.get("/access/users/nobody@pve"), 500, "no such user ('nobody@pve')")


def test_read_bad_userid(admin):
    bad_params(admin.get("/access/users/not-a-userid"), "userid")


def test_create_read_update_delete(server, admin, uniq):
    u = uniq("crud") + "@pve"
    assert ok(admin.post("/access/users", data={
        "userid": u, "password": "crud-password-1", "groups": "ops",
        "firstname": "Cru", "lastname": "D", "email": "crud@example.com",
        "comment": "made by the tests", "expire": 0})) is None
    d = ok(admin.get("/access/users/" + u))
    assert d["firstname"] == "Cru" and d["lastname"] == "D"
    assert d["comment"] == "made by the tests" and d["groups"] == ["ops"]
    assert d["enable"] == 1
    server.login(u, "crud-password-1")
    members = ok(admin.get("/access/groups/ops"))["members"]
    assert u in members

    assert ok(admin.put("/access/users/" + u, data={
        "firstname": "Renamed", "email": "new@example.com", "groups": "auditors",
        "append": 1})) is None
    d = ok(admin.get("/access/users/" + u))
    assert d["firstname"] == "Renamed" and d["email"] == "new@example.com"
    assert d["groups"] == ["auditors", "ops"]
    ok(admin.put("/access/users/" + u, data={"groups": ""}))
    assert ok(admin.get("/access/users/" + u))["groups"] == []
    ok(admin.put("/access/users/" + u, data={"enable": 0}))
    assert ok(admin.get("/access/users/" + u))["enable"] == 0
    error(server.ticket_request(u, "crud-password-1"), 401, "authentication failure")

    assert ok(admin.delete("/access/users/" + u)) is None
    error(admin.get("/access/users/" + u), 500, "no such user ('%s')" % u)
    assert u not in [x["userid"] for x in ok(admin.get("/access/users"))]


def test_create_json_body(admin, uniq):
    u = uniq("json") + "@pve"
    ok(admin.post("/access/users", json_body={"userid": u, "enable": True,
                                                "expire": 0, "comment": "json"}))
    assert ok(admin.get("/access/users/" + u))["comment"] == "json"
    ok(admin.delete("/access/users/" + u))


def test_create_duplicate(admin):
    error(admin.post("/access/users", data={"userid": "carol@pve"}), 500,
          "create user failed: user 'carol@pve' already exists")


def test_create_unknown_group(admin, uniq):
    u = uniq("ng") + "@pve"
    error(admin.post("/access/users", data={"userid": u, "groups": "nosuchgroup"}),
          500, "create user failed: no such group 'nosuchgroup'")


def test_create_bad_parameters(admin):
    bad_params(admin.post("/access/users", data={"userid": "noatsign"}), "userid")
    bad_params(admin.post("/access/users", data={}), "userid")
    errs = bad_params(admin.post("/access/users", data={
        "userid": "x1@pve", "email": "not-an-email", "expire": -1}), "email", "expire")
    assert "minimum" in errs["expire"]
    bad_params(admin.post("/access/users", data={"userid": "x2@pve",
                                                  "password": "short"}), "password")
    bad_params(admin.post("/access/users", data={"userid": "x3@pve",
                                                  "enable": "maybe"}), "enable")
    bad_params(admin.post("/access/users", data={"userid": "x4@pve",
                                                  "nosuchparam": "1"}), "nosuchparam")
    bad_params(admin.put("/access/users/carol@pve", data={"append": 1}), "groups")
    ids = [u["userid"] for u in ok(admin.get("/access/users"))]
    assert not {"x1@pve", "x2@pve", "x3@pve", "x4@pve"} & set(ids)


def test_create_refused_without_realm_privilege(server):
    bob = server.session("bob@pve")
    forbidden(bob.post("/access/users", data={"userid": "bobmade@pve"}),
              "/access/realm/pve, Realm.AllocateUser")
    # dave may allocate in pve but only into his group
    dave = server.session("dave@pve")
    forbidden(dave.post("/access/users", data={"userid": "davemade@pam"}),
              "/access/realm/pam, Realm.AllocateUser")
    forbidden(dave.post("/access/users", data={"userid": "davemade@pve"}),
              "/access/groups, User.Modify")
    forbidden(dave.post("/access/users", data={"userid": "davemade@pve",
                                               "groups": "auditors"}),
              "/access/groups/auditors, User.Modify")


def test_group_scoped_user_manager(server, admin, uniq):
    dave = server.session("dave@pve")
    u = uniq("dm") + "@pve"
    ok(dave.post("/access/users", data={"userid": u, "groups": "ops",
                                        "password": "dave-made-pw1"}))
    server.login(u, "dave-made-pw1")
    # update needs the groups parameter
    forbidden(dave.put("/access/users/" + u, data={"comment": "x"}),
              "/access/groups, User.Modify")
    ok(dave.put("/access/users/" + u, data={"comment": "x", "groups": "ops"}))
    assert ok(dave.get("/access/users/" + u))["comment"] == "x"
    forbidden(dave.put("/access/users/erin@pve", data={"comment": "x",
                                                       "groups": "ops"}))
    forbidden(dave.delete("/access/users/erin@pve"))
    ok(dave.delete("/access/users/" + u))


def test_update_and_delete_refused(server):
    bob = server.session("bob@pve")
    forbidden(bob.put("/access/users/carol@pve", data={"comment": "x"}),
              "/access/groups, User.Modify")
    forbidden(bob.delete("/access/users/carol@pve"),
              "/access/realm/pve, Realm.AllocateUser")
    ok(server.session("alice@pve").get("/access/users/carol@pve"))


def test_delete_unknown_user(admin):
    r = admin.delete("/access/users/nobody@pve")
    error(r, 500)
    assert "no such user ('nobody@pve')" in r.json()["message"]


def test_delete_removes_acls_and_memberships(server, admin, uniq):
    u = uniq("del") + "@pve"
    ok(admin.post("/access/users", data={"userid": u, "groups": "ops"}))
    ok(admin.put("/access/acl", data={"path": "/vms/777", "roles": "PVEVMUser",
                                      "users": u}))
    assert any(e["ugid"] == u for e in ok(admin.get("/access/acl")))
    ok(admin.delete("/access/users/" + u))
    assert not any(e["ugid"] == u for e in ok(admin.get("/access/acl")))
    assert u not in ok(admin.get("/access/groups/ops"))["members"]
