"""API tokens: /access/users/{userid}/token and PVEAPIToken auth (spec 4.5, 8.2)."""
import re

from conftest import PASSWORDS, Session, bad_params, error, forbidden, ok

UUID_RE = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


def test_token_index(server):
    alice = server.session("alice@pve")
    toks = {t["tokenid"]: t for t in ok(alice.get("/access/users/alice@pve/token"))}
    assert set(toks) == {"full", "sep"}
    assert toks["full"]["privsep"] == 0 and toks["sep"]["privsep"] == 1
    for t in toks.values():
        assert set(t) <= {"tokenid", "privsep", "expire", "comment"}


def test_token_read(admin):
    d = ok(admin.get("/access/users/alice@pve/token/sep"))
    assert d["privsep"] == 1 and set(d) <= {"privsep", "expire", "comment"}
    r = admin.get("/access/users/alice@pve/token/nosuch")
    assert r.status_code in (404, 500) and r.json()["data"] is None, r.text


def test_token_lifecycle(server, uniq):
    bob = server.session("bob@pve")  # self: no privileges needed
    name = uniq("tk")
    base = "/access/users/bob@pve/token/" + name
    d = ok(bob.post(base, data={"comment": "ci", "expire": 0}))
    assert set(d) == {"info", "value", "full-tokenid"}
    assert d["full-tokenid"] == "bob@pve!" + name
    assert re.match(UUID_RE, d["value"]), d["value"]
    assert d["info"]["privsep"] == 1 and d["info"]["comment"] == "ci"
    secret = d["value"]
    tok = server.token_session(d["full-tokenid"], secret)
    assert [u["userid"] for u in ok(tok.get("/access/users"))] == ["bob@pve"] or \
        ok(tok.get("/access/users")) == []
    ok(tok.get("/access/permissions"))

    bad_params(bob.post(base, data={}), "tokenid")  # "Token already exists."

    d = ok(bob.put(base, data={"comment": "changed"}))
    assert d["comment"] == "changed" and "value" not in d
    assert ok(bob.get(base))["comment"] == "changed"
    ok(bob.put(base, data={"delete": "comment"}))
    assert "comment" not in ok(bob.get(base))

    d = ok(bob.put(base, data={"regenerate": 1}))
    assert d["full-tokenid"] == "bob@pve!" + name and re.match(UUID_RE, d["value"])
    assert d["value"] != secret
    error(tok.get("/access/permissions"), 401)
    tok2 = server.token_session("bob@pve!" + name, d["value"])
    ok(tok2.get("/access/permissions"))

    assert ok(bob.delete(base)) is None
    error(tok2.get("/access/permissions"), 401)
    assert name not in [t["tokenid"] for t in ok(bob.get("/access/users/bob@pve/token"))]


def test_token_bad_parameters(admin):
    bad_params(admin.post("/access/users/alice@pve/token/x"), "tokenid")
    bad_params(admin.post("/access/users/alice@pve/token/okname",
                          data={"privsep": "perhaps"}), "privsep")
    bad_params(admin.post("/access/users/alice@pve/token/okname",
                          data={"expire": -3}), "expire")
    errs = bad_params(admin.post("/access/users/alice@pve/token/sep"), "tokenid")
    assert errs["tokenid"] == "Token already exists."


def test_token_permissions(server):
    bob = server.session("bob@pve")
    forbidden(bob.get("/access/users/alice@pve/token"))
    forbidden(bob.get("/access/users/alice@pve/token/sep"))
    forbidden(bob.post("/access/users/alice@pve/token/bobmade"))
    forbidden(bob.put("/access/users/alice@pve/token/sep", data={"comment": "x"}))
    forbidden(bob.delete("/access/users/alice@pve/token/sep"))
    # dave manages ops members' tokens
    dave = server.session("dave@pve")
    assert "sep" in [t["tokenid"] for t in ok(dave.get("/access/users/carol@pve/token"))]
    ok(server.session("alice@pve").get("/access/users/alice@pve/token/sep"))


def test_wrong_secret_and_unknown_token_are_401(server):
    r = server.raw("GET", "/access/users", headers={
        "Authorization": "PVEAPIToken=alice@pve!full=00000000-0000-0000-0000-000000000000"})
    error(r, 401)
    r = server.raw("GET", "/access/users", headers={
        "Authorization": "PVEAPIToken=alice@pve!nosuch=00000000-0000-0000-0000-000000000000"})
    error(r, 401)
    r = server.raw("GET", "/access/users", headers={"Authorization": "PVEAPIToken=garbage"})
    error(r, 401)


def test_token_with_space_separator(server):
    secret = server.tokens["alice@pve!full"]
    r = server.raw("GET", "/access/roles", headers={
        "Authorization": "PVEAPIToken=alice@pve!full " + secret})
    ok(r)


def test_token_writes_need_no_csrf(server, uniq):
    tok = server.token_session("alice@pve!full")
    g = uniq("tokg")
    ok(tok.post("/access/groups", data={"groupid": g}))
    ok(tok.delete("/access/groups/" + g))


def test_privsep_token_limited_to_its_own_acl(server):
    tok = server.token_session("alice@pve!sep")   # PVEAuditor on /
    assert len(ok(tok.get("/access/users"))) >= len(PASSWORDS)
    forbidden(tok.post("/access/users", data={"userid": "bytoken@pve"}),
              "/access/realm/pve, Realm.AllocateUser")
    forbidden(tok.post("/access/groups", data={"groupid": "bytoken"}),
              "/access/groups, Group.Allocate")
    # privsep=0 token has its owner's privileges
    full = server.token_session("alice@pve!full")
    ok(full.post("/access/groups", data={"groupid": "bytokenfull"}))
    ok(full.delete("/access/groups/bytokenfull"))


def test_privsep_intersection(server):
    """carol!sep has Administrator on /vms, carol only PVEVMUser: the token
    gets the intersection."""
    carol = server.session("carol@pve")
    owner = ok(carol.get("/access/permissions", params={"path": "/vms/100"}))["/vms/100"]
    tok = server.token_session("carol@pve!sep")
    mine = ok(tok.get("/access/permissions", params={"path": "/vms/100"}))["/vms/100"]
    assert "VM.Allocate" not in mine and "Permissions.Modify" not in mine
    assert "VM.Audit" in mine
    assert mine == owner, (mine, owner)
    # carol's token has nothing where only the owner has something
    ok(server.session("alice@pve").put("/access/acl", data={
        "path": "/storage/tokentest", "roles": "PVEAuditor", "users": "carol@pve"}))
    assert ok(tok.get("/access/permissions", params={"path": "/storage/tokentest"})) \
        == {"/storage/tokentest": {}}
    assert "Datastore.Audit" in ok(carol.get("/access/permissions", params={
        "path": "/storage/tokentest"}))["/storage/tokentest"]
    ok(server.session("alice@pve").put("/access/acl", data={
        "path": "/storage/tokentest", "roles": "PVEAuditor", "users": "carol@pve",
        "delete": 1}))


def test_token_sees_only_itself_without_sys_audit(server):
    tok = server.token_session("carol@pve!sep")
    forbidden(tok.get("/access/permissions", params={"userid": "carol@pve"}),
              "/access, Sys.Audit")
    ok(tok.get("/access/permissions", params={"userid": "carol@pve!sep"}))
    # a user may look at its own tokens
    ok(server.session("carol@pve").get("/access/permissions",
                                        params={"userid": "carol@pve!sep"}))


def test_ticket_endpoint_with_token_header_is_still_a_login(server):
    # POST /access/ticket is exempt from authentication: credentials decide
    r = server.raw("POST", "/access/ticket",
                   data={"username": "bob@pve", "password": PASSWORDS["bob@pve"]},
                   headers={"Authorization": "PVEAPIToken=alice@pve!full=" +
                            server.tokens["alice@pve!full"]})
    assert r.status_code in (200, 403), r.text
    if r.status_code == 200:
        assert r.json()["data"]["username"] == "bob@pve"
    else:
        assert r.json()["message"].strip() == \
            "URI '/access/ticket' not available with API token, need proper ticket."
