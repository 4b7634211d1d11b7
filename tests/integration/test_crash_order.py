"""Two-file writes killed between their two writes (test point
between-writes:<op>, obeyed by debug builds): the files must hold the old
state or the new one, never a user without its hash, a token without its
secret or a realm without its bind password.  A removal writes the main
file first, so what it leaves is an orphan (a hash, secret or .pw of an
object that is gone), and a later object of the same name must not
inherit it."""
import hashlib
import os
import shutil

import pytest

from conftest import cli, cli_json, new_config_dir
from test_faults import cli_ticket, killed_cli, read

LDAP = ["--type", "ldap", "--server1", "127.0.0.1", "--base_dn",
        "dc=example,dc=org", "--user_attr", "uid"]


@pytest.fixture
def cfgdir():
    d = new_config_dir()
    yield d
    shutil.rmtree(d, ignore_errors=True)


def shadow(d):
    p = os.path.join(d, "priv", "shadow.cfg")
    return read(p) if os.path.exists(p) else ""


def secrets(d):
    """token.cfg: {tokenid: stored}."""
    p = os.path.join(d, "priv", "token.cfg")
    out = {}
    if os.path.exists(p):
        for line in read(p).splitlines():
            if line.strip():
                k, v = line.split(None, 1)
                out[k] = v.strip()
    return out


def token_ok(stored, secret):
    assert stored.startswith("$rgt1$"), stored
    salt, _, digest = stored[len("$rgt1$"):].partition("$")
    return hashlib.sha256((salt + "$" + secret).encode()).hexdigest() == digest


def domains(d):
    p = os.path.join(d, "domains.cfg")
    return read(p) if os.path.exists(p) else ""


def pw_file(d, realm):
    return os.path.join(d, "priv", "realm", realm + ".pw")


def test_user_delete_killed_between_writes(cfgdir):
    cli(cfgdir, "user", "add", "eve@pve", "--password", "eve-secret-123")
    tok = cli_json(cfgdir, "user", "token", "add", "eve@pve", "t1")
    killed_cli(cfgdir, "between-writes:user-delete", "user", "delete",
               "eve@pve")
    # the new state (the user and its token gone) plus orphans
    assert "eve@pve" not in read(os.path.join(cfgdir, "user.cfg"))
    assert "eve:" in shadow(cfgdir)
    assert "eve@pve!t1" in secrets(cfgdir)
    p = cli_ticket(cfgdir, "eve@pve", "eve-secret-123")
    assert p.returncode != 0 and not p.stdout.startswith("PVE:"), p.stdout
    # a new eve without a password does not get the old hash
    cli(cfgdir, "user", "add", "eve@pve", "--comment", "someone else")
    assert "eve:" not in shadow(cfgdir)
    assert cli_ticket(cfgdir, "eve@pve", "eve-secret-123").returncode != 0
    # nor does a token of the old name get the old secret
    new = cli_json(cfgdir, "user", "token", "add", "eve@pve", "t1")
    stored = secrets(cfgdir)["eve@pve!t1"]
    assert token_ok(stored, new["value"])
    assert not token_ok(stored, tok["value"])


def test_user_delete_not_killed_removes_everything(cfgdir):
    cli(cfgdir, "user", "add", "eve@pve", "--password", "eve-secret-123")
    cli(cfgdir, "user", "token", "add", "eve@pve", "t1")
    cli(cfgdir, "user", "delete", "eve@pve")
    assert "eve@pve" not in read(os.path.join(cfgdir, "user.cfg"))
    assert "eve:" not in shadow(cfgdir)
    assert "eve@pve!t1" not in secrets(cfgdir)


def test_user_delete_refused_by_shadow_changes_nothing(cfgdir):
    # a line of shadow.cfg that could not be read: the removal of eve's
    # hash would drop it, so the delete is refused before user.cfg
    cli(cfgdir, "user", "add", "eve@pve", "--password", "eve-secret-123")
    path = os.path.join(cfgdir, "priv", "shadow.cfg")
    with open(path, "a") as f:
        f.write("this is not a shadow line\n")
    before = (read(os.path.join(cfgdir, "user.cfg")), read(path))
    p = cli(cfgdir, "user", "delete", "eve@pve", check=False)
    assert p.returncode != 0
    assert (read(os.path.join(cfgdir, "user.cfg")), read(path)) == before


def test_token_delete_killed_between_writes(cfgdir):
    cli(cfgdir, "user", "add", "bob@pve")
    old = cli_json(cfgdir, "user", "token", "add", "bob@pve", "t1")
    killed_cli(cfgdir, "between-writes:token-delete", "user", "token",
               "remove", "bob@pve", "t1")
    # the token is gone from user.cfg; its secret is an orphan
    assert "bob@pve!t1" not in read(os.path.join(cfgdir, "user.cfg"))
    assert token_ok(secrets(cfgdir)["bob@pve!t1"], old["value"])
    # a new token of the same name has a secret of its own
    new = cli_json(cfgdir, "user", "token", "add", "bob@pve", "t1")
    stored = secrets(cfgdir)["bob@pve!t1"]
    assert token_ok(stored, new["value"])
    assert not token_ok(stored, old["value"])


def test_token_create_killed_between_writes(cfgdir):
    # a new secret goes first: killed before user.cfg, the old state
    # plus an orphaned secret, which the next creation replaces
    cli(cfgdir, "user", "add", "bob@pve")
    killed_cli(cfgdir, "between-writes:token-secret", "user", "token",
               "add", "bob@pve", "t1")
    assert "bob@pve!t1" not in read(os.path.join(cfgdir, "user.cfg"))
    orphan = secrets(cfgdir)["bob@pve!t1"]
    new = cli_json(cfgdir, "user", "token", "add", "bob@pve", "t1")
    stored = secrets(cfgdir)["bob@pve!t1"]
    assert stored != orphan and token_ok(stored, new["value"])


def test_realm_delete_killed_between_writes(cfgdir):
    cli(cfgdir, "realm", "add", "corp", *LDAP, "--password", "old-bind-pw")
    assert read(pw_file(cfgdir, "corp")) == "old-bind-pw"
    killed_cli(cfgdir, "between-writes:realm-delete", "realm", "delete",
               "corp")
    # the realm is gone; its .pw is an orphan
    assert "corp" not in domains(cfgdir)
    assert os.path.exists(pw_file(cfgdir, "corp"))
    # a realm created anew without a bind password does not inherit it
    cli(cfgdir, "realm", "add", "corp", *LDAP)
    assert not os.path.exists(pw_file(cfgdir, "corp"))
    # nor one of another type (and an ldap one later neither)
    cli(cfgdir, "realm", "delete", "corp")
    cli(cfgdir, "realm", "add", "corp", *LDAP, "--password", "old-bind-pw")
    killed_cli(cfgdir, "between-writes:realm-delete", "realm", "delete",
               "corp")
    cli(cfgdir, "realm", "add", "corp", "--type", "openid", "--issuer-url",
        "http://127.0.0.1:1/", "--client-id", "x")
    assert not os.path.exists(pw_file(cfgdir, "corp"))
    # with a password of its own, that one
    cli(cfgdir, "realm", "delete", "corp")
    cli(cfgdir, "realm", "add", "corp", *LDAP, "--password", "new-bind-pw")
    assert read(pw_file(cfgdir, "corp")) == "new-bind-pw"


def test_realm_delete_not_killed_removes_the_password(cfgdir):
    cli(cfgdir, "realm", "add", "corp", *LDAP, "--password", "old-bind-pw")
    cli(cfgdir, "realm", "delete", "corp")
    assert "corp" not in domains(cfgdir)
    assert not os.path.exists(pw_file(cfgdir, "corp"))


def test_realm_create_killed_between_writes(cfgdir):
    # the .pw goes first: killed before domains.cfg, an orphan that the
    # next creation without a password removes
    killed_cli(cfgdir, "between-writes:realm-create", "realm", "add",
               "corp", *LDAP, "--password", "old-bind-pw")
    assert "corp" not in domains(cfgdir)
    assert os.path.exists(pw_file(cfgdir, "corp"))
    cli(cfgdir, "realm", "add", "corp", *LDAP)
    assert not os.path.exists(pw_file(cfgdir, "corp"))


def test_realm_bind_password_removed_stays_removed(cfgdir):
    cli(cfgdir, "realm", "add", "corp", *LDAP, "--password", "old-bind-pw")
    cli(cfgdir, "realm", "modify", "corp", "--delete", "password")
    assert "corp" in domains(cfgdir)
    assert not os.path.exists(pw_file(cfgdir, "corp"))
    cli(cfgdir, "realm", "modify", "corp", "--comment", "later")
    assert not os.path.exists(pw_file(cfgdir, "corp"))


def test_realm_delete_removes_a_killed_writers_temp_file(cfgdir):
    # a realm modify killed with the new .pw written, not renamed; the
    # realm's delete (which removes the .pw) takes the temp file too
    cli(cfgdir, "realm", "add", "corp", *LDAP, "--password", "old-bind-pw")
    killed_cli(cfgdir, "write-tmp:corp.pw", "realm", "modify", "corp",
               "--password", "new-bind-pw")
    d = os.path.join(cfgdir, "priv", "realm")
    assert any(".tmp." in n for n in os.listdir(d))
    cli(cfgdir, "realm", "delete", "corp")
    assert os.listdir(d) == []


def test_realm_modify_removes_a_killed_writers_temp_file(cfgdir):
    # the same temp file, and the realm's next change leaves the password
    # alone: the change still takes the temp file (found by make stress)
    cli(cfgdir, "realm", "add", "corp", *LDAP, "--password", "old-bind-pw")
    killed_cli(cfgdir, "write-tmp:corp.pw", "realm", "modify", "corp",
               "--password", "new-bind-pw")
    d = os.path.join(cfgdir, "priv", "realm")
    assert any(".tmp." in n for n in os.listdir(d))
    cli(cfgdir, "realm", "modify", "corp", "--comment", "later")
    assert os.listdir(d) == ["corp.pw"]
    with open(pw_file(cfgdir, "corp")) as f:
        assert f.read().strip() == "old-bind-pw"


def test_any_realm_change_removes_a_killed_writers_temp_file(cfgdir):
    # a killed password change of one realm, then a change of another
    cli(cfgdir, "realm", "add", "corp", *LDAP, "--password", "old-bind-pw")
    killed_cli(cfgdir, "write-tmp:corp.pw", "realm", "modify", "corp",
               "--password", "new-bind-pw")
    d = os.path.join(cfgdir, "priv", "realm")
    assert any(".tmp." in n for n in os.listdir(d))
    cli(cfgdir, "realm", "add", "other", *LDAP)
    assert sorted(os.listdir(d)) == ["corp.pw"]
