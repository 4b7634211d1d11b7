"""A refused commit changes nothing (issue 9 A.5).

user.cfg with a line that cannot be read makes every rewrite refuse
without --force.  Operations that also write another file - token removal
and regeneration (priv/token.cfg), user deletion and creation with a
password (priv/shadow.cfg and token.cfg) - used to write that other file
first and only then be refused: the token secret was gone, the password
hash erased.  Through the API and the CLI, they must now leave every file
byte-identical.  The same holds when token.cfg itself holds a line that
cannot be read.
"""
import os

import pytest

from conftest import cli, cli_json, ok

FILES = ("user.cfg", "priv/token.cfg", "priv/shadow.cfg")


def snapshot(d):
    out = {}
    for f in FILES:
        with open(os.path.join(d, f), "rb") as fh:
            out[f] = fh.read()
    return out


def append(d, rel, text):
    with open(os.path.join(d, rel), "a") as fh:
        fh.write(text)


def refused(r, what):
    assert r.status_code >= 400, "%s -> %d %s" % (what, r.status_code, r.text)
    return r.json().get("message", "")


@pytest.fixture
def broken(server_factory):
    """A private daemon whose user.cfg holds a line it cannot read, with a
    victim user (pve password, a token) to try to remove."""
    api = server_factory()
    d = api.config_dir
    cli(d, "user", "add", "victim@pve", "--password", "victim-secret-1")
    out = cli_json(d, "user", "token", "add", "victim@pve", "tk")
    api.tokens["victim@pve!tk"] = out["value"]
    append(d, "user.cfg", "role:Odd:VM.Audit,VM.Bogus:\n")
    return api


def test_api_refusals_change_nothing(broken):
    d = broken.config_dir
    admin = broken.session("alice@pve")
    before = snapshot(d)
    for what, r in (
            ("token remove", admin.delete("/access/users/victim@pve/token/tk")),
            ("token regenerate", admin.put("/access/users/victim@pve/token/tk",
                                           data={"regenerate": 1})),
            ("token add", admin.post("/access/users/victim@pve/token/uk")),
            ("user delete", admin.delete("/access/users/victim@pve")),
            ("user add", admin.post("/access/users", data={
                "userid": "newbie@pve", "password": "newbie-secret-1"}))):
        msg = refused(r, what)
        assert "refusing to rewrite user.cfg" in msg, (what, msg)
        assert snapshot(d) == before, what
    # the secret and the password still work
    ok(broken.token_session("victim@pve!tk").get("/version"))
    broken.login("victim@pve", "victim-secret-1")


def test_cli_refusals_change_nothing(broken):
    d = broken.config_dir
    before = snapshot(d)
    for args in (("user", "token", "remove", "victim@pve", "tk"),
                 ("user", "token", "modify", "victim@pve", "tk",
                  "--regenerate", "1"),
                 ("user", "token", "add", "victim@pve", "uk"),
                 ("user", "delete", "victim@pve"),
                 ("user", "add", "newbie@pve", "--password",
                  "newbie-secret-1")):
        p = cli(d, *args, check=False)
        assert p.returncode != 0, args
        assert "refusing to rewrite user.cfg" in p.stderr, (args, p.stderr)
        assert snapshot(d) == before, args
    # --force drops the line and goes through, both files together
    cli(d, "user", "delete", "victim@pve", "--force")
    after = snapshot(d)
    assert b"victim@pve" not in after["user.cfg"]
    assert b"victim@pve" not in after["priv/token.cfg"]
    assert b"victim:" not in after["priv/shadow.cfg"]


def test_unreadable_token_cfg_is_not_rewritten(server_factory):
    api = server_factory()
    d = api.config_dir
    cli(d, "user", "add", "victim@pve")
    cli(d, "user", "token", "add", "victim@pve", "tk")
    append(d, "priv/token.cfg", "this line is not a token\n")
    before = snapshot(d)
    admin = api.session("alice@pve")
    for what, r in (
            ("token remove", admin.delete("/access/users/victim@pve/token/tk")),
            ("user delete", admin.delete("/access/users/victim@pve"))):
        msg = refused(r, what)
        assert "refusing to rewrite priv/token.cfg" in msg, (what, msg)
        assert snapshot(d) == before, what
    p = cli(d, "user", "token", "remove", "victim@pve", "tk", check=False)
    assert p.returncode != 0
    assert "refusing to rewrite priv/token.cfg" in p.stderr, p.stderr
    assert snapshot(d) == before
