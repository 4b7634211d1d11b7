"""Second factors at login and their management (issue 10; spec 1.7, 4.4,
8.5, 10): TOTP with replay protection, recovery codes, the partial
ticket and its second step, the one-request `otp`, realm-enforced TFA,
Proxmox's two lockouts and their unlock, through the API, the CLI and
proxmoxer.  Codes are computed here per RFC 6238 from the secret the
test chose."""
import base64
import hashlib
import hmac
import json
import os
import re
import struct
import time
import urllib.parse

import pytest

from conftest import (PASSWORDS, Session, cli, cli_json, error, ok)

AUTH_FAIL = "authentication failure"
SECRET = "JBSWY3DPEHPK3PXP"          # base32 of "Hello!\xde\xad\xbe\xef"
PASSWORD = "tfa-user-pw-1"


def totp_code(secret=SECRET, counter=None, digits=6, period=30,
              algo=hashlib.sha1):
    """RFC 6238 code of counter (default: the current period)."""
    if counter is None:
        counter = int(time.time()) // period
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    mac = hmac.new(key, struct.pack(">Q", counter), algo).digest()
    off = mac[-1] & 0x0F
    n = struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF
    return str(n % 10 ** digits).zfill(digits)


def now_counter(period=30):
    return int(time.time()) // period


def totp_uri(account, secret=SECRET):
    return ("otpauth://totp/realmgate:%s?secret=%s&digits=6&algorithm=SHA1"
            "&period=30&issuer=realmgate" %
            (urllib.parse.quote(account, safe=""), secret))


@pytest.fixture
def user(server, admin, uniq):
    """A fresh pve user with a password; returns its id."""
    u = uniq("tfa") + "@pve"
    ok(admin.post("/access/users", data={"userid": u, "password": PASSWORD}))
    return u


def add_totp(server, userid, secret=SECRET, counter=None):
    """The user adds a TOTP entry for itself; returns the entry id."""
    s = server.session(userid, PASSWORD)
    d = ok(s.post("/access/tfa/" + userid, data={
        "type": "totp", "description": "phone",
        "totp": totp_uri(userid, secret),
        "value": totp_code(secret, counter), "password": PASSWORD}))
    assert re.match(r"^[0-9a-f-]{36}$", d["id"]), d
    return d["id"]


def first_step(server, userid, password=PASSWORD, **extra):
    return server.ticket_request(userid, password, **extra)


def challenge_of(ticket):
    """The challenge JSON inside a partial ticket."""
    m = re.match(r"^PVE:!tfa!(.*):[0-9A-F]{8}::", ticket)
    assert m, ticket
    return json.loads(urllib.parse.unquote(m.group(1)))


def second_step(server, userid, partial, response):
    return server.ticket_request(userid, response,
                                 **{"tfa-challenge": partial})


def wait_next_period():
    """Sleep into the next 30 s period if the current one is nearly over
    (two codes of the same test must fall in a +-1 window)."""
    left = 30 - time.time() % 30
    if left < 5:
        time.sleep(left + 0.5)


# the login sequence --------------------------------------------------------
def test_totp_login_needs_the_second_step(server, user):
    add_totp(server, user, counter=now_counter() - 1)
    d = ok(first_step(server, user))
    assert d["NeedTFA"] == 1 and d["username"] == user
    assert "cap" not in d
    assert challenge_of(d["ticket"]) == {"totp": True}
    # a partial ticket is no login
    half = Session(server, ticket=d["ticket"], csrf=d["CSRFPreventionToken"])
    error(half.get("/access/users"), 401)
    error(server.ticket_request(user, d["ticket"]), 401, AUTH_FAIL)
    full = ok(second_step(server, user, d["ticket"], "totp:" + totp_code()))
    assert "NeedTFA" not in full and "cap" in full
    assert full["ticket"].startswith("PVE:%s:" % user)
    ok(Session(server, ticket=full["ticket"]).get("/access/permissions"))
    # a renewal with the full ticket asks for nothing more
    renewed = ok(server.ticket_request(user, full["ticket"]))
    assert "NeedTFA" not in renewed


def test_wrong_and_replayed_codes_are_refused(server, user):
    wait_next_period()
    add_totp(server, user, counter=now_counter() - 1)
    d = ok(first_step(server, user))
    t0 = time.monotonic()
    r = second_step(server, user, d["ticket"], "totp:000000"
                    if totp_code() != "000000" else "totp:111111")
    error(r, 401, AUTH_FAIL)
    assert time.monotonic() - t0 >= 2.9
    ok(second_step(server, user, d["ticket"], "totp:" + totp_code()))
    # the same code again: replay (last-count)
    d = ok(first_step(server, user))
    error(second_step(server, user, d["ticket"], "totp:" + totp_code()),
          401, AUTH_FAIL)


def test_one_request_otp(server, user):
    wait_next_period()
    add_totp(server, user, counter=now_counter() - 1)
    d = ok(first_step(server, user, otp="totp:" + totp_code()))
    assert "NeedTFA" not in d and d["ticket"].startswith("PVE:%s:" % user)
    # otp together with tfa-challenge is an error
    d = ok(first_step(server, user))
    error(server.ticket_request(user, "totp:123456", otp="totp:123456",
                                **{"tfa-challenge": d["ticket"]}),
          401, AUTH_FAIL)


def test_partial_ticket_is_bound_to_its_user(server, user, admin, uniq):
    other = uniq("tfo") + "@pve"
    ok(admin.post("/access/users", data={"userid": other,
                                         "password": PASSWORD}))
    add_totp(server, user, counter=now_counter() - 1)
    add_totp(server, other, counter=now_counter() - 1)
    d = ok(first_step(server, user))
    error(second_step(server, other, d["ticket"], "totp:" + totp_code()),
          401, AUTH_FAIL)


def test_user_without_factors_logs_in_at_once(server, user):
    d = ok(first_step(server, user))
    assert "NeedTFA" not in d and "cap" in d


def test_tokens_are_unaffected_by_tfa(server, user):
    add_totp(server, user, counter=now_counter() - 1)
    out = cli_json(server.config_dir, "user", "token", "add", user, "t1")
    s = server.token_session(user + "!t1", out["value"])
    ok(s.get("/access/permissions"))


# recovery codes ------------------------------------------------------------
def test_recovery_codes_are_single_use(server, user):
    s = server.session(user, PASSWORD)
    d = ok(s.post("/access/tfa/" + user, data={"type": "recovery",
                                               "password": PASSWORD}))
    assert d["id"] == "recovery"
    codes = d["recovery"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(re.match(r"^[0-9a-f]{4}(-[0-9a-f]{4}){3}$", c) for c in codes)
    # one set at a time (Proxmox: a plain die in the handler, so 500)
    error(s.post("/access/tfa/" + user, data={"type": "recovery",
                                              "password": PASSWORD}), 500,
          "user already has recovery keys")
    p = ok(first_step(server, user))
    assert challenge_of(p["ticket"]) == {"recovery": list(range(10))}
    ok(second_step(server, user, p["ticket"], "recovery:" + codes[3]))
    p = ok(first_step(server, user))
    assert 3 not in challenge_of(p["ticket"])["recovery"]
    error(second_step(server, user, p["ticket"], "recovery:" + codes[3]),
          401, AUTH_FAIL)
    ok(second_step(server, user, p["ticket"], "recovery:" + codes[4]))


# management ----------------------------------------------------------------
def test_listing_update_and_delete(server, user, admin):
    # logged in before the first factor: afterwards a password alone
    # gives only a partial ticket
    s = server.session(user, PASSWORD)
    tid = add_totp(server, user, counter=now_counter() - 1)
    ok(s.post("/access/tfa/" + user, data={"type": "recovery",
                                           "password": PASSWORD}))
    entries = ok(s.get("/access/tfa/" + user))
    assert [e["type"] for e in entries] == ["recovery", "totp"]
    t = [e for e in entries if e["type"] == "totp"][0]
    assert t["id"] == tid and t["description"] == "phone"
    assert isinstance(t["created"], int) and "enable" not in t
    assert ok(s.get("/access/tfa/%s/%s" % (user, tid)))["id"] == tid
    error(s.get("/access/tfa/%s/%s" % (user, "nope")), 404)
    # everyone's, for an admin
    all_ = ok(admin.get("/access/tfa"))
    mine = [x for x in all_ if x["userid"] == user]
    assert len(mine) == 1 and len(mine[0]["entries"]) == 2
    # disable: the user then logs in with the recovery codes only
    ok(s.put("/access/tfa/%s/%s" % (user, tid),
             data={"enable": 0, "description": "old phone",
                   "password": PASSWORD}))
    e = ok(s.get("/access/tfa/%s/%s" % (user, tid)))
    assert e["enable"] == 0 and e["description"] == "old phone"
    assert "totp" not in challenge_of(ok(first_step(server, user))["ticket"])
    # a change without the password is refused
    error(s.delete("/access/tfa/%s/%s" % (user, tid)), 400)
    ok(s.delete("/access/tfa/%s/%s" % (user, tid),
                params={"password": PASSWORD}))
    ok(s.delete("/access/tfa/%s/recovery" % user,
                params={"password": PASSWORD}))
    assert ok(s.get("/access/tfa/" + user)) == []
    assert "NeedTFA" not in ok(first_step(server, user))


def test_a_user_cannot_manage_someone_elses_factors(server, user):
    s = server.session("bob@pve")
    error(s.get("/access/tfa/" + user), 403)
    error(s.post("/access/tfa/" + user, data={
        "type": "recovery", "password": PASSWORD}), 403)


def test_cli_lists_deletes_and_unlocks(server, user):
    tid = add_totp(server, user, counter=now_counter() - 1)
    out = cli_json(server.config_dir, "user", "tfa", "list", user)
    assert [e["id"] for e in out] == [tid]
    p = cli(server.config_dir, "user", "tfa", "unlock", user)
    assert p.returncode == 0
    cli(server.config_dir, "user", "tfa", "delete", user, "--id", tid)
    assert cli_json(server.config_dir, "user", "tfa", "list", user) == []


# Proxmox's lockouts --------------------------------------------------------
def test_eight_bad_totp_codes_lock_totp_until_recovery(server, user, admin):
    wait_next_period()
    s = server.session(user, PASSWORD)     # before the first factor
    add_totp(server, user, counter=now_counter() - 1)
    codes = ok(s.post("/access/tfa/" + user, data={
        "type": "recovery", "password": PASSWORD}))["recovery"]
    good = totp_code()
    bad = "%06d" % ((int(good) + 1) % 1000000)
    p = ok(first_step(server, user))
    for _ in range(8):
        error(second_step(server, user, p["ticket"], "totp:" + bad),
              401, AUTH_FAIL)
    listed = [u for u in ok(admin.get("/access/users"))
              if u["userid"] == user][0]
    assert listed.get("totp-locked") == 1 or listed.get("totp-locked") is True
    # the right code no longer helps
    error(second_step(server, user, p["ticket"], "totp:" + totp_code()),
          401, AUTH_FAIL)
    # a recovery code logs in and lifts the TOTP lock
    ok(second_step(server, user, p["ticket"], "recovery:" + codes[0]))
    listed = [u for u in ok(admin.get("/access/users"))
              if u["userid"] == user][0]
    assert not listed.get("totp-locked")


def test_admin_unlock_lifts_the_totp_lock(server, user, admin):
    add_totp(server, user, counter=now_counter() - 1)
    p = ok(first_step(server, user))
    bad = "%06d" % ((int(totp_code()) + 1) % 1000000)
    for _ in range(8):
        error(second_step(server, user, p["ticket"], "totp:" + bad), 401)
    assert ok(admin.put("/access/users/%s/unlock-tfa" % user)) in (1, True)
    assert ok(admin.put("/access/users/%s/unlock-tfa" % user)) in (0, False)
    wait_next_period()
    ok(second_step(server, user, p["ticket"], "totp:" + totp_code()))


# realm-enforced TFA --------------------------------------------------------
def test_realm_enforced_oath_refuses_users_without_a_factor(
        server_factory):
    api = server_factory()
    cli(api.config_dir, "realm", "modify", "pve", "--tfa", "type=oath")
    error(api.ticket_request("bob@pve", PASSWORDS["bob@pve"]), 401,
          AUTH_FAIL)
    # root@pam's realm is not affected
    cli(api.config_dir, "realm", "modify", "pve", "--delete", "tfa")
    ok(api.ticket_request("bob@pve", PASSWORDS["bob@pve"]))


# a real client ---------------------------------------------------------------
def test_proxmoxer_logs_in_with_otp(server, user):
    from proxmoxer import ProxmoxAPI
    wait_next_period()
    add_totp(server, user, counter=now_counter() - 1)
    px = ProxmoxAPI("127.0.0.1", port=server.port, user=user,
                    password=PASSWORD, otp="totp:" + totp_code(),
                    verify_ssl=server.cert)
    assert isinstance(px.access.permissions.get(), dict)


# management details (issue 10 item 4) ------------------------------------
FIXTURE = os.path.join(os.path.dirname(__file__), "..", "unit", "tfa",
                       "fixtures", "tfa-proxmox.cfg")


def tfa_cfg(server):
    with open(os.path.join(server.config_dir, "priv", "tfa.cfg"), "rb") as f:
        return f.read()


def user_line(server, userid):
    """user.cfg's fields of userid; [8] is `keys`."""
    with open(os.path.join(server.config_dir, "user.cfg")) as f:
        for line in f:
            if line.startswith("user:%s:" % userid):
                return line.rstrip("\n").split(":")
    return None


def test_proxmox_tfa_cfg_survives_a_change_to_another_user(server_factory):
    """TOTP, recovery, WebAuthn, U2F and Yubico entries as Proxmox writes
    them (and parts realmgate does not know) stay byte for byte while
    another user's factors come and go."""
    api = server_factory()
    admin = api.session("alice@pve")    # before alice has factors
    with open(FIXTURE, "rb") as f:
        proxmox = f.read()
    os.makedirs(os.path.join(api.config_dir, "priv"), exist_ok=True)
    with open(os.path.join(api.config_dir, "priv", "tfa.cfg"), "wb") as f:
        f.write(proxmox)
    s = api.session("bob@pve")
    ok(s.post("/access/tfa/bob@pve", data={
        "type": "recovery", "password": PASSWORDS["bob@pve"]}))
    after = tfa_cfg(api)
    assert after.startswith(proxmox[:-2] + b',"bob@pve":{"recovery":'), after
    # Proxmox's entries are listed as Proxmox lists them
    alice = ok(admin.get("/access/tfa/alice@pve"))
    assert [e["type"] for e in alice] == ["recovery", "totp", "totp",
                                          "webauthn", "u2f", "yubico"]
    ok(s.delete("/access/tfa/bob@pve/recovery",
                params={"password": PASSWORDS["bob@pve"]}))
    assert tfa_cfg(api) == proxmox


def test_lock_flags_in_listings(server_factory):
    api = server_factory()
    admin = api.session("alice@pve")    # before alice has factors
    with open(FIXTURE, "rb") as f:
        proxmox = f.read()
    os.makedirs(os.path.join(api.config_dir, "priv"), exist_ok=True)
    with open(os.path.join(api.config_dir, "priv", "tfa.cfg"), "wb") as f:
        f.write(proxmox)
    users = {u["userid"]: u for u in ok(admin.get("/access/users"))}
    assert users["alice@pve"]["totp-locked"] in (1, True)
    assert users["alice@pve"]["tfa-locked-until"] == 4102444800
    assert "totp-locked" not in users["bob@pve"]
    listed = {u["userid"]: u for u in ok(admin.get("/access/tfa"))}
    assert set(listed) == {"alice@pve", "bob@pam", "carol@ldap"}
    assert listed["alice@pve"]["tfa-locked-until"] == 4102444800
    # the CLI's table has the columns too
    out = cli_json(api.config_dir, "user", "list")
    assert [u for u in out if u["userid"] == "alice@pve"][0][
        "totp-locked"] in (1, True)
    # a user sees only itself
    assert [u["userid"] for u in ok(api.session("bob@pve").get(
        "/access/tfa"))] == []
    # unlock: both flags, answered true once, then false
    assert ok(admin.put("/access/users/alice@pve/unlock-tfa")) in (1, True)
    users = {u["userid"]: u for u in ok(admin.get("/access/users"))}
    assert "totp-locked" not in users["alice@pve"]
    assert "tfa-locked-until" not in users["alice@pve"]
    assert ok(admin.put("/access/users/alice@pve/unlock-tfa")) in (0, False)
    error(admin.put("/access/users/bob@pve/unlock-tfa"), 500, "no such user")


def test_user_deletion_removes_tfa_data(server, admin, user, uniq):
    add_totp(server, user, counter=now_counter() - 1)
    assert user.encode() in tfa_cfg(server)
    ok(admin.delete("/access/users/" + user))
    assert user.encode() not in tfa_cfg(server)
    # and through the CLI
    other = uniq("tfd") + "@pve"
    ok(admin.post("/access/users", data={"userid": other,
                                         "password": PASSWORD}))
    add_totp(server, other, counter=now_counter() - 1)
    cli(server.config_dir, "user", "delete", other)
    assert other.encode() not in tfa_cfg(server)


def test_keys_marker_set_and_cleared(server, user):
    line = user_line(server, user)
    assert len(line) <= 8 or line[8] == ""
    tid = add_totp(server, user, counter=now_counter() - 1)
    assert user_line(server, user)[8] == "x"
    cli(server.config_dir, "user", "tfa", "delete", user, "--id", tid)
    line = user_line(server, user)
    assert len(line) <= 8 or line[8] == ""


def test_legacy_keys_are_imported_at_the_first_factor(server_factory, uniq):
    api = server_factory()
    u = uniq("leg") + "@pve"
    cli(api.config_dir, "user", "add", u, "--password", PASSWORD)
    s = api.session(u, PASSWORD)
    # a user of an oath realm from before tfa.cfg: the secret in `keys`
    wait_next_period()
    cli(api.config_dir, "realm", "modify", "pve", "--tfa", "type=oath")
    cli(api.config_dir, "user", "modify", u, "--keys", SECRET)
    ok(s.post("/access/tfa/" + u, data={"type": "recovery",
                                        "password": PASSWORD}))
    entries = ok(s.get("/access/tfa/" + u))
    assert [(e["type"], e.get("description")) for e in entries] == [
        ("recovery", None), ("totp", "<old userconfig key 0>")]
    assert user_line(api, u)[8] == "x"
    # the imported key logs in (replay protection from now on)
    d = ok(first_step(api, u, otp="totp:" + totp_code()))
    assert "NeedTFA" not in d
    # deleting everything clears the marker
    cli(api.config_dir, "user", "tfa", "delete", u)
    line = user_line(api, u)
    assert len(line) <= 8 or line[8] == ""
    assert cli(api.config_dir, "user", "tfa", "list", u).stdout == ""


def test_changes_need_the_callers_password(server, admin, user):
    s = server.session(user, PASSWORD)
    errs = error(s.post("/access/tfa/" + user, data={"type": "recovery"}),
                 400)["errors"]
    assert errs["password"] == "password is required to modify user"
    error(s.post("/access/tfa/" + user, data={
        "type": "recovery", "password": "wrong-password"}), 500,
        "authentication failure")
    # an admin gives its own password, not the user's
    error(admin.post("/access/tfa/" + user, data={
        "type": "recovery", "password": PASSWORD}), 500,
        "authentication failure")
    ok(admin.post("/access/tfa/" + user, data={
        "type": "recovery", "password": PASSWORDS["alice@pve"]}))
    # only root@pam touches root@pam's factors
    error(admin.post("/access/tfa/root@pam", data={
        "type": "recovery", "password": PASSWORDS["alice@pve"]}), 403)
    # API tokens never change factors, they may read them
    tok = server.token_session("alice@pve!full")
    error(tok.post("/access/tfa/" + user, data={"type": "recovery"}), 403)
    error(tok.delete("/access/tfa/%s/recovery" % user), 403)
    assert len(ok(tok.get("/access/tfa/" + user))) == 1
    # the permission check's `or` finds no such user quietly: 403
    error(admin.post("/access/tfa/nobody@pve", data={
        "type": "recovery", "password": PASSWORDS["alice@pve"]}), 403)
    p = cli(server.config_dir, "user", "tfa", "unlock", "nobody@pve",
            check=False)
    assert "no such user" in p.stderr


def test_add_errors_as_proxmox(server, user):
    s = server.session(user, PASSWORD)
    post = lambda **d: s.post("/access/tfa/" + user,
                              data=dict(d, password=PASSWORD))
    error(post(type="totp", totp=totp_uri(user)), 500,
          "'description' is required for new entries")
    error(post(type="totp", description="x", totp=totp_uri(user)), 500,
          "'totp' type requires both 'totp' and 'value' parameters")
    bad = "%06d" % ((int(totp_code()) + 500000) % 1000000)
    error(post(type="totp", description="x", totp=totp_uri(user),
               value=bad), 500, "failed to verify TOTP challenge")
    error(post(type="recovery", value="1"), 500,
          "generating recovery tokens does not allow additional parameters")
    error(post(type="webauthn", description="key"), 500,
          "no webauthn configuration available")
    error(post(type="u2f", description="key"), 500,
          "no u2f configuration available")
    error(post(type="yubico", description="yk", value="c" * 44), 500,
          "no yubico otp configuration available for realm pve")
    # a refused add writes nothing, the keys marker included
    assert user.encode() not in tfa_cfg(server)
    line = user_line(server, user)
    assert len(line) <= 8 or line[8] == ""
    error(s.put("/access/tfa/%s/nope" % user,
                data={"enable": 0, "password": PASSWORD}), 500,
          "no such entry")
    error(s.get("/access/tfa/%s/nope" % user), 404, "No such tfa entry 'nope'")


def test_user_tfa_types(server, user, admin):
    assert ok(admin.get("/access/users/%s/tfa" % user)) == {}
    s = server.session(user, PASSWORD)
    ok(s.post("/access/tfa/" + user, data={"type": "recovery",
                                           "password": PASSWORD}))
    assert ok(s.get("/access/users/%s/tfa" % user)) == {
        "user": "incompatible"}
    ok(s.post("/access/tfa/" + user, data={
        "type": "totp", "description": "phone", "totp": totp_uri(user),
        "value": totp_code(), "password": PASSWORD}))
    assert ok(s.get("/access/users/%s/tfa" % user)) == {"user": "oath"}
    assert ok(s.get("/access/users/%s/tfa" % user,
                    params={"multiple": 1})) == {
        "user": ["totp", "recovery"]}


def test_cli_list_text_as_proxmox(server, user):
    tid = add_totp(server, user, counter=now_counter() - 1)
    cli(server.config_dir, "user", "tfa", "list", user)
    out = cli(server.config_dir, "user", "tfa", "list", user).stdout
    assert out == "totp:     %s\n    phone\n" % tid
    everyone = cli(server.config_dir, "user", "tfa", "list").stdout
    assert "%s:\n    totp:     %s\n        phone\n" % (user, tid) in everyone
    # no --id: everything goes
    cli(server.config_dir, "user", "tfa", "delete", user)
    assert cli(server.config_dir, "user", "tfa", "list", user).stdout == ""
    p = cli(server.config_dir, "user", "tfa", "delete", user, "--id", tid,
            check=False)
    assert p.returncode != 0 and "no such entry" in p.stderr
    p = cli(server.config_dir, "user", "tfa", "unlock", user, check=False)
    assert p.returncode != 0 and "no such user" in p.stderr
