"""The real third-party client, Debian's python3-proxmoxer."""
import pytest
from proxmoxer import ProxmoxAPI
from proxmoxer.core import ResourceException

from conftest import PASSWORDS


def api_password(server, user="alice@pve"):
    return ProxmoxAPI("127.0.0.1", port=server.port, user=user,
                      password=PASSWORDS[user], verify_ssl=server.cert)


def test_password_login_and_user_crud(server, uniq):
    px = api_password(server)
    users = px.access.users.get()
    assert "alice@pve" in [u["userid"] for u in users]
    u = uniq("px") + "@pve"
    px.access.users.post(userid=u, comment="via proxmoxer", password="proxmoxer-pw1")
    assert px.access.users(u).get()["comment"] == "via proxmoxer"
    px.access.users(u).put(comment="modified", firstname="Prox")
    d = px.access.users(u).get()
    assert d["comment"] == "modified" and d["firstname"] == "Prox"
    # the new user logs in through proxmoxer too
    ProxmoxAPI("127.0.0.1", port=server.port, user=u, password="proxmoxer-pw1",
               verify_ssl=server.cert).access.permissions.get()
    px.access.users(u).delete()
    assert u not in [x["userid"] for x in px.access.users.get()]


def test_token_login_and_user_crud(server, uniq):
    secret = server.tokens["alice@pve!full"]
    px = ProxmoxAPI("127.0.0.1", port=server.port, user="alice@pve",
                    token_name="full", token_value=secret, verify_ssl=server.cert)
    assert "carol@pve" in [u["userid"] for u in px.access.users.get()]
    u = uniq("pxt") + "@pve"
    px.access.users.post(userid=u, email="pxt@example.com")
    px.access.users(u).put(email="changed@example.com")
    assert px.access.users(u).get()["email"] == "changed@example.com"
    px.access.users(u).delete()
    assert u not in [x["userid"] for x in px.access.users.get()]


def test_proxmoxer_other_calls(server):
    px = api_password(server)
    assert {r["roleid"] for r in px.access.roles.get()} >= {"Administrator", "Tester"}
    assert any(g["groupid"] == "ops" for g in px.access.groups.get())
    assert any(e["ugid"] == "alice@pve" for e in px.access.acl.get())
    assert {"pam", "pve"} <= {r["realm"] for r in px.access.domains.get()}
    assert any(p["poolid"] == "dev" for p in px.pools.get())


def test_proxmoxer_sees_errors(server):
    px = api_password(server, "bob@pve")
    with pytest.raises(ResourceException) as e:
        px.access.users.post(userid="bobmade@pve")
    assert e.value.status_code == 403
    with pytest.raises(ResourceException) as e:
        px.access.users.post(userid="bad")
    assert e.value.status_code == 400


def test_proxmoxer_wrong_password(server):
    with pytest.raises(Exception):
        ProxmoxAPI("127.0.0.1", port=server.port, user="alice@pve",
                   password="wrong-password", verify_ssl=server.cert, timeout=20)
