"""
OpenID Connect realms against the real `oidc-provider` npm package
(tests/oidc, started on 127.0.0.1): the full authorization-code flow
through the API, autocreate, the groups claim, key rotation at the
provider, and every refusal - each with its own log line and nothing
created.
"""
import json
import os
import shutil
import time

import pytest

from conftest import (cli, cli_json, new_config_dir, seed, session_from,
                      start_server, stop_server)

REALM = "sso"


@pytest.fixture
def daemon(oidc_provider):
    d = new_config_dir()
    info = seed(d)
    api = start_server(d, info["tokens"],
                       ["--audit-log", os.path.join(d, "audit.jsonl")])
    api.redirect = "https://127.0.0.1:%d/" % api.port
    oidc_provider.allow_redirect(api.redirect)
    oidc_provider.mode("normal")
    yield api
    stop_server(api)
    shutil.rmtree(d, ignore_errors=True)


def add_realm(api, op, *extra, client="basic"):
    cid, secret = ((op.client_id, op.client_secret) if client == "basic"
                   else (op.post_client_id, op.post_client_secret))
    cli(api.config_dir, "realm", "add", REALM, "--type", "openid",
        "--issuer-url", op.issuer, "--client-id", cid, "--client-key", secret,
        "--scopes", "email profile groups", *extra)


def begin(api, realm=REALM):
    r = api.raw("POST", "/access/openid/auth-url",
                data={"realm": realm, "redirect-url": api.redirect})
    assert r.status_code == 200, r.text
    return r.json()["data"]


def finish(api, answer, **override):
    data = {"state": answer["state"], "code": answer["code"],
            "redirect-url": api.redirect}
    data.update(override)
    return api.raw("POST", "/access/openid/login", data=data)


def login(api, op, user="alice", password="alicepw", **override):
    url = begin(api)
    answer = op.login(url, user, password)
    return finish(api, answer, **override)


def failures(api):
    with open(os.path.join(api.config_dir, "audit.jsonl")) as f:
        lines = [json.loads(l) for l in f if l.strip()]
    return [l for l in lines if l.get("event") == "login"
            and l.get("result") == "failure"]


def users(api):
    return {u["userid"]: u for u in cli_json(api.config_dir, "user", "list")}


def groups(api):
    return {g["groupid"]: set(filter(None, (g.get("users") or "").split(",")))
            for g in cli_json(api.config_dir, "group", "list")}


def test_auth_url_has_state_nonce_and_pkce(daemon, oidc_provider):
    add_realm(daemon, oidc_provider, "--prompt", "login",
              "--acr-values", "urn:a urn:b")
    url = begin(daemon)
    assert url.startswith(oidc_provider.issuer + "/auth?")
    from urllib.parse import parse_qs, urlparse
    q = {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}
    state = json.loads(q["state"])
    assert state["realm"] == REALM and len(state["csrf_token"]) >= 32
    assert q["code_challenge_method"] == "S256" and len(q["code_challenge"]) == 43
    assert q["nonce"] and q["response_type"] == "code"
    assert q["scope"] == "openid email profile groups"
    assert q["redirect_uri"] == daemon.redirect
    assert q["client_id"] == oidc_provider.client_id
    assert q["prompt"] == "login" and q["acr_values"] == "urn:a urn:b"
    # the pending login is node-local, 0600, no secret in the URL
    st = os.path.join(daemon.config_dir, "local", "openid", REALM + ".json")
    assert os.stat(st).st_mode & 0o077 == 0
    r = daemon.raw("POST", "/access/openid/auth-url",
                   data={"realm": "pve", "redirect-url": daemon.redirect})
    assert r.status_code >= 400 and "wrong realm type (pve != openid)" in r.text
    r = daemon.raw("POST", "/access/openid/auth-url",
                   data={"realm": "nope", "redirect-url": daemon.redirect})
    assert "authentication domain 'nope' does not exist" in r.text


@pytest.mark.parametrize("client", ["basic", "post"])
def test_full_flow_with_autocreate(daemon, oidc_provider, client):
    add_realm(daemon, oidc_provider, "--username-claim", "username",
              "--autocreate", "1", client=client)
    r = login(daemon, oidc_provider)
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert data["username"] == "alice@sso"
    assert data["ticket"].startswith("PVE:alice@sso:")
    assert data["CSRFPreventionToken"]
    u = users(daemon)["alice@sso"]
    assert u["enable"] == 1 and u["email"] == "alice@example.org"
    assert u["firstname"] == "Alice" and u["lastname"] == "Example"
    # the ticket works for the API
    r = daemon.raw("GET", "/access/permissions",
                   cookies={"PVEAuthCookie": data["ticket"]})
    assert r.status_code == 200


def test_without_autocreate_the_user_must_exist(daemon, oidc_provider):
    add_realm(daemon, oidc_provider)                # username claim: sub
    before = users(daemon)
    r = login(daemon, oidc_provider)
    assert r.status_code == 401
    assert users(daemon) == before
    assert "user 'alice@sso' does not exist" in json.dumps(failures(daemon))
    cli(daemon.config_dir, "user", "add", "alice@sso")
    assert login(daemon, oidc_provider).status_code == 200
    cli(daemon.config_dir, "user", "modify", "alice@sso", "--enable", "0")
    assert login(daemon, oidc_provider).status_code == 401


def test_groups_claim_with_and_without_overwrite(daemon, oidc_provider):
    add_realm(daemon, oidc_provider, "--autocreate", "1",
              "--groups-claim", "groups")
    cli(daemon.config_dir, "group", "add", "devs-sso")
    cli(daemon.config_dir, "group", "add", "local")
    cli(daemon.config_dir, "user", "add", "bob@sso", "--groups", "local")
    assert login(daemon, oidc_provider, "bob", "bobpw").status_code == 200
    g = groups(daemon)
    # only existing groups without groups-autocreate; local kept
    assert "bob@sso" in g["devs-sso"] and "bob@sso" in g["local"]
    assert "Domain-Ops-sso" not in g
    cli(daemon.config_dir, "realm", "modify", REALM,
        "--groups-autocreate", "1", "--groups-overwrite", "1")
    assert login(daemon, oidc_provider, "bob", "bobpw").status_code == 200
    g = groups(daemon)
    assert "bob@sso" in g["devs-sso"]
    # "Domain Ops" cannot be a group id: mapped, not dropped
    assert "bob@sso" in g["Domain-Ops-sso"]
    assert "bob@sso" in g["bad-name-sso"]
    # overwrite: out of every other group, as Proxmox does
    assert "bob@sso" not in g["local"]
    # a claim that is not a list changes nothing
    cli(daemon.config_dir, "user", "add", "dave@sso", "--groups", "local")
    assert login(daemon, oidc_provider, "dave", "davepw").status_code == 200
    assert "dave@sso" in groups(daemon)["local"]


def test_key_rotation_at_the_provider(daemon, oidc_provider):
    add_realm(daemon, oidc_provider, "--autocreate", "1")
    assert login(daemon, oidc_provider).status_code == 200
    jwks_before = oidc_provider.state()["counters"]["jwks"]
    oidc_provider.rotate(drop_old=True)
    time.sleep(11)      # realmgate fetches keys again at most every 10 s
    r = login(daemon, oidc_provider)
    assert r.status_code == 200, failures(daemon)
    assert oidc_provider.state()["counters"]["jwks"] > jwks_before


REFUSALS = [
    ("unknown-key", "does not verify"),
    ("unknown-kid", "which the provider does not publish"),
    ("alg-none", "unsigned (alg none)"),
    ("hs256-pubkey", "alg HS256 is a shared-secret MAC"),
    ("wrong-aud", "another audience"),
    ("wrong-iss", "issuer"),
    ("wrong-nonce", "nonce"),
    ("expired", "expired"),
    ("future-iat", "issued in the future"),
    ("bad-signature", "does not verify"),
]


@pytest.mark.parametrize("mode,why", REFUSALS)
def test_forged_tokens_are_refused(daemon, oidc_provider, mode, why):
    add_realm(daemon, oidc_provider, "--autocreate", "1")
    before = users(daemon)
    oidc_provider.mode(mode)
    t0 = time.monotonic()
    r = login(daemon, oidc_provider)
    assert r.status_code == 401
    assert r.json()["message"].startswith("authentication failure")
    assert time.monotonic() - t0 >= 2.9
    assert users(daemon) == before          # nothing half-created
    text = json.dumps(failures(daemon))
    assert why in text, text


def test_missing_claim_is_refused(daemon, oidc_provider):
    add_realm(daemon, oidc_provider, "--autocreate", "1",
              "--username-claim", "username", "--query-userinfo", "0")
    oidc_provider.mode("no-sub")
    r = login(daemon, oidc_provider)
    assert r.status_code == 401
    assert "preferred_username" in json.dumps(failures(daemon))


def test_state_is_single_use_and_checked(daemon, oidc_provider):
    add_realm(daemon, oidc_provider, "--autocreate", "1")
    url = begin(daemon)
    answer = oidc_provider.login(url, "alice", "alicepw")
    assert finish(daemon, answer).status_code == 200
    # replayed state (and code)
    assert finish(daemon, answer).status_code == 401
    # a state nobody issued
    forged = json.dumps({"csrf_token": "x" * 43, "realm": REALM})
    assert finish(daemon, answer, state=forged).status_code == 401
    assert finish(daemon, answer, state="not json").status_code == 401
    text = json.dumps(failures(daemon))
    assert text.count("no openid auth state found (possible timeout)") >= 2
    assert "invalid openid state" in text


def test_wrong_client_secret(daemon, oidc_provider):
    add_realm(daemon, oidc_provider, "--autocreate", "1")
    cli(daemon.config_dir, "realm", "modify", REALM, "--client-key", "wrong")
    assert login(daemon, oidc_provider).status_code == 401
    assert "is client-key right?" in json.dumps(failures(daemon))
    assert "alice@sso" not in users(daemon)


def test_discovery_broken_then_back(daemon, oidc_provider):
    add_realm(daemon, oidc_provider, "--autocreate", "1")
    oidc_provider.break_discovery(True)
    try:
        r = daemon.raw("POST", "/access/openid/auth-url",
                       data={"realm": REALM, "redirect-url": daemon.redirect})
        assert r.status_code >= 400 and "OpenID discovery failed" in r.text
    finally:
        oidc_provider.break_discovery(False)
    assert login(daemon, oidc_provider).status_code == 200


def test_provider_unreachable(daemon, oidc_provider):
    add_realm(daemon, oidc_provider)
    cli(daemon.config_dir, "realm", "modify", REALM, "--issuer-url",
        "http://127.0.0.1:1")
    r = daemon.raw("POST", "/access/openid/auth-url",
                   data={"realm": REALM, "redirect-url": daemon.redirect})
    assert r.status_code >= 400 and "OpenID discovery failed" in r.text


def test_password_login_to_openid_realm_is_refused(daemon, oidc_provider):
    add_realm(daemon, oidc_provider)
    cli(daemon.config_dir, "user", "add", "alice@sso")
    r = daemon.ticket_request("alice@sso", "alicepw")
    assert r.status_code == 401
    assert "does not allow password verification" in json.dumps(
        failures(daemon))


def test_pending_logins_expire_and_are_bounded(daemon, oidc_provider):
    add_realm(daemon, oidc_provider, "--autocreate", "1")
    url = begin(daemon)
    answer = oidc_provider.login(url, "alice", "alicepw")
    # eleven minutes later the pending login is gone
    path = os.path.join(daemon.config_dir, "local", "openid", REALM + ".json")
    with open(path) as f:
        pending = json.load(f)
    for p in pending:
        p["ctime"] -= 660
    with open(path, "w") as f:
        json.dump(pending, f)
    assert finish(daemon, answer).status_code == 401
    assert "possible timeout" in json.dumps(failures(daemon))
    # at most 10 pending logins per client address
    for _ in range(10):
        begin(daemon)
    r = daemon.raw("POST", "/access/openid/auth-url",
                   data={"realm": REALM, "redirect-url": daemon.redirect})
    assert r.status_code >= 400
    assert "too many pending openid auth request for realm sso from " \
        "127.0.0.1" in r.text
    # and 100 per realm: a full realm makes room for an address that
    # holds fewer by dropping the oldest of the address that holds most
    for n in range(2, 11):
        s = session_from("127.0.0.%d" % n)
        for _ in range(10):
            r = s.post(daemon.url("/access/openid/auth-url"), verify=daemon.cert,
                       data={"realm": REALM, "redirect-url": daemon.redirect})
            assert r.status_code == 200, r.text
    with open(path) as f:
        assert len(json.load(f)) == 100
    r = session_from("127.0.0.11").post(
        daemon.url("/access/openid/auth-url"), verify=daemon.cert,
        data={"realm": REALM, "redirect-url": daemon.redirect})
    assert r.status_code == 200, r.text
    with open(path) as f:
        pending = json.load(f)
    assert len(pending) == 100
    assert [p["client"] for p in pending].count("127.0.0.1") == 9
    assert [p["client"] for p in pending].count("127.0.0.11") == 1
    os.unlink(path)


def test_provider_down_between_auth_url_and_login(daemon, oidc_provider):
    add_realm(daemon, oidc_provider, "--autocreate", "1")
    url = begin(daemon)
    answer = oidc_provider.login(url, "alice", "alicepw")
    oidc_provider.stop()
    try:
        r = finish(daemon, answer)
    finally:
        oidc_provider.start()
    assert r.status_code == 401
    text = json.dumps(failures(daemon))
    assert "token request failed" in text, text
    assert "alice@sso" not in users(daemon)
