"""Writes on a full disk and on a read-only config directory (issue 9,
item 10): every write, through the CLI and through the daemon, ends in a
clear error naming the cause (CLI exit 255 and the message on stderr,
HTTP 500 with the message), every file stays byte for byte what it was,
no temp file is left, and reads and logins go on working.  Once the space
or the write access is back, the same writes succeed.

The config directory is a small tmpfs mounted for the test (the tests run
as root); "read-only" is that tmpfs remounted read-only, which root's
CAP_DAC_OVERRIDE cannot write around (a chmod would not stop root)."""
import os
import shutil
import subprocess
import tempfile

import pytest

from conftest import BIN, PASSWORDS, cli, ok, seed, start_server, stop_server

FILLER = "zz-filler"
ADMIN = "alice@pve"


def mount(*args):
    subprocess.run(["mount"] + list(args), check=True, capture_output=True)


@pytest.fixture
def tmpfs_server():
    """A seeded daemon whose config directory is a 2 MiB tmpfs."""
    if os.geteuid() != 0:
        pytest.fail("test_disk_faults.py mounts a tmpfs: run as root")
    base = tempfile.mkdtemp(prefix="realmgate-faults-")
    os.chmod(base, 0o755)
    d = os.path.join(base, "cfg")
    os.mkdir(d)
    mount("-t", "tmpfs", "-o", "size=2m,mode=0755", "realmgate-faults", d)
    api = None
    try:
        info = seed(d)
        for x in ("c", "h"):
            # gone*: no bind password, whose removal would free a block
            # and let the delete succeed on the full disk
            for realm, pw in (("corp", ["--password", "old-bind-pw"]),
                              ("gone", [])):
                cli(d, "realm", "add", realm + x, "--type", "ldap",
                    "--server1", "127.0.0.1", "--base_dn",
                    "dc=example,dc=org", "--user_attr", "uid", *pw)
            cli(d, "user", "add", "gone%s@pve" % x, "--password", "gone-pw-1")
            cli(d, "user", "token", "add", "bob@pve", "gone" + x)
        api = start_server(d, info["tokens"])
        yield api
    finally:
        try:
            if api is not None:
                stop_server(api)
        finally:
            subprocess.run(["umount", "-l", d], capture_output=True)
            shutil.rmtree(base, ignore_errors=True)


def snapshot(d):
    """{relative path: bytes} of every file, and the directories, except
    the filler and priv/lock (its flock files are opened, not written)."""
    out = {}
    for root, dirs, files in os.walk(d):
        rel_root = os.path.relpath(root, d)
        if rel_root.startswith(os.path.join("priv", "lock")):
            continue
        out[rel_root + "/"] = None
        for name in files:
            rel = os.path.normpath(os.path.join(rel_root, name))
            if rel == FILLER:
                continue
            with open(os.path.join(root, name), "rb") as f:
                out[rel] = f.read()
    return out


def fill(d):
    """Write a filler file until the tmpfs has no block left."""
    fd = os.open(os.path.join(d, FILLER), os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError as e:
        assert e.errno == 28, e   # ENOSPC
    finally:
        os.close(fd)
    st = os.statvfs(d)
    assert st.f_bavail == 0, "tmpfs not full: %d blocks left" % st.f_bavail


# Every kind of write, each touching one or two files: CLI args and stdin,
# and an HTTP twin on its own objects, so that both succeed once the fault
# is gone.  Objects deleted here are created by the fixture.
def writes(n):
    u = "faultuser%d" % n
    return [
        ((["user", "add", u + "c@pve", "--password", "fault-pw-%d" % n], None),
         ("POST", "/access/users", {"userid": u + "h@pve",
                                    "password": "fault-pw-%d" % n})),
        ((["user", "modify", "bob@pve", "--comment", "c%d" % n], None),
         ("PUT", "/access/users/bob@pve", {"comment": "h%d" % n})),
        ((["user", "delete", "gonec@pve"], None),
         ("DELETE", "/access/users/goneh@pve", None)),
        ((["group", "add", "faultgroup%dc" % n], None),
         ("POST", "/access/groups", {"groupid": "faultgroup%dh" % n})),
        ((["acl", "modify", "/vms/%d" % (200 + n), "--roles", "PVEAuditor",
           "--users", "bob@pve"], None),
         ("PUT", "/access/acl", {"path": "/vms/%d" % (300 + n),
                                 "roles": "PVEAuditor", "users": "bob@pve"})),
        ((["passwd", "frank@pve"], "new-frank-%d\nnew-frank-%d\n" % (n, n)),
         ("PUT", "/access/password", {"userid": "carol@pve",
                                      "password": "new-carol-%d" % n,
                                      "confirmation-password": PASSWORDS[ADMIN]})),
        ((["user", "token", "add", "bob@pve", "fault%dc" % n], None),
         ("POST", "/access/users/bob@pve/token/fault%dh" % n, {})),
        ((["user", "token", "remove", "bob@pve", "gonec"], None),
         ("DELETE", "/access/users/bob@pve/token/goneh", None)),
        ((["realm", "add", "fault%dc" % n, "--type", "ldap", "--server1",
           "127.0.0.1", "--base_dn", "dc=example,dc=org", "--user_attr", "uid",
           "--password", "bind-%d" % n], None),
         ("POST", "/access/domains", {"realm": "fault%dh" % n, "type": "ldap",
                                      "server1": "127.0.0.1",
                                      "base_dn": "dc=example,dc=org",
                                      "user_attr": "uid",
                                      "password": "bind-%d" % n})),
        ((["realm", "modify", "corpc", "--password", "new-bind-%d" % n], None),
         ("PUT", "/access/domains/corph", {"password": "new-bind-%d" % n})),
        ((["realm", "delete", "gonec"], None),
         ("DELETE", "/access/domains/goneh", None)),
    ]


def run_cli(d, args, stdin):
    env = dict(os.environ, REALMGATE_CONFIG_DIR=d)
    return subprocess.run([BIN, "--config-dir", d] + args, input=stdin,
                          env=env, capture_output=True, text=True, timeout=60)


def run_http(admin, method, path, params):
    if method in ("GET", "DELETE"):
        return admin.request(method, path, params=params)
    return admin.request(method, path, data=params)


def changed(before, after):
    return sorted(k for k in set(before) | set(after)
                  if before.get(k) != after.get(k))


def refused_everywhere(api, admin, cause):
    """Each write fails with cause in its message and changes nothing."""
    d = api.config_dir
    before = snapshot(d)
    for (args, stdin), (method, path, params) in writes(1):
        p = run_cli(d, args, stdin)
        assert p.returncode == 255, (args, p.returncode, p.stdout, p.stderr)
        assert cause in p.stderr, (args, p.stderr)
        assert changed(before, snapshot(d)) == [], args
        r = run_http(admin, method, path, params)
        assert r.status_code == 500, (method, path, r.status_code, r.text)
        body = r.json()
        assert body["data"] is None and cause in body["message"], body
        assert changed(before, snapshot(d)) == [], (method, path)
    # no lock directory left behind by the refused writes
    ld = os.path.join(d, "priv", "lock")
    assert [n for n in os.listdir(ld) if os.path.isdir(os.path.join(ld, n))] == []
    # reads and logins are untouched by the fault
    ok(admin.get("/access/users"))
    assert api.login("bob@pve")[0]
    ok(api.token_session("alice@pve!full").get("/access/permissions"))


def writable_again(api, admin):
    """The same writes succeed once the fault is gone; no temp file."""
    d = api.config_dir
    for (args, stdin), (method, path, params) in writes(1):
        p = run_cli(d, args, stdin)
        assert p.returncode == 0, (args, p.stdout, p.stderr)
        ok(run_http(admin, method, path, params))
    leftovers = [os.path.join(root, f) for root, _, files in os.walk(d)
                 for f in files if "tmp" in f]
    assert leftovers == []


def test_disk_full(tmpfs_server):
    api = tmpfs_server
    admin = api.session(ADMIN)
    fill(api.config_dir)
    refused_everywhere(api, admin, "No space left on device")
    os.unlink(os.path.join(api.config_dir, FILLER))
    writable_again(api, admin)


def test_read_only_config_dir(tmpfs_server):
    api = tmpfs_server
    admin = api.session(ADMIN)
    mount("-o", "remount,ro", api.config_dir)
    try:
        refused_everywhere(api, admin, "Read-only file system")
    finally:
        mount("-o", "remount,rw", api.config_dir)
    writable_again(api, admin)
