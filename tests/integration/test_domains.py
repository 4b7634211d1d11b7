"""/access/domains (spec 8.4) and the realm `disable` flag."""
import time

from conftest import PASSWORDS, Session, bad_params, error, forbidden, ok

LDAP = {"realm": None, "type": "ldap", "server1": "ldap.example.com",
        "base_dn": "dc=example,dc=com", "user_attr": "uid"}


def test_index_without_auth(server):
    realms = {r["realm"]: r for r in ok(server.raw("GET", "/access/domains"))}
    assert realms["pam"] == {"realm": "pam", "type": "pam",
                             "comment": "Linux PAM standard authentication"}
    assert realms["pve"] == {"realm": "pve", "type": "pve",
                             "comment": "Proxmox VE authentication server"}
    for r in realms.values():
        assert set(r) <= {"realm", "type", "comment", "default", "tfa"}, r


def test_index_with_auth_too(server):
    ok(server.session("bob@pve").get("/access/domains"))
    ok(server.token_session("bob@pve!mine").get("/access/domains"))


def test_realm_crud(admin, uniq):
    name = uniq("corp")
    data = dict(LDAP, realm=name, comment="Corporate")
    assert ok(admin.post("/access/domains", data=data)) is None
    realms = {r["realm"]: r for r in ok(admin.get("/access/domains"))}
    assert realms[name] == {"realm": name, "type": "ldap", "comment": "Corporate"}
    d = ok(admin.get("/access/domains/" + name))
    assert d["type"] == "ldap" and d["server1"] == "ldap.example.com"
    assert d["base_dn"] == "dc=example,dc=com" and d["user_attr"] == "uid"
    assert d["comment"] == "Corporate" and isinstance(d["digest"], str) and d["digest"]
    assert ok(admin.put("/access/domains/" + name, data={
        "comment": "Changed", "port": 636, "mode": "ldaps"})) is None
    d2 = ok(admin.get("/access/domains/" + name))
    assert d2["comment"] == "Changed" and d2["port"] == 636 and d2["mode"] == "ldaps"
    assert d2["digest"] != d["digest"]
    ok(admin.put("/access/domains/" + name, data={"delete": "port,mode"}))
    d3 = ok(admin.get("/access/domains/" + name))
    assert "port" not in d3 and "mode" not in d3
    # a stale digest is refused
    r = admin.put("/access/domains/" + name, data={"comment": "x", "digest": d["digest"]})
    assert r.status_code in (400, 500) and r.json()["data"] is None, r.text
    assert ok(admin.delete("/access/domains/" + name)) is None
    assert name not in [r["realm"] for r in ok(admin.get("/access/domains"))]
    r = admin.get("/access/domains/" + name)
    assert r.status_code in (404, 500) and r.json()["data"] is None, r.text


def test_realm_failures(admin):
    error(admin.post("/access/domains", data={"realm": "pve", "type": "pve"}), 500,
          "create auth server failed: domain 'pve' already exists")
    error(admin.put("/access/domains/pve", data={}), 500,
          "update auth server failed: no options specified")


def test_realm_bad_parameters(admin):
    bad_params(admin.post("/access/domains", data={"realm": "x1", "type": "bogus"}),
               "type")
    bad_params(admin.post("/access/domains", data={"type": "ldap"}), "realm")
    bad_params(admin.post("/access/domains", data=dict(LDAP, realm="a")), "realm")
    bad_params(admin.post("/access/domains", data=dict(LDAP, realm="corpx",
                                                         port="notaport")), "port")
    assert "corpx" not in [r["realm"] for r in ok(admin.get("/access/domains"))]


def test_realm_permissions(server, admin, uniq):
    bob = server.session("bob@pve")
    forbidden(bob.post("/access/domains", data=dict(LDAP, realm="bobs")),
              "/access/realm, Realm.Allocate")
    forbidden(bob.get("/access/domains/pve"), "/access/realm, Realm.Allocate|Sys.Audit")
    forbidden(bob.put("/access/domains/pve", data={"comment": "x"}),
              "/access/realm, Realm.Allocate")
    forbidden(bob.delete("/access/domains/pam"), "/access/realm, Realm.Allocate")
    erin = server.session("erin@pve")
    assert ok(erin.get("/access/domains/pve"))["type"] == "pve"
    forbidden(erin.put("/access/domains/pve", data={"comment": "x"}),
              "/access/realm, Realm.Allocate")
    assert ok(admin.get("/access/domains/pve"))["comment"] == \
        "Proxmox VE authentication server"


def test_realm_disable_blocks_new_logins_only(server_factory):
    api = server_factory()
    alice = api.session("alice@pve")
    bob_ticket, bob_csrf = api.login("bob@pve")
    ok(alice.put("/access/domains/pve", data={"disable": 1}))
    assert ok(alice.get("/access/domains/pve")).get("disable") == 1
    t0 = time.monotonic()
    error(api.ticket_request("carol@pve", PASSWORDS["carol@pve"]), 401,
          "authentication failure")
    assert time.monotonic() - t0 >= 2.95
    error(api.ticket_request("alice@pve", PASSWORDS["alice@pve"]), 401,
          "authentication failure")
    # existing tickets keep working, reads and writes
    ok(alice.get("/access/users"))
    ok(Session(api, ticket=bob_ticket, csrf=bob_csrf).get("/access/permissions"))
    ok(alice.post("/access/groups", data={"groupid": "whiledisabled"}))
    # tokens are not logins either
    ok(api.token_session("alice@pve!full").get("/access/users"))
    # the pam realm is unaffected by pve's flag (its users just fail as usual)
    ok(alice.put("/access/domains/pve", data={"delete": "disable"}))
    assert "disable" not in ok(alice.get("/access/domains/pve"))
    api.login("carol@pve")
