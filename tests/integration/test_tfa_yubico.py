"""Yubico OTP as a second factor (spec 10.2, 10.3, 10.5) against a
validation server the test starts on 127.0.0.1 (yubico_server.py): a
realm with `tfa type=yubico` asks every user for a Yubico OTP (or a
recovery code); the OTP must be signed for by the server, fresh, of one
of the user's keys.  Any doubt refuses the login."""
import json
import os
import re
import urllib.parse

import pytest

from conftest import PASSWORDS, cli, error, ok
from yubico_server import API_ID, API_KEY, YubicoServer

AUTH_FAIL = "authentication failure"
KEY_ID = "ccccccbcgujh"


@pytest.fixture
def yubico():
    srv = YubicoServer()
    yield srv
    srv.stop()


@pytest.fixture
def api(server_factory, yubico):
    api = server_factory()
    # a session taken before the realm asks for Yubico OTPs
    api.alice = api.session("alice@pve")
    cli(api.config_dir, "realm", "modify", "pve", "--tfa",
        "type=yubico,id=%s,key=%s,url=%s" % (API_ID, API_KEY, yubico.url))
    # bob's key, as Proxmox stores it
    tfa = {"users": {"bob@pve": {"yubico": [{
        "id": "7f0c7a52-1df4-4b1e-9d2a-5c2b0c6e9a01", "description": "yk",
        "created": 1767225600, "entry": KEY_ID}]}}}
    path = os.path.join(api.config_dir, "priv", "tfa.cfg")
    with open(path, "w") as f:
        json.dump(tfa, f, separators=(",", ":"))
    os.chmod(path, 0o600)
    return api


def partial(api, user="bob@pve"):
    d = ok(api.ticket_request(user, PASSWORDS[user]))
    assert d["NeedTFA"] == 1
    m = re.match(r"^PVE:!tfa!(.*):[0-9A-F]{8}::", d["ticket"])
    assert json.loads(urllib.parse.unquote(m.group(1))) == {"yubico": True}
    return d["ticket"]


def answer(api, ticket, response, user="bob@pve"):
    return api.ticket_request(user, response, **{"tfa-challenge": ticket})


def test_yubico_otp_logs_in_once(api, yubico):
    t = partial(api)
    otp = yubico.otp(KEY_ID, 1)
    d = ok(answer(api, t, "yubico:" + otp))
    assert d["ticket"].startswith("PVE:bob@pve:") and "cap" in d
    q = yubico.requests[-1]
    assert q["id"] == API_ID and q["otp"] == otp and q["timestamp"] == "1"
    assert re.match(r"^[0-9a-f]{32}$", q["nonce"])
    # the same OTP again: the server says REPLAYED_OTP
    error(answer(api, partial(api), "yubico:" + otp), 401, AUTH_FAIL)


def test_another_users_key_is_refused(api, yubico):
    error(answer(api, partial(api), "yubico:" + yubico.otp("cccccckeyxyz",
                                                            2)),
          401, AUTH_FAIL)


@pytest.mark.parametrize("mode", ["bad-signature", "other-nonce",
                                  "other-otp", "error"])
def test_a_doubtful_answer_refuses_the_login(api, yubico, mode):
    yubico.mode = mode
    error(answer(api, partial(api), "yubico:" + yubico.otp(KEY_ID, 3)),
          401, AUTH_FAIL)


def test_an_unreachable_server_refuses_the_login(api, yubico):
    t = partial(api)
    yubico.stop()
    error(answer(api, t, "yubico:" + yubico.otp(KEY_ID, 4)), 401, AUTH_FAIL)


def test_user_without_a_key_is_refused(api, yubico):
    # alice has no Yubico key: the realm still asks; nothing can answer
    t = partial(api, "alice@pve")
    error(answer(api, t, "yubico:" + yubico.otp(KEY_ID, 5), "alice@pve"),
          401, AUTH_FAIL)


def test_totp_answers_are_refused_in_a_yubico_realm(api, yubico):
    error(answer(api, partial(api), "totp:123456"), 401, AUTH_FAIL)


def test_a_user_adds_a_yubico_key_with_an_otp(api, yubico):
    """POST /access/tfa type=yubico: the OTP is checked with the realm's
    server and the key's public id stored; then it logs in."""
    s = api.alice
    otp = yubico.otp("cccccckeyxyz", 10)
    d = ok(s.post("/access/tfa/alice@pve", data={
        "type": "yubico", "description": "yk", "value": otp,
        "password": PASSWORDS["alice@pve"]}))
    entry = ok(s.get("/access/tfa/alice@pve/" + d["id"]))
    assert entry["type"] == "yubico" and entry["description"] == "yk"
    with open(os.path.join(api.config_dir, "priv", "tfa.cfg")) as f:
        assert '"entry":"cccccckeyxyz"' in f.read()
    ok(answer(api, partial(api, "alice@pve"),
              "yubico:" + yubico.otp("cccccckeyxyz", 11), "alice@pve"))
    # a used OTP adds nothing
    error(s.post("/access/tfa/alice@pve", data={
        "type": "yubico", "description": "again", "value": otp,
        "password": PASSWORDS["alice@pve"]}), 500)
