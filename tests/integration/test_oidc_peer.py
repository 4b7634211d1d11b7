"""
Sanity tests of the OpenID provider fixture itself (tests/oidc/provider.mjs,
peers_oidc.py): no realmgate involved.  The other OIDC tests rely on what
is checked here: the flow works for both client authentication methods, the
claims are as documented, and every /__test/ mode really produces the broken
token it promises.
"""
import hashlib
import hmac
import secrets
import time

import pytest
import requests
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from peers_oidc import b64url, b64url_decode, decode_jwt, pkce_pair

REDIRECT = "https://127.0.0.1:8006/"


def rsa_public_key(jwk):
    n = int.from_bytes(b64url_decode(jwk["n"]), "big")
    e = int.from_bytes(b64url_decode(jwk["e"]), "big")
    return rsa.RSAPublicNumbers(e, n).public_key()


def jwks_key(op, kid):
    keys = [k for k in op.jwks()["keys"] if k["kid"] == kid]
    assert len(keys) == 1, "kid %r: %r" % (kid, keys)
    return keys[0]


def rs256_valid(token, jwk):
    h, p, s = token.split(".")
    try:
        rsa_public_key(jwk).verify(b64url_decode(s), ("%s.%s" % (h, p)).encode(),
                                   padding.PKCS1v15(), hashes.SHA256())
        return True
    except InvalidSignature:
        return False


def flow(op, user="alice", password=None, client="basic", redirect=REDIRECT):
    """The whole code flow with state, nonce and PKCE; returns (token
    response JSON, nonce)."""
    state, nonce = secrets.token_hex(16), secrets.token_hex(16)
    verifier, challenge = pkce_pair()
    cid = op.client_id if client == "basic" else op.post_client_id
    url = op.auth_url(redirect, state=state, nonce=nonce, code_challenge=challenge,
                      client_id=cid)
    q = op.login(url, user, password or op.accounts[user])
    assert q is not None, "login of %s refused" % user
    assert q.url.split("?")[0] in (redirect, redirect + "/"), q.url
    assert q.get("state") == state and q.get("iss") == op.issuer and q.get("code"), q
    r = op.exchange(q["code"], redirect, verifier, client=client)
    assert r.status_code == 200, r.text
    return r.json(), nonce


def id_token(op, **kw):
    tok, nonce = flow(op, **kw)
    return tok["id_token"], nonce


@pytest.fixture
def op(oidc_provider):
    """The session provider, in normal mode before and after the test."""
    oidc_provider.start()
    oidc_provider.reset()
    yield oidc_provider
    oidc_provider.start()
    oidc_provider.reset()


# discovery and keys -----------------------------------------------------
def test_discovery(op):
    d = op.discovery()
    assert d["issuer"] == op.issuer == "http://127.0.0.1:%d" % op.port
    for name, path in (("authorization_endpoint", "/auth"), ("token_endpoint", "/token"),
                       ("jwks_uri", "/jwks"), ("userinfo_endpoint", "/me")):
        assert d[name] == op.issuer + path
    assert d["code_challenge_methods_supported"] == ["S256"]
    assert {"openid", "profile", "email", "groups"} <= set(d["scopes_supported"])
    assert "RS256" in d["id_token_signing_alg_values_supported"]
    assert {"client_secret_basic", "client_secret_post"} <= set(
        d["token_endpoint_auth_methods_supported"])
    assert op.state()["counters"]["discovery"] == 1


def test_jwks_public_only(op):
    st = op.state()
    keys = op.jwks()["keys"]
    assert [k["kid"] for k in keys] == st["kids"]
    for k in keys:
        assert k["kty"] == "RSA" and k["alg"] == "RS256" and k["use"] == "sig"
        assert not {"d", "p", "q", "dp", "dq", "qi"} & set(k), "private parts in JWKS"
    assert op.state()["counters"]["jwks"] == 1


# the code flow -------------------------------------------------------------
def test_flow_client_secret_basic(op):
    tok, nonce = flow(op, "alice", client="basic")
    assert tok["token_type"] == "Bearer" and tok["access_token"]
    header, claims, _ = decode_jwt(tok["id_token"])
    assert header == {"alg": "RS256", "kid": op.state()["signing_kid"]}
    assert rs256_valid(tok["id_token"], jwks_key(op, header["kid"]))
    assert claims["iss"] == op.issuer and claims["aud"] == "pve"
    assert claims["nonce"] == nonce and claims["sub"] == "alice"
    assert claims["preferred_username"] == "alice"
    assert claims["given_name"] == "Alice" and claims["family_name"] == "Example"
    assert claims["email"] == "alice@example.org"
    assert claims["groups"] == ["admins", "devs"]
    assert claims["iat"] <= time.time() + 5 < claims["exp"]
    ui = requests.get(op.issuer + "/me", timeout=10,
                      headers={"Authorization": "Bearer " + tok["access_token"]})
    assert ui.status_code == 200 and ui.json()["groups"] == ["admins", "devs"]
    c = op.state()["counters"]
    assert c["token"] == 1 and c["userinfo"] == 1


def test_flow_client_secret_post(op):
    tok, nonce = flow(op, "bob", client="post", redirect="http://127.0.0.1:65535/")
    header, claims, _ = decode_jwt(tok["id_token"])
    assert rs256_valid(tok["id_token"], jwks_key(op, header["kid"]))
    assert claims["aud"] == "pve-post" and claims["nonce"] == nonce
    assert claims["sub"] == "bob"
    assert claims["groups"] == ["devs", "Domain Ops", "bad:name"]


def test_client_auth_method_enforced(op):
    """pve may only use client_secret_basic, pve-post only _post."""
    verifier, challenge = pkce_pair()
    for cid, wrong in ((op.client_id, "post"), (op.post_client_id, "basic")):
        url = op.auth_url(REDIRECT, state="s", nonce="n", code_challenge=challenge,
                          client_id=cid)
        q = op.login(url, "alice", "alicepw")
        data = {"grant_type": "authorization_code", "code": q["code"],
                "redirect_uri": REDIRECT, "code_verifier": verifier}
        if wrong == "post":
            data.update(client_id=op.client_id, client_secret=op.client_secret)
            r = requests.post(op.issuer + "/token", data=data, timeout=10)
        else:
            r = requests.post(op.issuer + "/token", data=data, timeout=10,
                              auth=(op.post_client_id, op.post_client_secret))
        assert r.status_code == 401 and r.json()["error"] == "invalid_client", r.text
        assert "must use" in r.json()["error_description"]
    assert op.state()["counters"]["token_auth_refused"] == 2


def test_wrong_client_secret(op):
    verifier, challenge = pkce_pair()
    q = op.login(op.auth_url(REDIRECT, state="s", nonce="n", code_challenge=challenge),
                 "alice", "alicepw")
    r = requests.post(op.issuer + "/token", timeout=10, auth=(op.client_id, "nope"),
                      data={"grant_type": "authorization_code", "code": q["code"],
                            "redirect_uri": REDIRECT, "code_verifier": verifier})
    assert r.status_code == 401 and r.json()["error"] == "invalid_client", r.text


def test_carol_and_dave_claims(op):
    t, _ = id_token(op, user="carol")
    _, claims, _ = decode_jwt(t)
    assert claims["sub"] == "carol" and claims["preferred_username"] == "carol"
    assert "groups" not in claims and "email" not in claims
    t, _ = id_token(op, user="dave")
    _, claims, _ = decode_jwt(t)
    assert claims["sub"] == "dave" and claims["groups"] == "devs"


def test_wrong_password_refused(op):
    _, challenge = pkce_pair()
    url = op.auth_url(REDIRECT, state="s", nonce="n", code_challenge=challenge)
    assert op.login(url, "alice", "wrong") is None
    assert op.password_refused(url, "alice", "bobpw")
    assert op.password_refused(url, "nobody", "x")
    assert not op.password_refused(url, "alice", "alicepw")


def test_pkce_required(op):
    url = op.auth_url(REDIRECT, state="s", nonce="n")  # no code_challenge
    q = op.login(url, "alice", "alicepw")
    assert q["error"] == "invalid_request" and "PKCE" in q["error_description"], q
    assert q["state"] == "s" and "code" not in q


def test_wrong_code_verifier(op):
    _, challenge = pkce_pair()
    q = op.login(op.auth_url(REDIRECT, state="s", nonce="n", code_challenge=challenge),
                 "alice", "alicepw")
    r = op.exchange(q["code"], REDIRECT, pkce_pair()[0])
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant", r.text


def test_code_single_use_and_redirect_bound(op):
    verifier, challenge = pkce_pair()
    q = op.login(op.auth_url(REDIRECT, state="s", nonce="n", code_challenge=challenge),
                 "alice", "alicepw")
    r = op.exchange(q["code"], "https://127.0.0.1:8007/", verifier)
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant", r.text
    verifier, challenge = pkce_pair()
    q = op.login(op.auth_url(REDIRECT, state="s", nonce="n", code_challenge=challenge),
                 "alice", "alicepw")
    assert op.exchange(q["code"], REDIRECT, verifier).status_code == 200
    r = op.exchange(q["code"], REDIRECT, verifier)
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant", r.text


def test_redirect_uris(op):
    """Any http(s)://127.0.0.1:PORT/ (or without the /) is allowed; other
    paths and hosts only after allow_redirect()."""
    _, challenge = pkce_pair()
    for bad in ("https://127.0.0.1:8006/cb", "https://localhost:8006/",
                "https://127.0.0.1:0/", "https://127.0.0.1:70000/",
                "https://127.0.0.1:8006/?x=1", "https://127.0.0.2:8006/",
                "https://127.0.0.1:08006/"):
        r = requests.get(op.auth_url(bad, state="s", nonce="n", code_challenge=challenge),
                         allow_redirects=False, timeout=10)
        assert r.status_code == 400 and "redirect_uri" in r.text, (bad, r.status_code)
    assert flow(op, redirect="https://127.0.0.1:8006")[0]["id_token"]
    assert flow(op, redirect="http://127.0.0.1:1/")[0]["id_token"]
    cb = "https://127.0.0.1:%d/cb" % op.port
    op.allow_redirect(cb)
    assert cb in op.state()["extra_redirects"]
    tok, _ = flow(op, redirect=cb)
    assert tok["id_token"]


def test_sso_session_reused(op):
    """With a kept requests.Session the second login skips the forms."""
    s = requests.Session()
    _, challenge = pkce_pair()
    url = op.auth_url(REDIRECT, state="s1", nonce="n", code_challenge=challenge)
    assert op.login(url, "alice", "alicepw", session=s)["code"]
    url = op.auth_url(REDIRECT, state="s2", nonce="n", code_challenge=challenge)
    q = op.login(url, "alice", "ignored", session=s)
    assert q["code"] and q["state"] == "s2"


# token mangling modes ---------------------------------------------------
def test_mode_normal_and_sticky(op):
    assert op.state()["mode"] == "normal"
    t, _ = id_token(op)
    h, _, _ = decode_jwt(t)
    assert rs256_valid(t, jwks_key(op, h["kid"]))
    assert op.mode("wrong-aud")["mode"] == "wrong-aud"
    for _ in range(2):  # stays until changed
        t, _ = id_token(op)
        h, p, _ = decode_jwt(t)
        assert p["aud"] == "someone-else" and rs256_valid(t, jwks_key(op, h["kid"]))
    op.mode("normal")
    t, _ = id_token(op)
    assert decode_jwt(t)[1]["aud"] == "pve"


def test_mode_unknown(op):
    r = requests.post(op.issuer + "/__test/mode", json={"mode": "bogus"}, timeout=10)
    assert r.status_code == 400 and "bogus" in r.json()["error"]
    assert op.state()["mode"] == "normal"


def _own_key_valid(op, t):
    h = decode_jwt(t)[0]
    return h["alg"] == "RS256" and h["kid"] == op.state()["signing_kid"] \
        and rs256_valid(t, jwks_key(op, h["kid"]))


@pytest.mark.parametrize("mode", [
    "unknown-key", "unknown-kid", "alg-none", "hs256-pubkey", "wrong-aud",
    "wrong-iss", "wrong-nonce", "expired", "future-iat", "no-sub", "bad-signature"])
def test_mode(op, mode):
    op.mode(mode)
    t, nonce = id_token(op)
    h, p, sig = decode_jwt(t)
    st = op.state()
    assert st["last_mangled"] == mode
    kid = st["signing_kid"]
    now = time.time()
    # the claims a mode does not touch are intact
    if mode != "wrong-aud":
        assert p["aud"] == "pve"
    if mode != "wrong-iss":
        assert p["iss"] == op.issuer
    if mode != "wrong-nonce":
        assert p["nonce"] == nonce
    if mode != "no-sub":
        assert p["sub"] == "alice" and p["preferred_username"] == "alice"
    if mode not in ("expired", "future-iat"):
        assert p["iat"] <= now + 5 < p["exp"]
    assert p["groups"] == ["admins", "devs"]

    if mode == "unknown-key":
        assert h == {"alg": "RS256", "kid": kid} and len(sig) == 256
        assert not rs256_valid(t, jwks_key(op, kid))
    elif mode == "unknown-kid":
        assert h["alg"] == "RS256" and h["kid"] not in st["kids"] and len(sig) == 256
        for k in op.jwks()["keys"]:
            assert not rs256_valid(t, k)
    elif mode == "alg-none":
        assert h == {"alg": "none", "kid": kid} and sig == b"" and t.endswith(".")
    elif mode == "hs256-pubkey":
        assert h == {"alg": "HS256", "kid": kid}
        pem = rsa_public_key(jwks_key(op, kid)).public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        signing_input = t.rsplit(".", 1)[0].encode()
        assert sig == hmac.new(pem, signing_input, hashlib.sha256).digest()
    elif mode == "bad-signature":
        assert h == {"alg": "RS256", "kid": kid} and len(sig) == 256
        assert not rs256_valid(t, jwks_key(op, kid))
        # exactly one byte differs from a valid signature: flip it back
        fixed = bytearray(sig)
        fixed[len(fixed) // 2] ^= 1
        assert rs256_valid(t.rsplit(".", 1)[0] + "." + b64url(bytes(fixed)),
                           jwks_key(op, kid))
    else:
        # only the claim is wrong: signed with the provider's own key
        assert _own_key_valid(op, t)
        if mode == "wrong-aud":
            assert p["aud"] == "someone-else"
        elif mode == "wrong-iss":
            assert p["iss"] != op.issuer and p["iss"].startswith("http")
        elif mode == "wrong-nonce":
            assert p["nonce"] != nonce and p["nonce"]
        elif mode == "expired":
            assert p["exp"] < now - 3500 and p["iat"] < p["exp"]
        elif mode == "future-iat":
            assert p["iat"] > now + 3500 and p["exp"] > p["iat"]
        elif mode == "no-sub":
            assert "sub" not in p and "preferred_username" not in p
            assert p["email"] == "alice@example.org"


# key rotation -------------------------------------------------------------
def test_rotate(op):
    before = op.state()
    old_kid = before["signing_kid"]
    # a code issued before the rotation is still redeemable after it
    verifier, challenge = pkce_pair()
    q = op.login(op.auth_url(REDIRECT, state="s", nonce="n", code_challenge=challenge),
                 "alice", "alicepw")
    st = op.rotate()
    new_kid = st["signing_kid"]
    assert new_kid != old_kid and new_kid not in before["kids"]
    assert st["kids"] == [new_kid] + before["kids"]
    assert [k["kid"] for k in op.jwks()["keys"]] == st["kids"]
    r = op.exchange(q["code"], REDIRECT, verifier)
    assert r.status_code == 200, r.text
    t = r.json()["id_token"]
    assert decode_jwt(t)[0]["kid"] == new_kid
    assert rs256_valid(t, jwks_key(op, new_kid))
    assert not rs256_valid(t, jwks_key(op, old_kid))
    # modes use the new key
    op.mode("wrong-aud")
    t, _ = id_token(op)
    assert decode_jwt(t)[0]["kid"] == new_kid and rs256_valid(t, jwks_key(op, new_kid))
    op.mode("normal")
    st = op.rotate(drop_old=True)
    assert st["kids"] == [st["signing_kid"]] and st["signing_kid"] != new_kid
    assert [k["kid"] for k in op.jwks()["keys"]] == st["kids"]
    t, _ = id_token(op)
    assert rs256_valid(t, jwks_key(op, st["signing_kid"]))


# discovery breakage, counters, restart -------------------------------------
def test_broken_discovery(op):
    url = op.issuer + "/.well-known/openid-configuration"
    assert op.break_discovery(True)["discovery_broken"] is True
    r = requests.get(url, timeout=10)
    assert r.status_code == 500
    op.break_discovery(True, how="json")
    r = requests.get(url, timeout=10)
    assert r.status_code == 200
    with pytest.raises(ValueError):
        r.json()
    op.break_discovery(False)
    assert requests.get(url, timeout=10).json()["issuer"] == op.issuer
    assert op.state()["counters"]["discovery"] == 3
    # the rest of the provider works while discovery is broken
    op.break_discovery(True)
    assert id_token(op)[0]
    assert op.jwks()["keys"]


def test_counters(op):
    assert op.state()["counters"] == {"token": 0, "token_auth_refused": 0, "jwks": 0,
                                      "discovery": 0, "auth": 0, "userinfo": 0,
                                      "interaction": 0}
    op.jwks()
    op.jwks()
    op.discovery()
    flow(op)
    c = op.state()["counters"]
    assert c["jwks"] == 2 and c["discovery"] == 1 and c["token"] == 1
    assert c["auth"] >= 1 and c["interaction"] >= 2


def test_restart_keeps_issuer_and_keys(op):
    op.mode("expired")
    before = op.state()
    op.stop()
    assert not op.running()
    with pytest.raises(requests.ConnectionError):
        requests.get(op.issuer + "/jwks", timeout=5)
    op.start()
    after = op.state()
    assert after["issuer"] == before["issuer"]
    assert after["kids"] == before["kids"] and after["signing_kid"] == before["signing_kid"]
    assert after["mode"] == "normal" and after["pid"] != before["pid"]
    t, _ = id_token(op)
    assert rs256_valid(t, jwks_key(op, after["signing_kid"]))
